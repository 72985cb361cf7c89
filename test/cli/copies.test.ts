import { reportError } from "@caisse/cli";
import { isCaisseError } from "@caisse/core";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureContext, REPO, temporaryFolder } from "../helpers/cli.js";

/**
 * An installed tool may hold two copies of a library (npm gives each package its own when their
 * versions differ, or when each is bundled): a class from one copy is not the other's, so
 * `instanceof` says no. The CLIs must recognise errors from any copy.
 */
describe("errors from a second copy of a library", () => {
  let folder: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    folder = await temporaryFolder("caisse-copies-");
    await cp(
      join(REPO, "node_modules", "commander"),
      join(folder.path, "node_modules", "commander"),
      {
        recursive: true,
      },
    );
    // The built errors module imports nothing: a copy of the file is a second copy of the class.
    await cp(join(REPO, "packages", "core", "dist", "errors.js"), join(folder.path, "errors.js"));
    await cp(
      join(REPO, "packages", "core", "dist", "errors.js.map"),
      join(folder.path, "errors.js.map"),
    );
  });
  afterAll(() => folder.remove());

  const load = async <T>(path: string): Promise<T> =>
    (await import(pathToFileURL(join(folder.path, path)).href)) as T;

  it("--version thrown by another commander is not an error: exit 0, nothing on stderr", async () => {
    const { Command } = await load<typeof import("commander")>("node_modules/commander/index.js");
    const { ctx, output } = captureContext("/");
    const program = new Command("tool")
      .version("1.2.3")
      .exitOverride()
      .configureOutput({
        writeOut: (text) => {
          ctx.stdout.write(text);
        },
      });
    const thrown = await program.parseAsync(["--version"], { from: "user" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(Error);
    expect(reportError(thrown, ctx, false)).toBe(0);
    expect(output()).toEqual({ stdout: "1.2.3\n", stderr: "" });
  });

  it("an unknown option thrown by another commander is a usage error: exit 2", async () => {
    const { Command } = await load<typeof import("commander")>("node_modules/commander/index.js");
    const { ctx, output } = captureContext("/");
    const program = new Command("tool").exitOverride().configureOutput({
      writeErr: (text) => {
        ctx.stderr.write(text);
      },
    });
    const thrown = await program.parseAsync(["--nope"], { from: "user" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(reportError(thrown, ctx, false)).toBe(2);
    expect(output().stderr).toBe("error: unknown option '--nope'\n");
  });

  it("a CaisseError made by another copy of the core keeps its code, hint and exit status", async () => {
    const copy = await load<typeof import("@caisse/core")>("errors.js");
    const error = new copy.CaisseError("E_CONFIG", "bad key 'x' in /etc/caisse.json", {
      hint: "remove it.",
    });
    expect(isCaisseError(error)).toBe(true);
    expect(isCaisseError(error, "E_CONFIG")).toBe(true);
    expect(isCaisseError(error, "E_USAGE")).toBe(false);
    const { ctx, output } = captureContext("/");
    expect(reportError(error, ctx, false)).toBe(2);
    expect(output().stderr).toBe("error E_CONFIG: bad key 'x' in /etc/caisse.json\n  remove it.\n");
  });

  it("an Error that only looks like one is not taken for a CaisseError or a commander error", () => {
    const lookalike = Object.assign(new Error("disk on fire"), { code: "E_CONFIG", exitCode: 2 });
    expect(isCaisseError(lookalike)).toBe(false);
    const { ctx, output } = captureContext("/");
    expect(reportError(lookalike, ctx, false)).toBe(1);
    expect(output().stderr).toBe(
      "error E_INTERNAL: disk on fire\n  this is a bug; run again with --verbose and report the output.\n",
    );
  });
});

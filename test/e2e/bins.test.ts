import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

/** The launchers users run: bin/ in a clone, and `npx caisse-export` from the root. */
describe("the command-line launchers", () => {
  it.each(["caisse-export", "caisse-central"])(
    "%s runs through bin/ and through npx",
    async (name) => {
      const { version } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
        version: string;
      };
      const direct = spawnSync(join(REPO, "bin", name), ["--version"], {
        cwd: REPO,
        encoding: "utf8",
      });
      expect(direct.stdout.trim()).toBe(version);
      expect(direct.status).toBe(0);
      const npx = spawnSync("npx", ["--no-install", name, "--version"], {
        cwd: REPO,
        encoding: "utf8",
      });
      expect(npx.stdout.trim()).toBe(version);
      expect(npx.status).toBe(0);
    },
  );
});

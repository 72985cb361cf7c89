import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, runBin } from "../helpers/cli.js";
import { VERSION } from "@caisse/export";
import { makeTill, type Till } from "./fixture.js";

/** The built launcher, as cron runs it: needs `npx tsc -b` first (npm test does it). */
let till: Till;

beforeEach(async () => {
  till = await makeTill();
});
afterEach(async () => till.remove());

describe("bin/caisse-export", () => {
  it("runs the nightly job end to end and prints timestamped log lines off a terminal", async () => {
    const failed = await runBin(BIN.export, ["run"], { cwd: till.dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^error E_TRANSPORT: dir transport: the destination folder .* does not exist/mu,
    );

    await mkdir(till.share);
    const sent = await runBin(BIN.export, ["run", "--verbose"], { cwd: till.dir });
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2} caisse-export info: sent D01_/mu,
    );
    expect(await till.shareNames()).toHaveLength(2);

    const status = await runBin(BIN.export, ["status", "--format", "json"], { cwd: till.dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ nextSequence: 3, outbox: [] });
  });

  it("reports a configuration error with exit 2", async () => {
    const result = await runBin(BIN.export, ["--config", "absent.json", "run"], { cwd: till.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("E_CONFIG");
  });

  it("shows the version of package.json", async () => {
    const result = await runBin(BIN.export, ["--version"], { cwd: till.dir });
    const pkg = JSON.parse(
      await readFile(join(import.meta.dirname, "../../packages/export/package.json"), "utf8"),
    ) as { version: string };
    expect(result.stdout.trim()).toBe(VERSION);
    expect(VERSION).toBe(pkg.version);
  });
});

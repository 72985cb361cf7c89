import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshotTree } from "../helpers/tree.js";
import { DEFAULT_CONFIG, makeTill, type Till } from "./fixture.js";

/**
 * Every refusal of zip, run and send comes before anything is written, moved or sent: the whole
 * till folder (state, outbox, destinations, data) is the same byte for byte after it.
 */

let till: Till;

beforeEach(async () => {
  till = await makeTill();
  // D01's archive waits in the outbox: its destination does not exist yet.
  expect((await till.run(["run"])).code).toBe(1);
  expect(await till.outboxNames()).toHaveLength(1);
});
afterEach(async () => till.remove());

/** Runs the command, expects the refusal, and that nothing at all changed in the till's folder. */
async function expectRefused(argv: string[], code: string, message: string): Promise<string> {
  const before = await snapshotTree(till.dir);
  const result = await till.run(argv);
  expect(result.stderr).toContain(`error ${code}: `);
  expect(result.stderr).toContain(message);
  expect(result.code).toBe(2);
  expect(await snapshotTree(till.dir)).toEqual(before);
  return result.stderr;
}

describe("a second till's config sharing the state folder", () => {
  beforeEach(async () => {
    await mkdir(join(till.dir, "depot2"));
    await writeFile(
      join(till.dir, "d02.json"),
      JSON.stringify({ till: "D02", data: "donnees", transport: { type: "dir", path: "depot2" } }),
    );
  });

  it.each([
    ["run"],
    ["send"],
    ["zip", "--out", "d02.zip"],
    ["zip", "--dry-run"],
    ["run", "--dry-run"],
  ])("refuses %s before sending or writing anything", async (...argv) => {
    const stderr = await expectRefused(
      ["--config", "d02.json", ...argv],
      "E_CONFIG",
      `the state folder ${join(till.dir, "caisse-export-state")} counts the archives of till D01, not of D02`,
    );
    expect(stderr).toContain("nothing was built or sent");
  });

  it("refuses by the outbox's archives when the state file is gone", async () => {
    await rm(join(till.dir, "caisse-export-state", "state.json"));
    const [waiting] = await till.outboxNames();
    await expectRefused(
      ["--config", "d02.json", "run"],
      "E_CONFIG",
      `holds ${waiting} in its outbox, an archive of till D01, not of D02`,
    );
  });
});

describe("every refusal of run comes before anything is sent", () => {
  beforeEach(async () => {
    await mkdir(till.share); // D01's destination is there now: a run would send
  });

  it("a key that does not exist", async () => {
    await till.writeConfig({ ...DEFAULT_CONFIG, key: "absent.pem" });
    await expectRefused(["run"], "E_CONFIG", `key: ${join(till.dir, "absent.pem")} does not exist`);
  });

  it("a data directory that does not exist", async () => {
    await till.writeConfig({ ...DEFAULT_CONFIG, data: "absent" });
    for (const command of [["run"], ["send"]]) {
      await expectRefused(
        command,
        "E_CONFIG",
        `the data directory ${join(till.dir, "absent")} does not exist (config key 'data', or --data)`,
      );
    }
  });

  it("a data directory inside the outbox, naming both folders", async () => {
    const outbox = join(till.dir, "caisse-export-state", "outbox");
    await till.writeConfig({ ...DEFAULT_CONFIG, data: "caisse-export-state/outbox" });
    for (const command of [["run"], ["send"], ["zip", "--dry-run"]]) {
      await expectRefused(
        command,
        "E_CONFIG",
        `the data directory ${outbox} (key 'data', or --data) is inside the state folder ${join(till.dir, "caisse-export-state")}`,
      );
    }
    await till.writeConfig(DEFAULT_CONFIG);
    await expectRefused(
      ["zip", "--data", outbox, "--out", join(till.dir, "x.zip")],
      "E_CONFIG",
      `the data directory ${outbox}`,
    );
  });

  it("a data directory holding the state folder", async () => {
    await till.writeConfig({ ...DEFAULT_CONFIG, data: "." });
    await expectRefused(
      ["run"],
      "E_CONFIG",
      `the state folder ${join(till.dir, "caisse-export-state")} would be inside the data directory ${till.dir}`,
    );
  });

  it("a destination inside the data directory or the state folder", async () => {
    for (const path of ["donnees/depot", "caisse-export-state/depot"]) {
      await till.writeConfig({ ...DEFAULT_CONFIG, transport: { type: "dir", path } });
      await expectRefused(
        ["run"],
        "E_CONFIG",
        `the transport's folder ${join(till.dir, path)} (key 'transport.path') is inside`,
      );
    }
  });

  it("an archive written into the state folder by zip --out", async () => {
    await expectRefused(
      ["zip", "--out", "caisse-export-state/outbox/D01_20261127T230005_000009.zip"],
      "E_USAGE",
      "is inside the state folder",
    );
  });
});

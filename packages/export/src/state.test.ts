import { CaisseError } from "@caisse/core";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  checkStateOutsideData,
  INITIAL_STATE,
  readRuns,
  readState,
  recordRun,
  statePaths,
  writeState,
  type StatePaths,
} from "./state.js";
import { silentLogger } from "../../../test/helpers/cli.js";

let root: string;
let paths: StatePaths;
const log = silentLogger();

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "caisse-state-"));
  paths = statePaths(join(root, "caisse-export-state"));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe("state.json", () => {
  it("starts at sequence 1 and reads back what was written", async () => {
    expect(await readState(paths)).toEqual(INITIAL_STATE);
    const state = {
      nextSequence: 43,
      lastSequence: 42,
      lastManifestSha256: "a".repeat(64),
      till: "D01",
      lastArchive: "x.zip",
      updated: "2026-11-27T23:00:05+01:00",
    };
    await writeState(paths, state);
    expect(await readState(paths)).toEqual(state);
    expect(JSON.parse(await readFile(paths.file, "utf8"))).toMatchObject({
      format: "caisse-export-state/1",
    });
  });

  it.each([
    ["not json", "not valid JSON"],
    ['{"nextSequence": 0}', "nextSequence is 0"],
    ["{}", "nextSequence is missing"],
    ['{"nextSequence": 1e309}', "nextSequence is a number too large to be read (such as 1e309)"],
    ['{"nextSequence": 2, "lastSequence": 1e309}', "lastSequence is a number too large to be read"],
    ['{"nextSequence": 2, "lastSequence": 1.5}', "lastSequence is 1.5, expected null or a whole"],
    ['{"nextSequence": 2, "lastManifestSha256": "xyz"}', "lastManifestSha256"],
  ])("refuses a damaged file %s, so that no sequence is guessed", async (content, words) => {
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.file, content);
    const error = await readState(paths).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaisseError);
    expect((error as CaisseError).code).toBe("E_STATE");
    expect((error as CaisseError).message).toContain(words);
  });

  it("accepts a file written by hand with only the next sequence", async () => {
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.file, '{ "nextSequence": 17 }');
    expect(await readState(paths)).toMatchObject({ nextSequence: 17, lastManifestSha256: null });
  });
});

describe("the state folder's place", () => {
  it("may not be inside the data directory, links resolved", async () => {
    const data = join(root, "donnees");
    await mkdir(data);
    await expect(
      checkStateOutsideData(join(data, "caisse-export-state"), data, undefined),
    ).rejects.toMatchObject({
      code: "E_CONFIG",
      hint: expect.stringContaining("current folder") as unknown,
    });
    await expect(
      checkStateOutsideData(join(data, "caisse-export-state"), data, join(data, "c.json")),
    ).rejects.toMatchObject({
      hint: expect.stringContaining("move caisse-export.json") as unknown,
    });
    await symlink(data, join(root, "lien"));
    await expect(
      checkStateOutsideData(join(root, "lien", "caisse-export-state"), data, undefined),
    ).rejects.toThrow("inside the data directory");
    await expect(checkStateOutsideData(paths.dir, data, undefined)).resolves.toBeUndefined();
    // A sibling whose name starts like the data directory is not inside it.
    await expect(
      checkStateOutsideData(join(root, "donnees-bis", "s"), data, undefined),
    ).resolves.toBeUndefined();
  });
});

describe("runs.jsonl", () => {
  it("records successes, partial failures and thrown errors, and skips a line cut by a crash", async () => {
    await recordRun(paths, { time: "t1", command: "run" }, log, () =>
      Promise.resolve({ built: ["a.zip"], sent: ["a.zip"], failures: [] }),
    );
    const transport = new CaisseError("E_TRANSPORT", "share gone");
    await recordRun(paths, { time: "t2", command: "run" }, log, () =>
      Promise.resolve({ built: ["b.zip"], sent: [], failures: [transport] }),
    );
    await expect(
      recordRun(paths, { time: "t3", command: "zip" }, log, () =>
        Promise.reject(new CaisseError("E_LOCK_HELD", "held")),
      ),
    ).rejects.toThrow("held");
    await writeFile(paths.runs, `${await readFile(paths.runs, "utf8")}{"time":"t4","comm`);
    const runs = await readRuns(paths, 10);
    expect(runs.map((run) => [run.time, run.outcome, run.error?.code ?? null])).toEqual([
      ["t1", "ok", null],
      ["t2", "failed", "E_TRANSPORT"],
      ["t3", "failed", "E_LOCK_HELD"],
    ]);
    expect(await readRuns(paths, 1)).toHaveLength(1);
  });
});

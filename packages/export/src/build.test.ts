import { archiveTransportName } from "@caisse/core";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildNextArchive, type BuildNextOptions } from "./build.js";
import { readState, statePaths, writeState, INITIAL_STATE, type StatePaths } from "./state.js";

let root: string;
let paths: StatePaths;
const now = new Date(2026, 10, 27, 23, 0, 5);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "caisse-build-"));
  paths = statePaths(join(root, "caisse-export-state"));
  await mkdir(join(root, "donnees"));
  await writeFile(join(root, "donnees", "ventes.csv"), "ticket;date\n1;2026-11-27\n");
  await mkdir(paths.outbox, { recursive: true });
});
afterEach(async () => rm(root, { recursive: true, force: true }));

function options(overrides: Partial<BuildNextOptions> = {}): BuildNextOptions {
  return {
    paths,
    configFile: undefined,
    till: "D01",
    name: "Magasin 1",
    data: join(root, "donnees"),
    key: undefined,
    out: undefined,
    now,
    ...overrides,
  };
}

describe("buildNextArchive: a sequence is never used twice", () => {
  it("builds into the outbox under the transport name and commits the sequence", async () => {
    const first = await buildNextArchive(options());
    expect(first.fileName).toBe("D01_20261127T230005_000001.zip");
    const second = await buildNextArchive(options());
    expect(second.archive.manifest).toMatchObject({
      sequence: 2,
      previous: first.archive.manifestSha256,
    });
    expect(await readState(paths)).toMatchObject({
      nextSequence: 3,
      lastSequence: 2,
      lastManifestSha256: second.archive.manifestSha256,
    });
  });

  it("shows nothing and keeps the sequence when the state cannot be written", async () => {
    // A folder where state.json should be: the atomic rename onto it fails.
    await mkdir(join(paths.file, "blocked"), { recursive: true });
    await expect(buildNextArchive(options())).rejects.toThrow();
    expect(await readdir(paths.outbox)).toEqual([]);
    await rm(paths.file, { recursive: true });
    expect((await buildNextArchive(options())).archive.manifest.sequence).toBe(1);
  });

  it("leaves a gap, never a reused sequence, when the archive cannot be put in place after the state", async () => {
    await mkdir(join(paths.outbox, archiveTransportName("D01", now, 1), "occupied"), {
      recursive: true,
    });
    await expect(buildNextArchive(options())).rejects.toThrow();
    expect(await readState(paths)).toMatchObject({ nextSequence: 2 });
    expect((await buildNextArchive(options())).archive.manifest.sequence).toBe(2);
  });

  it("gives the next archive a sequence after any archive already in the outbox", async () => {
    await writeState(paths, { ...INITIAL_STATE, nextSequence: 3 });
    await writeFile(
      join(paths.outbox, "D01_20261120T230000_000007.zip"),
      "an archive built before a state restore",
    );
    expect((await buildNextArchive(options())).archive.manifest.sequence).toBe(8);
  });
});

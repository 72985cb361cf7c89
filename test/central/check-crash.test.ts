import { main } from "@caisse/central";
import * as core from "@caisse/core";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { buildTillZip } from "../helpers/zip-builder.js";

/**
 * A check that throws something unexpected (a bug, a stack overflow on a hostile input) on one
 * archive: that archive is quarantined and journaled with E_ARCHIVE_CHECK_FAILED, and the run
 * goes on with the next one. The fault is injected into openArchive and extractTo by archive name.
 */
vi.mock("@caisse/core", async (importOriginal) => {
  const real = await importOriginal<typeof core>();
  return {
    ...real,
    openArchive: async (path: string, options?: core.OpenArchiveOptions) => {
      if (basename(path).startsWith("A00"))
        throw new RangeError("Maximum call stack size exceeded");
      const archive = await real.openArchive(path, options);
      if (!basename(path).startsWith("B00")) return archive;
      return Object.assign(Object.create(archive) as core.OpenedArchive, {
        extractTo: () => Promise.reject(new TypeError("Cannot read properties of undefined")),
        close: () => archive.close(),
      });
    },
  };
});

const DATA = { "ventes.csv": "ticket;date\n1;2026-11-27\n" };

let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);

beforeEach(async () => {
  work = await temporaryFolder("caisse-check-crash-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  for (const till of ["A00", "B00", "D01"]) {
    expect((await central("tills", "add", till, "--name", `Magasin ${till}`)).code).toBe(0);
  }
});
afterEach(async () => work.remove());

describe("an unexpected error while examining one archive", () => {
  it("quarantines that archive with E_ARCHIVE_CHECK_FAILED and imports the next", async () => {
    const names = ["A00", "B00", "D01"].map((till) => `${till}_20261127T230005_000001.zip`);
    for (const name of names) {
      const till = name.slice(0, 3);
      await writeFile(join(root, "inbox", name), buildTillZip(DATA, { manifest: { till } }).zip);
    }

    const result = await central("fetch", "--format", "json");

    expect(result.code, result.stderr).toBe(3);
    const summary = JSON.parse(result.stdout) as {
      archives: { file: string; outcome: string; code: string | null; reason: string | null }[];
    };
    expect(summary.archives.map(({ file, outcome, code }) => [file, outcome, code])).toEqual([
      [names[0], "rejected", "E_ARCHIVE_CHECK_FAILED"],
      [names[1], "rejected", "E_ARCHIVE_CHECK_FAILED"],
      [names[2], "accepted", null],
    ]);
    expect(summary.archives[0]?.reason).toBe(
      "examining the archive failed unexpectedly (RangeError: Maximum call stack size exceeded)",
    );
    expect(summary.archives[1]?.reason).toBe(
      "examining the archive failed unexpectedly (TypeError: Cannot read properties of undefined)",
    );
    expect(await readdir(join(root, "inbox"))).toEqual([]);
    expect((await readdir(join(root, "quarantine"))).sort()).toEqual([
      names[0],
      `${names[0]}.txt`,
      names[1],
      `${names[1]}.txt`,
    ]);
    expect(await readdir(join(root, "tills"))).toEqual(["D01"]);
    const journal = (await readFile(join(root, "journal.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { outcome: string; code: string | null; till: string });
    expect(journal.map(({ outcome, code }) => [outcome, code])).toEqual([
      ["rejected", "E_ARCHIVE_CHECK_FAILED"],
      ["rejected", "E_ARCHIVE_CHECK_FAILED"],
      ["accepted", null],
    ]);
    // B00 was identified before its extraction failed: journaled under its till.
    expect(journal[1]?.till).toBe("B00");
  });
});

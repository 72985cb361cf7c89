import { centralPaths, loadCentralConfig, main } from "@caisse/central";
import { archiveTransportName, CaisseError } from "@caisse/core";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { buildTillZip } from "../helpers/zip-builder.js";
import { fetchSources } from "../../packages/central/src/import/run.js";

/**
 * A journal that cannot be written stops the run at once: an import not journaled is not guarded
 * against replay. The journal's append is made to fail as a full disk would (E_JOURNAL_WRITE).
 */
const disk = vi.hoisted(() => ({ full: false }));

vi.mock("../../packages/central/src/journal.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../packages/central/src/journal.js")>();
  return {
    ...actual,
    appendJournal: (...args: Parameters<typeof actual.appendJournal>) => {
      if (disk.full) {
        return Promise.reject(
          new CaisseError(
            "E_JOURNAL_WRITE",
            `cannot write the journal ${args[0]}: no space left on device`,
          ),
        );
      }
      return actual.appendJournal(...args);
    },
  };
});

let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);

beforeEach(async () => {
  work = await temporaryFolder("caisse-stop-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  for (const till of ["D01", "D02", "D03"]) {
    expect((await central("tills", "add", till, "--name", `Magasin ${till}`)).code).toBe(0);
    const created = "2026-11-01T23:00:05+01:00";
    const { zip } = buildTillZip(
      { "ventes.csv": `ticket;date\n1;${till}\n` },
      { manifest: { till, name: `Magasin ${till}`, sequence: 1, created } },
    );
    await writeFile(join(root, "inbox", archiveTransportName(till, created, 1)), zip);
  }
});
afterEach(async () => {
  disk.full = false;
  await work.remove();
});

describe("fetch when the journal cannot be written", () => {
  it("stops at the first failure: no other till is swapped; the next fetch finishes", async () => {
    const opened = {
      paths: centralPaths(root),
      config: await loadCentralConfig(centralPaths(root)),
    };
    disk.full = true;
    const summary = await fetchSources(opened, undefined, { now: () => new Date() });
    expect(summary.failures.map((failure) => (failure.error as CaisseError).code)).toEqual([
      "E_JOURNAL_WRITE",
    ]);
    expect(summary.results).toEqual([]);
    // D01's swap was decided before its entry could be written; D02 and D03 were not touched.
    expect(await readdir(join(root, "tills"))).toEqual(["D01", "D01.caisse-swap.json"]);
    expect((await readdir(join(root, "inbox"))).sort()).toEqual([
      "D01_20261101T230005_000001.zip",
      "D02_20261101T230005_000001.zip",
      "D03_20261101T230005_000001.zip",
    ]);

    disk.full = false;
    const next = await central("fetch");
    expect(next.code).toBe(0);
    expect(next.stdout).toContain("recovered D01: an interrupted import was completed");
    const journal = (await readFile(join(root, "journal.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { till: string; outcome: string });
    expect(journal.map((entry) => `${entry.till} ${entry.outcome}`)).toEqual([
      "D01 accepted",
      "D01 duplicate",
      "D02 accepted",
      "D03 accepted",
    ]);
    expect(await readdir(join(root, "inbox"))).toEqual([]);
    expect((await central("journal", "--verify")).code).toBe(0);
  });
});

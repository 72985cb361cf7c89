import { main } from "@caisse/central";
import { archiveTransportName, buildArchive, planArchive } from "@caisse/core";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../scripts/seeded-random.mjs";
import { runInProcess, temporaryFolder } from "../helpers/cli.js";
import { damageArchive } from "../helpers/damage.js";
import { snapshotTree } from "../helpers/tree.js";

/**
 * `caisse-central fetch` on damaged archives, through the whole import: each one is either
 * imported whole (the till's directory then holds exactly the till's files) or quarantined with
 * its reason, exit 3, the till's directory untouched. Every archive is journaled, the chain holds,
 * and the inbox ends empty. A failure names its seed.
 */
const CASES = 120;

let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]) => runInProcess(main, ["--root", root, ...argv], work.path);

/** The till's data for an archive: different for every sequence. */
function dataOf(sequence: number): Record<string, string> {
  return {
    "ventes.csv": `ticket;date;article;famille;quantite;montant_ttc;taux_tva\n${sequence};2026-11-02 10:00;A1;EPI;1;${sequence},50;5,5\n`,
    "reglements.csv": `ticket;date;mode;montant\n${sequence};2026-11-02 10:00;CB;${sequence},50\n`,
    "2026/notes.txt": `archive ${sequence}\n`.repeat(20),
  };
}

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** Builds the archive of `sequence` and returns its name and bytes. */
async function archiveOf(sequence: number): Promise<{ name: string; bytes: Buffer }> {
  const data = join(work.path, `data-${sequence}`);
  await writeTree(data, dataOf(sequence));
  const created = new Date(2026, 10, 27, 23, 0, 5);
  const name = archiveTransportName("D01", created, sequence);
  const out = join(work.path, name);
  await buildArchive(await planArchive(data), {
    outPath: out,
    till: "D01",
    name: "Magasin 1",
    sequence,
    previous: null,
    created,
  });
  return { name, bytes: await readFile(out) };
}

beforeAll(async () => {
  work = await temporaryFolder("caisse-fuzz-import-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
});

afterAll(async () => work.remove());

describe("fetch on damaged archives", () => {
  it(`imports each one whole or quarantines it, nothing in between (${CASES} seeds)`, async () => {
    const tillDir = join(root, "tills", "D01");
    const outcomes = { accepted: 0, rejected: 0 };
    for (let seed = 1; seed <= CASES; seed++) {
      const before = await snapshotTree(tillDir);
      const { name, bytes } = await archiveOf(seed);
      await writeFile(join(root, "inbox", name), damageArchive(bytes, mulberry32(seed)));

      const result = await central("fetch", "--format", "json");
      const summary = JSON.parse(result.stdout) as {
        archives: { outcome: string; code: string | null }[];
      };
      const outcome = summary.archives[0]?.outcome;
      expect([outcome, summary.archives.length], `seed ${seed}: ${result.stderr}`).toEqual([
        outcome === "accepted" ? "accepted" : "rejected",
        1,
      ]);
      if (outcome === "accepted") {
        expect(result.code, `seed ${seed}`).toBe(0);
        const expected = join(work.path, `data-${seed}`);
        expect(await snapshotTree(tillDir), `seed ${seed}`).toEqual(await snapshotTree(expected));
        outcomes.accepted++;
      } else {
        expect(result.code, `seed ${seed}: ${result.stderr}`).toBe(3);
        expect(summary.archives[0]?.code, `seed ${seed}`).toMatch(/^E_(ARCHIVE|MANIFEST)_/u);
        expect(await snapshotTree(tillDir), `seed ${seed}`).toEqual(before);
        outcomes.rejected++;
      }
      expect(await readdir(join(root, "inbox")), `seed ${seed}`).toEqual([]);
    }

    // Each rejected archive is in quarantine with its reason beside it.
    const quarantine = await readdir(join(root, "quarantine"));
    expect(quarantine.filter((file) => file.endsWith(".zip"))).toHaveLength(outcomes.rejected);
    expect(quarantine.filter((file) => file.endsWith(".txt"))).toHaveLength(outcomes.rejected);
    const tills = await readdir(join(root, "tills"));
    expect(tills).toEqual(["D01"]);
    const verify = await central("journal", "--verify");
    expect(verify.stdout).toBe(`journal intact: ${CASES} entries, hash chain verified\n`);
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(CASES / 2);
  }, 300_000);
});

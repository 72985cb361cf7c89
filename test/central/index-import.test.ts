import { pathExists } from "@caisse/core";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fingerprintOf } from "../../packages/central/src/reportIndex/fingerprint.js";
import { archiveOf } from "../helpers/central-import.js";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { storedFingerprints } from "../helpers/report-index.js";
import { importKilledAt } from "../helpers/killed-import.js";

/**
 * `import` brings the report index up to date for the tills it swapped in, and only for them;
 * an import killed between the swap and the index update leaves no stale figure: the next report
 * sees the till's new files. Whole processes, so stderr shows what a user sees (no warning
 * about node:sqlite).
 */
let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]) =>
  runBin(BIN.central, ["--root", root, ...argv], { cwd: work.path });

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n";
/** A till's sales file: one line of `cents` per ticket of the list, on 2 November 2026. */
function sales(...tickets: [number, number][]): Record<string, string> {
  const rows = tickets.map(
    ([ticket, cents]) => `${ticket};2026-11-02 10:00;A1;EPI;1;${(cents / 100).toFixed(2)};20\n`,
  );
  return { "ventes.csv": HEADER + rows.join("") };
}

interface Json {
  total: { ttc: number; tickets: number };
  warnings: string[];
}

/** `report --by family` as JSON, with and without the index: the same bytes, no stderr. */
async function report(): Promise<Json> {
  const argv = ["report", "--period", "2026-11", "--by", "family", "--format", "json"];
  const indexed = await central(...argv);
  const files = await central(...argv, "--no-index");
  expect(indexed.stderr).toBe("");
  expect(indexed.code).toBe(0);
  expect(indexed.stdout).toBe(files.stdout);
  return JSON.parse(indexed.stdout) as Json;
}

const stored = (): Record<string, string> => storedFingerprints(root);

const current = (ref: string): Promise<string> => fingerprintOf(join(root, "tills", ref), {});

beforeEach(async () => {
  work = await temporaryFolder();
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin D01")).code).toBe(0);
  expect((await central("tills", "add", "D02", "--name", "Magasin D02")).code).toBe(0);
  const d01 = await archiveOf(work.path, "d01-1", sales([1, 1000]), "D01");
  const d02 = await archiveOf(work.path, "d02-1", sales([1, 500]), "D02");
  expect((await central("import", d01, d02)).code).toBe(0);
});
afterEach(async () => work.remove());

describe("import and the report index", () => {
  it("an import indexes the tills it swapped in, and only those", async () => {
    // Not indexed yet: left to the next report, which indexes both from nothing.
    expect(await pathExists(join(root, "index", "reports.sqlite"))).toBe(false);
    expect((await report()).total).toMatchObject({ ttc: 15, tickets: 2 });
    const first = stored();
    expect(first).toEqual({ D01: await current("D01"), D02: await current("D02") });

    const next = await archiveOf(work.path, "d01-2", sales([1, 1000], [2, 250]), "D01");
    expect((await central("import", next)).code).toBe(0);
    const after = stored();
    expect(after.D02).toBe(first.D02);
    expect(after.D01).not.toBe(first.D01);
    // Up to date: the next report has nothing to index again.
    expect(after.D01).toBe(await current("D01"));
    expect((await report()).total).toMatchObject({ ttc: 17.5, tickets: 3 });
  });

  it("an import leaves a till the index does not hold yet to the next report", async () => {
    expect((await report()).total).toMatchObject({ ttc: 15, tickets: 2 });
    expect((await central("tills", "add", "D03", "--name", "Magasin D03")).code).toBe(0);
    const d03 = await archiveOf(work.path, "d03-1", sales([1, 700]), "D03");
    expect((await central("import", d03)).code).toBe(0);
    // Its first indexing would read its whole history: the import does not do it.
    expect(Object.keys(stored())).toEqual(["D01", "D02"]);
    expect((await report()).total).toMatchObject({ ttc: 22, tickets: 3 });
    expect(stored().D03).toBe(await current("D03"));
  });

  it.each(["marked", "moved-old", "moved-new", "journaled"])(
    "an import killed at '%s', between the swap and the index: no stale figure",
    async (point) => {
      expect((await report()).total).toMatchObject({ ttc: 15, tickets: 2 });
      const next = await archiveOf(work.path, "d01-2", sales([1, 1000], [2, 250]), "D01");
      await importKilledAt(root, work.path, point, next);
      // Before any recovery, the report reads the directory in place: still the old one while
      // only the marker is written, the new one from the first rename on.
      const seen = point === "marked" ? { ttc: 15, tickets: 2 } : { ttc: 17.5, tickets: 3 };
      expect((await report()).total).toMatchObject(seen);
      expect((await central("fetch")).code).toBe(0);
      expect((await report()).total).toMatchObject({ ttc: 17.5, tickets: 3 });
      expect(stored().D01).toBe(await current("D01"));
    },
  );
});

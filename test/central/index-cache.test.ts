import { runReport, type ReportOptions } from "../../packages/central/src/commands/report.js";
import { appendFile, mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { historyTills, writeHistory } from "../helpers/sales-history.js";

/**
 * The report index is a cache: deleted, of another schema version, damaged, or older than a till's
 * files, it is built again, and a report never shows figures the files no longer have.
 */
let root: { path: string; remove: () => Promise<void> };
const NOW = new Date(2026, 2, 20, 12, 0, 0);
const INDEX = (): string => join(root.path, "index", "reports.sqlite");

beforeEach(async () => {
  root = await temporaryFolder("caisse-index-cache-");
  await writeFile(
    join(root.path, "caisse-central.json"),
    JSON.stringify({ tills: historyTills(3) }),
  );
  await writeHistory(root.path, {
    seed: 7,
    tills: 3,
    start: "2026-01-01",
    days: 60,
    ticketsPerDay: 4,
    messy: true,
    monthly: true,
  });
});
afterEach(async () => root.remove());

interface Json {
  rows: { key: string; ttc: number; tickets: number }[];
  total: { ttc: number; tickets: number };
  warnings: string[];
}

async function report(
  options: ReportOptions = {},
): Promise<{ text: string; json: Json; stderr: string }> {
  const { ctx, output } = captureContext(root.path, {}, () => NOW);
  const result = await runReport({ root: root.path, format: "json", ...options }, ctx);
  return { text: result.text, json: JSON.parse(result.text) as Json, stderr: output().stderr };
}

/** The indexed report, checked against the files'. */
async function checked(options: ReportOptions = {}): Promise<Json> {
  const indexed = await report(options);
  const files = await report({ ...options, index: false });
  expect(indexed.text).toBe(files.text);
  expect(indexed.stderr).toBe(files.stderr);
  return indexed.json;
}

function fingerprints(): Record<string, string> {
  const db = new DatabaseSync(INDEX(), { readOnly: true });
  try {
    const rows = db.prepare("SELECT till, fingerprint FROM till ORDER BY till").all();
    return Object.fromEntries(rows.map((row) => [String(row.till), String(row.fingerprint)]));
  } finally {
    db.close();
  }
}

describe("the report index is a cache", () => {
  it("when it cannot be used, the report reads the files and says so on stderr", async () => {
    // A file where the index folder should be: it cannot be created.
    await writeFile(join(root.path, "index"), "not a folder\n");
    const indexed = await report({ by: "vat" });
    const files = await report({ by: "vat", index: false });
    expect(indexed.text).toBe(files.text);
    const [first, ...rest] = indexed.stderr.split("\n");
    // After the time stamp:
    expect(first?.replace(/^\S+ /u, "")).toBe(
      `caisse-central warn: the report index (${join(root.path, "index")}) ` +
        `could not be used, the files were read instead: cannot create the folder ${join(root.path, "index")}: already exists`,
    );
    expect(rest.join("\n")).toBe(files.stderr);
  });

  it("is created by the first report, and built again when deleted", async () => {
    const first = await checked({ by: "family" });
    expect((await stat(INDEX())).size).toBeGreaterThan(0);
    await rm(join(root.path, "index"), { recursive: true });
    expect((await checked({ by: "family" })).total).toEqual(first.total);
    expect(Object.keys(fingerprints())).toEqual(["D01", "D02", "D03"]);
  });

  it("is not used stale: a sales file changed, added or removed by hand", async () => {
    const before = await checked({ period: "2026-02" });
    const d01 = join(root.path, "tills", "D01", "donnees");
    // Its modification time put back as it was: the size and the change time tell.
    const file = join(d01, "ventes-2026-02.csv");
    const { mtime } = await stat(file);
    await appendFile(file, "77;06/02/2026 10:00;A1;EPI;1;1000,00;5,5;Cadeau\r\n");
    await utimes(file, mtime, mtime);
    const changed = await checked({ period: "2026-02" });
    expect(changed.total.ttc).toBe(before.total.ttc + 1000);

    await writeFile(
      join(d01, "ventes-extra.csv"),
      "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n99;07/02/2026 10:00;A1;EPI;1;1,00;5,5\n",
    );
    const added = await checked({ period: "2026-02" });
    expect(added.total).toMatchObject({
      ttc: changed.total.ttc + 1,
      tickets: changed.total.tickets + 1,
    });

    await rm(join(d01, "ventes-extra.csv"));
    await rm(file);
    const removed = await checked({ period: "2026-02" });
    // Only the backup copy's days are left.
    const d01Of = (json: Json): number => json.rows.find((row) => row.key === "D01")?.ttc ?? 0;
    expect(d01Of(removed)).toBeGreaterThan(0);
    expect(d01Of(removed)).toBeLessThan(d01Of(before) / 2);
  });

  it("reads a till again from its first changed file on: the files before keep their rows", async () => {
    await checked({ by: "family" });
    // A mark in the rows of D01's first file: it stays as long as that file is not read again.
    const db = new DatabaseSync(INDEX());
    const marked = db
      .prepare("UPDATE cell SET ttc = ttc + 100 WHERE dim = 'total' AND till = 'D01' AND file = 0")
      .run();
    db.close();
    expect(Number(marked.changes)).toBeGreaterThan(0);
    const d01 = join(root.path, "tills", "D01", "donnees");
    await appendFile(
      join(d01, "ventes-2026-02.csv"),
      "77;06/02/2026 10:00;A1;EPI;1;1000,00;5,5;Cadeau\r\n",
    );
    const files = await report({ by: "till", index: false });
    const indexed = await report({ by: "till" });
    const d01Of = (json: Json): number => json.rows.find((row) => row.key === "D01")?.ttc ?? 0;
    expect(d01Of(indexed.json)).toBeCloseTo(d01Of(files.json) + Number(marked.changes), 2);

    // A last file holding copies of February's tickets: only it is read, and the tickets the
    // files before it gave (kept in the index) are not counted again.
    await rm(join(root.path, "index"), { recursive: true });
    await checked({ by: "family" });
    const february = await readFile(join(d01, "ventes-2026-02.csv"));
    await mkdir(join(d01, "zzz"));
    await writeFile(join(d01, "zzz", "ventes.csv"), february);
    const json = await checked({ by: "family" });
    expect(json.warnings.filter((warning) => warning.includes("zzz/ventes.csv already"))).toEqual([
      "D01: 17 tickets of donnees/zzz/ventes.csv already in donnees/sauvegarde/ventes - Copie.csv; counted once",
      "D01: 63 tickets of donnees/zzz/ventes.csv already in donnees/ventes-2026-02.csv; counted once",
    ]);
  });

  it("is built again when a till's encoding or column mapping changes", async () => {
    await checked({ by: "article" });
    const tills = historyTills(3).map((till) =>
      till.ref === "D02" ? { ...till, encoding: "utf-8" } : till,
    );
    await writeFile(join(root.path, "caisse-central.json"), JSON.stringify({ tills }));
    const before = fingerprints();
    const json = await checked({ by: "article" });
    expect(json.warnings.some((warning) => warning.startsWith("D02 "))).toBe(true);
    const after = fingerprints();
    expect(after.D02).not.toBe(before.D02);
    expect(after.D01).toBe(before.D01);
  });

  it("is deleted and built again when of another schema version, or not an index", async () => {
    const first = await checked({ by: "payment" });
    const db = new DatabaseSync(INDEX());
    db.exec("UPDATE meta SET value = '0' WHERE name = 'schema'; DELETE FROM cell;");
    db.close();
    expect((await checked({ by: "payment" })).total).toEqual(first.total);

    await rm(join(root.path, "index"), { recursive: true });
    await writeHistoryIndexGarbage();
    expect((await checked({ by: "payment" })).total).toEqual(first.total);
  });

  it("reads only the tills asked for, and indexes a till with no data as such", async () => {
    await checked({ tills: "D03" });
    expect(Object.keys(fingerprints())).toEqual(["D03"]);
    await rm(join(root.path, "tills", "D02"), { recursive: true });
    const json = await checked({ by: "hour" });
    expect(json.warnings).toContain(
      `D02: no data yet (folder ${join(root.path, "tills", "D02")} not found)`,
    );
  });
});

async function writeHistoryIndexGarbage(): Promise<void> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(root.path, "index"), { recursive: true });
  await writeFile(INDEX(), "this is not a database, it is a file a person put there\n".repeat(100));
}

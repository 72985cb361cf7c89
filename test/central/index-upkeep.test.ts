import { readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TILL_TABLES } from "../../packages/central/src/reportIndex/db.js";
import { archiveOf } from "../helpers/central-import.js";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";

/**
 * What `import` does to the report index of the till it swaps in: only the data files that
 * changed, and those sharing a day with them, are read again (the others keep their rows, their
 * SHA-256 taken from the file record when `lstat` vouches for it); whatever it reads, the index
 * is then the one a build from nothing gives, row for row, and the reports those of the files.
 * Full archives here: an incremental one leaves the till's directory the same way.
 */
let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]) =>
  runBin(BIN.central, ["--root", root, ...argv], { cwd: work.path });

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n";
/** Sales lines: [ticket, day of November 2026, article, cents]. */
function lines(...rows: [number, number, string, number][]): string {
  return (
    HEADER +
    rows
      .map(
        ([ticket, day, article, cents]) =>
          `${ticket};2026-11-${String(day).padStart(2, "0")} 10:00;${article};EPI;1;${(cents / 100).toFixed(2)};20\n`,
      )
      .join("")
  );
}

/** A till's history: one file a day, 1 to 8 November 2026, ticket 100 x day + n. */
function history(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let day = 1; day <= 8; day++) {
    files[`ventes/ventes-2026-11-0${day}.csv`] = lines(
      [day * 100 + 1, day, "A1", 1000 + day],
      [day * 100 + 2, day, "A2", 200 + day],
      [day * 100 + 2, day, "A3", 30 + day],
    );
  }
  return files;
}

interface Json {
  total: { ttc: number; tickets: number };
  warnings: string[];
}

/** `report --by article` over November as JSON, with and without the index: the same bytes. */
async function report(): Promise<Json> {
  const argv = ["report", "--period", "2026-11", "--by", "article", "--format", "json"];
  const indexed = await central(...argv);
  const files = await central(...argv, "--no-index");
  expect(indexed.code, indexed.stderr).toBe(0);
  const untimed = (text: string) => text.replace(/^\S+ /gmu, "");
  expect(untimed(indexed.stderr)).toBe(untimed(files.stderr));
  expect(indexed.stdout).toBe(files.stdout);
  return JSON.parse(indexed.stdout) as Json;
}

/** Every row of the index, table by table, in a stable order (BLOBs as hex). */
function dump(): Record<string, string[]> {
  const db = new DatabaseSync(join(root, "index", "reports.sqlite"), { readOnly: true });
  try {
    const tables: Record<string, string[]> = {};
    for (const table of TILL_TABLES) {
      tables[table] = db
        .prepare(`SELECT * FROM ${table}`)
        .all()
        .map((row) =>
          JSON.stringify(row, (_key, value: unknown) =>
            value instanceof Uint8Array ? Buffer.from(value).toString("hex") : value,
          ),
        )
        .sort();
    }
    return tables;
  } finally {
    db.close();
  }
}

/** The index as it is, then as a build from nothing gives it: they must be equal. */
async function expectSameAsRebuilt(): Promise<void> {
  const kept = dump();
  await rm(join(root, "index"), { recursive: true });
  await report();
  expect(kept).toEqual(dump());
}

async function importing(name: string, files: Record<string, string>): Promise<void> {
  const archive = await archiveOf(work.path, name, files);
  const result = await central("import", archive);
  expect(result.code, result.stderr).toBe(0);
}

beforeEach(async () => {
  work = await temporaryFolder();
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin D01")).code).toBe(0);
  await importing("first", history());
  // Indexed by a report: an import keeps up to date only the tills the index holds.
  await report();
});
afterEach(async () => work.remove());

describe("the index upkeep of an import", () => {
  it("one middle file changed in a long history: the index is a build from nothing's", async () => {
    const before = await report();
    expect(before.total).toMatchObject({ tickets: 16 });
    const files = history();
    files["ventes/ventes-2026-11-04.csv"] = lines([401, 4, "A1", 1004], [403, 4, "A4", 5000]);
    await importing("second", files);
    const after = await report();
    expect(after.total.tickets).toBe(16);
    expect(Math.round((after.total.ttc - before.total.ttc) * 100)).toBe(5000 - 204 - 34);
    await expectSameAsRebuilt();
  });

  it("a ticket an untouched earlier file gave on a touched day is not counted twice", async () => {
    const files = history();
    // Day 2's file also holds a copy of ticket 302 of day 3 and a ticket of day 3 of its own.
    files["ventes/ventes-2026-11-02.csv"] = lines(
      [201, 2, "A1", 1002],
      [302, 3, "A2", 203],
      [399, 3, "A9", 7],
    );
    await importing("second", files);
    const copied = await report();
    expect(copied.total.tickets).toBe(16);
    expect(copied.warnings).toContain(
      "D01: 1 ticket of ventes/ventes-2026-11-03.csv already in ventes/ventes-2026-11-02.csv; counted once",
    );
    // Only day 3's file changes: day 2's keeps its rows, and still owns tickets 302 and 399.
    files["ventes/ventes-2026-11-03.csv"] = lines(
      [301, 3, "A1", 1003],
      [302, 3, "A2", 203],
      [399, 3, "A9", 7],
      [304, 3, "A4", 100],
    );
    await importing("third", files);
    const after = await report();
    expect(after.total.tickets).toBe(17);
    expect(after.warnings).toContain(
      "D01: 2 tickets of ventes/ventes-2026-11-03.csv already in ventes/ventes-2026-11-02.csv; counted once",
    );
    await expectSameAsRebuilt();
  });

  it("a change in an early file is seen by the later files sharing its days", async () => {
    const files = history();
    // Day 1's file now also holds ticket 702 of day 7: day 7's file loses it to day 1's.
    files["ventes/ventes-2026-11-01.csv"] = lines([101, 1, "A1", 1001], [702, 7, "A2", 207]);
    await importing("second", files);
    const after = await report();
    expect(after.total.tickets).toBe(15);
    expect(after.warnings).toContain(
      "D01: 1 ticket of ventes/ventes-2026-11-07.csv already in ventes/ventes-2026-11-01.csv; counted once",
    );
    await expectSameAsRebuilt();
  });

  it("a file whose record cannot vouch for it (changed in the record's clock tick) is read", async () => {
    const record = join(root, ".caisse", "files", "D01.json");
    const file = join(root, "tills", "D01", "ventes", "ventes-2026-11-05.csv");
    // The file and the record share one modification time: the record cannot tell whether the
    // file changed after it was written (Git's "racy" case), so its SHA-256 is not trusted.
    const at = new Date("2026-11-30T12:00:00Z");
    const text = JSON.parse(await readFile(record, "utf8")) as {
      files: Record<string, [number, string, string, string]>;
    };
    const entry = text.files["ventes/ventes-2026-11-05.csv"];
    if (entry === undefined) throw new Error("the record has no entry for the file");
    entry[1] = String(BigInt(at.getTime()) * 1_000_000n);
    await writeFile(record, JSON.stringify(text));
    // The same size, the same time, another amount.
    const content = await readFile(file, "utf8");
    await writeFile(file, content.replace("10,05", "90,05").replace("10.05", "90.05"));
    await utimes(file, at, at);
    await utimes(record, at, at);
    const after = await report();
    expect(Math.round(after.total.ttc * 100)).toBe(
      [1, 2, 3, 4, 5, 6, 7, 8].reduce((sum, day) => sum + 1000 + day + 200 + day + 30 + day, 0) +
        8000,
    );
    await expectSameAsRebuilt();
  });
});

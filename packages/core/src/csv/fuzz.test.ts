import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../scripts/seeded-random.mjs";
import { damageCsv } from "../../../../test/helpers/damage.js";
import { isCaisseError } from "../errors.js";
import { readCsv } from "./read.js";
import type { CsvEngine, CsvItem } from "./types.js";

/**
 * Damaged till files, by the thousand: the example stores' `ventes.csv` in their three dialects
 * (UTF-8 with a BOM and `,`; Windows-1252 and `;`; `DD/MM/YYYY` dates and extra columns), with
 * quotes, delimiters, line ends, invalid bytes and NULs put in, pieces cut or repeated, at places
 * chosen by a seeded generator (a failure names its seed). Whatever the damage, the reader gives
 * well-formed rows (whole cents, real dates) and issues with a line and an E_CSV code, or says the
 * whole file is unreadable; it never throws anything else and never hangs. Each file is read through
 * the fast path and through csv-parse alone, which must give exactly the same items and errors.
 */
const CASES = 1200;
const EXAMPLES = fileURLToPath(new URL("../../../../examples/tills/", import.meta.url));
const TILLS = ["D01", "D02", "D03"] as const;
let work: string;
const originals = new Map<string, Buffer>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "caisse-csv-fuzz-"));
  for (const till of TILLS) {
    const whole = await readFile(join(EXAMPLES, till, "donnees", "ventes.csv"));
    // The first 40 lines or so: enough rows, and fast.
    let end = 0;
    for (let line = 0; line < 40 && end !== -1; line++) end = whole.indexOf(0x0a, end + 1);
    originals.set(till, end === -1 ? whole : whole.subarray(0, end + 1));
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/u;

/** A row as the rest of the product expects it: whole cents and thousandths, a real date. */
function rowProblems(item: Extract<CsvItem<"ventes">, { type: "row" }>): string[] {
  const { row } = item;
  const problems: string[] = [];
  if (!Number.isSafeInteger(row.ttc)) problems.push(`ttc ${row.ttc}`);
  if (!Number.isSafeInteger(row.quantity)) problems.push(`quantity ${row.quantity}`);
  if (!Number.isSafeInteger(row.rate) || row.rate < 0) problems.push(`rate ${row.rate}`);
  for (const [name, value] of Object.entries({ ticket: row.ticket, article: row.article })) {
    if (value.trim() === "") problems.push(`empty ${name}`);
  }
  const match = DATE_TIME.exec(row.at);
  if (match === null) problems.push(`date ${row.at}`);
  else {
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
    const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day));
    if (date.getUTCDate() !== day || (hour ?? 0) > 23 || (minute ?? 0) > 59 || (second ?? 0) > 59)
      problems.push(`date ${row.at}`);
  }
  return problems;
}

/** The items, or the error after them, of one engine. */
async function readWith(
  path: string,
  maxRecordBytes: number,
  engine: CsvEngine,
): Promise<{ items: CsvItem<"ventes">[]; error: Error | undefined }> {
  const items: CsvItem<"ventes">[] = [];
  try {
    const options = { displayName: "ventes.csv", maxRecordBytes, engine };
    for await (const item of readCsv(path, "ventes", options)) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

function shapeOf(error: Error | undefined): unknown {
  if (error === undefined) return undefined;
  if (!isCaisseError(error)) return String(error);
  return { code: error.code, message: error.message, details: error.details, hint: error.hint };
}

/**
 * Reads with the fast path (`auto`) and with csv-parse alone, which must agree exactly: the same
 * rows and issues with the same lines, or the same error after the same items.
 */
async function readAll(
  path: string,
  maxRecordBytes: number,
  seed = 0,
): Promise<CsvItem<"ventes">[]> {
  const fast = await readWith(path, maxRecordBytes, "auto");
  const slow = await readWith(path, maxRecordBytes, "csv-parse");
  expect(fast.items, `seed ${seed}`).toEqual(slow.items);
  expect(shapeOf(fast.error), `seed ${seed}`).toEqual(shapeOf(slow.error));
  if (fast.error !== undefined) throw fast.error;
  return fast.items;
}

describe("the CSV reader on damaged till files", () => {
  it("reads the undamaged examples with no issue", async () => {
    for (const till of TILLS) {
      const path = join(work, `${till}.csv`);
      await writeFile(path, originals.get(till) ?? "");
      const items = await readAll(path, 1024 * 1024);
      expect(items.filter((item) => item.type === "issue")).toEqual([]);
      expect(items.length).toBeGreaterThan(30);
    }
  });

  it(`gives well-formed rows and located issues, or an unreadable file (${CASES} seeds)`, async () => {
    const outcomes = { rows: 0, issues: 0, unreadable: 0 };
    for (let seed = 1; seed <= CASES; seed++) {
      const random = mulberry32(seed);
      const till = TILLS[seed % TILLS.length] ?? "D01";
      const path = join(work, "damaged.csv");
      await writeFile(path, damageCsv(originals.get(till) ?? Buffer.alloc(0), random));
      // Now and then a small record limit, so that the limit is crossed too.
      const limit = random() < 0.2 ? 64 : 1024 * 1024;
      let items: CsvItem<"ventes">[];
      try {
        items = await readAll(path, limit, seed);
      } catch (error) {
        if (isCaisseError(error, "E_CSV_UNREADABLE")) {
          outcomes.unreadable++;
          continue;
        }
        throw new Error(`seed ${seed}: ${String(error)}`, { cause: error });
      }
      let lastLine = 0;
      for (const item of items) {
        if (item.type === "row") {
          expect(rowProblems(item), `seed ${seed} line ${item.line}`).toEqual([]);
          expect(item.line, `seed ${seed}`).toBeGreaterThan(lastLine);
          lastLine = item.line;
          outcomes.rows++;
        } else {
          expect(item.issue.code, `seed ${seed}`).toMatch(/^E_CSV_/u);
          expect(item.issue.line, `seed ${seed}`).toBeGreaterThanOrEqual(2);
          expect(item.issue.reason, `seed ${seed}`).not.toBe("");
          outcomes.issues++;
        }
      }
    }
    expect(outcomes.rows).toBeGreaterThan(CASES);
    expect(outcomes.issues).toBeGreaterThan(CASES / 4);
    expect(outcomes.unreadable).toBeGreaterThan(CASES / 20);
  }, 300_000);
});

import { runReport, type ReportOptions } from "../../packages/central/src/commands/report.js";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { seeded as random } from "../helpers/centralRoot.js";

/**
 * `caisse-central report` on generated data: tickets copied into other files of the same till
 * (a backup in a subfolder, a file sent twice), and files with many invalid rows. Every expected
 * figure is computed here, in integers, from the generated lines that must count.
 */
let root: { path: string; remove: () => Promise<void> };
const NOW = new Date(2026, 10, 29, 12, 0, 0);
const TILLS = [
  { ref: "D01", name: "Magasin 1", path: "D01", enabled: true },
  { ref: "D02", name: "Magasin 2", path: "D02", enabled: true },
];

beforeEach(async () => {
  root = await temporaryFolder("caisse-report-dups-");
  await put("caisse-central.json", JSON.stringify({ tills: TILLS }));
});
afterEach(async () => root.remove());

async function put(relative: string, content: string): Promise<void> {
  const path = join(root.path, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

async function report(options: ReportOptions) {
  const { ctx, output } = captureContext(root.path, {}, () => NOW);
  const result = await runReport({ root: root.path, format: "json", ...options }, ctx);
  return { ...result, json: JSON.parse(result.text) as Json, ...output() };
}

interface Json {
  rows: ({ key: string } & Record<string, unknown>)[];
  total: Record<string, unknown>;
  warnings: string[];
}

interface Line {
  ticket: string;
  day: string;
  time: string;
  family: string;
  quantity: number;
  cents: number;
  rateBp: number;
}

const RATES = [550, 1000, 2000];
const FAMILIES = ["EPI", "BOI", "FRA"];

/** 1 to 4 lines per ticket, in November unless `month` says otherwise; some refunds. */
function salesOf(pick: (below: number) => number, tickets: number[], month = "11"): Line[] {
  const lines: Line[] = [];
  for (const ticket of tickets) {
    const day = `2026-${month}-${String(1 + pick(28)).padStart(2, "0")}`;
    const time = `${String(8 + pick(11)).padStart(2, "0")}:${String(pick(60)).padStart(2, "0")}`;
    const count = 1 + pick(4);
    for (let index = 0; index < count; index++) {
      const quantity = pick(10) === 0 ? -1 : 1 + pick(3);
      lines.push({
        ticket: String(ticket),
        day,
        time,
        family: FAMILIES[pick(FAMILIES.length)] ?? "EPI",
        quantity,
        cents: quantity * (1 + pick(5000)),
        rateBp: RATES[pick(RATES.length)] ?? 2000,
      });
    }
  }
  return lines;
}

function amount(cents: number): string {
  const size = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}${Math.floor(size / 100)},${String(size % 100).padStart(2, "0")}`;
}

function rate(bp: number): string {
  return bp % 100 === 0 ? String(bp / 100) : `${Math.floor(bp / 100)},${(bp % 100) / 10}`;
}

const SALES_HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva";

function salesCsv(lines: readonly Line[]): string {
  const rows = lines.map(
    (line) =>
      `${line.ticket};${line.day} ${line.time};A${line.family};${line.family};${line.quantity};${amount(line.cents)};${rate(line.rateBp)}`,
  );
  return `${[SALES_HEADER, ...rows].join("\n")}\n`;
}

/** Integer division rounded half away from zero (the denominator is positive). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twice = 2n * (numerator % denominator);
  if (twice >= denominator) return quotient + 1n;
  if (-twice >= denominator) return quotient - 1n;
  return quotient;
}

/**
 * The figures of a set of lines, in euros as the JSON gives them, computed from scratch. Lines of
 * other tills come as other arguments: tickets of different tills never merge.
 */
function expectedFigures(lines: readonly Line[], ...otherTills: (readonly Line[])[]) {
  let ttc = 0;
  let quantity = 0;
  const byRate = new Map<number, number>();
  const tickets = new Set<string>();
  for (const line of lines) {
    ttc += line.cents;
    quantity += line.quantity;
    byRate.set(line.rateBp, (byRate.get(line.rateBp) ?? 0) + line.cents);
    tickets.add(line.ticket);
  }
  let ticketCount = tickets.size;
  for (const till of otherTills) {
    ticketCount += new Set(till.map((line) => line.ticket)).size;
    for (const line of till) {
      ttc += line.cents;
      quantity += line.quantity;
      byRate.set(line.rateBp, (byRate.get(line.rateBp) ?? 0) + line.cents);
    }
  }
  let ht = 0;
  for (const [bp, cents] of byRate) {
    ht += Number(divideRounded(BigInt(cents) * 10000n, BigInt(10000 + bp)));
  }
  return {
    ttc: ttc / 100,
    ht: ht / 100,
    vat: (ttc - ht) / 100,
    tickets: ticketCount,
    quantity,
    avg_basket:
      ticketCount === 0 ? null : Number(divideRounded(BigInt(ttc), BigInt(ticketCount))) / 100,
  };
}

const cents = (lines: readonly Line[]): number => lines.reduce((sum, line) => sum + line.cents, 0);

/** A till's share of the total TTC, as the JSON gives it: basis points rounded half away. */
function shareOf(lines: readonly Line[], all: readonly Line[]): number {
  return Number(divideRounded(BigInt(cents(lines)) * 10000n, BigInt(cents(all)))) / 10000;
}

const ofTickets = (lines: readonly Line[], tickets: readonly number[]): Line[] => {
  const wanted = new Set(tickets.map(String));
  return lines.filter((line) => wanted.has(line.ticket));
};
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe("report: a ticket found in two files of a till counts once", () => {
  it("a backup copy in a subfolder and a file sent twice: figures of the distinct tickets", async () => {
    const pick = random(20261130);
    const original = salesOf(pick, range(1, 300));
    // An older backup: the first 252 tickets, the same lines.
    const backup = ofTickets(original, range(1, 252));
    // Sent again under another name: 52 tickets of the backup's, 10 only in the original, 20 new
    // ones; ticket 5 again on another day (a till that restarted its numbering: a new sale); and an
    // October ticket that is also in the original, outside the reported month.
    const fresh = salesOf(pick, range(301, 320));
    const five = original.find((line) => line.ticket === "5");
    const otherDay = five?.day === "2026-11-28" ? "2026-11-27" : "2026-11-28";
    const reused: Line = { ...(five as Line), day: otherDay, cents: 1234 };
    const october = salesOf(pick, [900], "10");
    const resent = [
      ...ofTickets(original, range(101, 152)),
      ...ofTickets(original, range(260, 269)),
      ...fresh,
      reused,
      ...october,
    ];
    await put("tills/D01/donnees/ventes.csv", salesCsv([...original, ...october]));
    await put("tills/D01/donnees/sauvegarde/ventes - Copie.csv", salesCsv(backup));
    await put("tills/D01/ventes-2.csv", salesCsv(resent));
    const d02 = salesOf(random(7), range(1, 40));
    await put("tills/D02/ventes.csv", salesCsv(d02));

    const { json, exitCode, stderr } = await report({ period: "2026-11" });
    expect(exitCode).toBe(0);
    const counted = [...original, ...fresh, reused];
    expect(json.rows).toEqual([
      {
        key: "D01",
        label: "Magasin 1",
        ...expectedFigures(counted),
        share: shareOf(counted, [...counted, ...d02]),
      },
      {
        key: "D02",
        label: "Magasin 2",
        ...expectedFigures(d02),
        share: shareOf(d02, [...counted, ...d02]),
      },
    ]);
    expect(json.total).toEqual(expectedFigures(counted, d02));
    // Files are read in name order, depth first: the backup's folder comes before ventes.csv.
    const warnings = [
      "D01: 252 tickets of donnees/ventes.csv already in donnees/sauvegarde/ventes - Copie.csv; counted once",
      "D01: 52 tickets of ventes-2.csv already in donnees/sauvegarde/ventes - Copie.csv; counted once",
      "D01: 10 tickets of ventes-2.csv already in donnees/ventes.csv; counted once",
    ];
    expect(json.warnings).toEqual(warnings);
    for (const warning of warnings) expect(stderr).toContain(warning);

    // The same tickets left out in every dimension: by family, the total is the same.
    const byFamily = await report({ period: "2026-11", by: "family" });
    expect(byFamily.json.total).toMatchObject({
      ttc: expectedFigures(counted, d02).ttc,
      tickets: expectedFigures(counted, d02).tickets,
    });
    expect(byFamily.json.warnings).toEqual(warnings);
    for (const family of FAMILIES) {
      const row = byFamily.json.rows.find((candidate) => candidate.key === family);
      const lines = [...counted, ...d02].filter((line) => line.family === family);
      expect(row?.ttc).toBe(expectedFigures(lines).ttc);
    }
  });

  it("the compared period leaves copies out too", async () => {
    const pick = random(42);
    const november = salesOf(pick, range(1, 30));
    const october = salesOf(pick, range(31, 60), "10");
    await put("tills/D01/ventes.csv", salesCsv([...october, ...november]));
    await put("tills/D01/old/ventes.csv", salesCsv(october));
    const { json } = await report({ period: "2026-11", tills: "D01", compare: "previous" });
    expect(json.total).toMatchObject({
      ttc: cents(november) / 100,
      compare: { ttc: cents(october) / 100, delta: (cents(november) - cents(october)) / 100 },
    });
    // Sales on days 1 to 28: November's last days are no data, so the comparison is partial.
    const lastDay = november
      .map((line) => line.day)
      .sort()
      .at(-1);
    expect(json.warnings).toEqual([
      "D01: 30 tickets of ventes.csv already in old/ventes.csv; counted once",
      `the comparison is partial: D01 has no data after ${lastDay} (see the freshness of each till)`,
    ]);
  });

  it("a copy left out whole (unreadable) claims no ticket: the original counts them", async () => {
    const lines = salesOf(random(5), range(1, 50));
    // Read first, and left out whole at its end: a quote opened on its last line never closes.
    await put(
      "tills/D01/a/ventes.csv",
      `${salesCsv(lines)}99;2026-11-02 10:00;A1;EPI;1;"5,00;5,5\n`,
    );
    await put("tills/D01/ventes.csv", salesCsv(lines));
    const { json } = await report({ period: "2026-11", tills: "D01" });
    expect(json.rows).toEqual([
      { key: "D01", label: "Magasin 1", ...expectedFigures(lines), share: 1, incomplete: true },
    ]);
    expect(json.warnings).toHaveLength(2);
    expect(json.warnings[0]).toBe(
      `D01 a/ventes.csv, line ${lines.length + 2}: a quote opened in the record starting on this line is never closed (expected a closing quote before the end of the file); file left out`,
    );
    expect(json.warnings[1]).toBe(
      "D01: incomplete figures: 1 file left out whole; see the warnings above",
    );
  });

  it("--by payment: a copied payments file counts once", async () => {
    const pick = random(99);
    const modes = ["CB", "ESP", "CHQ"];
    const payments: { ticket: number; at: string; mode: string; cents: number }[] = [];
    for (const ticket of range(1, 200)) {
      const at = `2026-11-${String(1 + pick(28)).padStart(2, "0")} 1${pick(10)}:00`;
      for (let index = 0; index <= pick(2); index++) {
        payments.push({ ticket, at, mode: modes[pick(3)] ?? "CB", cents: 1 + pick(20000) });
      }
    }
    const csv = `${[
      "ticket;date;mode;montant",
      ...payments.map((p) => `${p.ticket};${p.at};${p.mode};${amount(p.cents)}`),
    ].join("\n")}\n`;
    await put("tills/D01/reglements.csv", csv);
    await put("tills/D01/sauvegarde/Reglements (2).csv", csv);
    const { json } = await report({ period: "2026-11", tills: "D01", by: "payment" });
    for (const mode of modes) {
      const paid = payments.filter((p) => p.mode === mode);
      const ttc = paid.reduce((sum, p) => sum + p.cents, 0);
      const tickets = new Set(paid.map((p) => p.ticket)).size;
      expect(json.rows.find((row) => row.key === mode)).toMatchObject({
        ttc: ttc / 100,
        tickets,
        avg_basket: Number(divideRounded(BigInt(ttc), BigInt(tickets))) / 100,
      });
    }
    expect(json.total).toMatchObject({
      ttc: payments.reduce((sum, p) => sum + p.cents, 0) / 100,
      tickets: 200,
    });
    expect(json.warnings).toEqual([
      "D01: 200 tickets of sauvegarde/Reglements (2).csv already in reglements.csv; counted once",
    ]);
  });
});

/** `lines` valid sales lines with invalid ones put at the given line numbers of the file. */
function withInvalid(lines: readonly Line[], invalidAt: ReadonlyMap<number, string>): string {
  const rows = salesCsv(lines).trimEnd().split("\n");
  for (const [number, row] of [...invalidAt].sort(([a], [b]) => a - b))
    rows.splice(number - 1, 0, row);
  return `${rows.join("\n")}\n`;
}

const BAD_AMOUNT = "9;2026-11-03 10:00;A1;EPI;1;12,505;5,5";
const BAD_DATE = "9;2026-13-03 10:00;A1;EPI;1;1,00;5,5";

describe("report: invalid rows summarised per file, incomplete tills marked", () => {
  it("10 invalid rows of 1010 (0.99 %): one summary line, not incomplete; 11 of 1011: incomplete", async () => {
    const d01 = salesOf(random(1), range(1, 500)).slice(0, 1000);
    const d02 = salesOf(random(2), range(1, 500)).slice(0, 1000);
    expect([d01.length, d02.length]).toEqual([1000, 1000]);
    const tenBad = new Map(range(1, 10).map((index) => [index * 40, BAD_AMOUNT]));
    tenBad.set(17, BAD_DATE);
    tenBad.delete(400);
    const elevenBad = new Map([...tenBad, [18, BAD_AMOUNT]]);
    await put("tills/D01/ventes.csv", withInvalid(d01, tenBad));
    await put("tills/D02/ventes.csv", withInvalid(d02, elevenBad));

    const { json, stderr } = await report({ period: "2026-11" });
    expect(json.warnings).toHaveLength(3);
    const amountReason =
      "invalid amount '12,505' in column montant_ttc (expected a decimal with at most 2 decimals, such as 1 234,50, -3.5, 92,68 €, €-92.68 or (3,00))";
    // The bad date comes first; the bad amounts are the most frequent.
    expect(json.warnings[0]).toBe(
      `D01 ventes.csv: 10 invalid rows left out (lines 17, 40, 80, ...; most: ${amountReason})`,
    );
    expect(json.warnings[1]).toBe(
      `D02 ventes.csv: 11 invalid rows left out (lines 17, 18, 40, ...; most: ${amountReason})`,
    );
    expect(json.warnings[2]).toBe(
      "D02: incomplete figures: 11 of 1011 rows invalid (1.09 %); see the warnings above",
    );
    expect(stderr.trim().split("\n")).toHaveLength(3);
    expect(json.rows).toEqual([
      {
        key: "D01",
        label: "Magasin 1",
        ...expectedFigures(d01),
        share: shareOf(d01, [...d01, ...d02]),
      },
      {
        key: "D02",
        label: "Magasin 2",
        ...expectedFigures(d02),
        share: shareOf(d02, [...d01, ...d02]),
        incomplete: true,
      },
    ]);
    expect(json.total).toEqual({ ...expectedFigures(d01, d02), incomplete: true });

    // By family, the flag is on D02's per-till figures, on every row and on the total.
    const byFamily = await report({ period: "2026-11", by: "family" });
    for (const row of byFamily.json.rows) {
      const byTill = row.byTill as Record<string, Record<string, unknown>>;
      expect(row.incomplete).toBe(true);
      expect(byTill.D02?.incomplete).toBe(true);
      expect(byTill.D01).not.toHaveProperty("incomplete");
    }
    expect((byFamily.json.total.byTill as Record<string, unknown>).D02).toMatchObject({
      incomplete: true,
    });
  });

  it("up to 3 invalid rows are listed one per line; a clean report has no incomplete key", async () => {
    const lines = salesOf(random(3), range(1, 100));
    const threeBad = new Map([
      [5, BAD_AMOUNT],
      [9, BAD_AMOUNT],
      [12, BAD_DATE],
    ]);
    await put("tills/D01/ventes.csv", withInvalid(lines, threeBad));
    await put("tills/D02/ventes.csv", salesCsv(lines));
    const { json } = await report({ period: "2026-11", by: "family" });
    expect(json.warnings.map((warning) => warning.split(":")[0])).toEqual([
      "D01 ventes.csv line 5",
      "D01 ventes.csv line 9",
      "D01 ventes.csv line 12",
      "D01",
    ]);
    expect(json.warnings[3]).toBe(
      `D01: incomplete figures: 3 of ${lines.length + 3} rows invalid (${(300 / (lines.length + 3)).toFixed(2)} %); see the warnings above`,
    );

    await put("tills/D01/ventes.csv", salesCsv(lines));
    const clean = await report({ period: "2026-11", by: "family" });
    expect(clean.json.warnings).toEqual([]);
    expect(JSON.stringify(clean.json)).not.toContain("incomplete");
  });
});

import { Aggregator, Tally, type LocalDate, type LocalDateTime, type SaleLine } from "@caisse/core";
import { centralPaths, type TillRecord } from "../../packages/central/src/config.js";
import { runReport, type ReportOptions } from "../../packages/central/src/commands/report.js";
import { collectReport, type CollectRequest } from "../../packages/central/src/report/collect.js";
import { PackedTickets } from "../../packages/central/src/report/packedTickets.js";
import { collectIndexed } from "../../packages/central/src/reportIndex/index.js";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { historyTills, writeHistory } from "../helpers/sales-history.js";

/**
 * A report without the index keeps counts, not ticket sets: each file's tickets are counted and
 * forgotten once the file is read (a ticket is counted from the one file that gave it first), so
 * its memory does not grow with the history (docs/performance.md#where-the-targets-are-missed-and-what-would-meet-them). `--top` over rows that
 * share tickets counts the remainder's tickets in a second reading of the files.
 */
let root: { path: string; remove: () => Promise<void> };
const NOW = new Date(2026, 10, 27, 12);
const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva";
const D01: TillRecord = { ref: "D01", name: "Magasin 1", path: "D01", enabled: true };
const D02: TillRecord = { ref: "D02", name: "Magasin 2", path: "D02", enabled: true };

/**
 * Two files sharing a day: ticket 2 of the 2nd is a copy (left out), ticket 1 of 3 November is
 * another ticket than ticket 1 of 2 November; a return, an invalid row; ticket 3 has lines in
 * EPI and HYG, both left in the `--top 2` remainder (DRO 11, BOI 9, HYG 9, EPI 8: BOI before HYG
 * by key).
 */
const FILE_1 = [
  HEADER,
  "1;2026-11-02 10:00;A1;EPI;1;10,00;5,5",
  "1;2026-11-02 10:00;B1;BOI;1;5,00;20",
  "2;2026-11-02 11:00;C1;DRO;1;3,00;20",
  "2;2026-11-02 11:00;B2;BOI;1;4,00;20",
  "3;2026-11-02 12:00;A2;EPI;-1;-2,00;5,5",
  "3;2026-11-02 12:00;H2;HYG;1;2,00;20",
  "x;not a date;A1;EPI;1;1,00;20",
];
const FILE_2 = [
  HEADER,
  "2;2026-11-02 11:00;C1;DRO;1;3,00;20",
  "4;2026-11-02 15:00;C2;DRO;2;8,00;20",
  "4;2026-11-02 15:00;H1;HYG;1;1,00;20",
  "1;2026-11-03 09:00;H1;HYG;1;6,00;20",
];

async function tillFolder(dir: string, files: [string, string[]][]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, lines] of files) await writeFile(join(dir, name), `${lines.join("\n")}\n`);
}

async function report(options: ReportOptions): Promise<{ text: string; stderr: string }> {
  const { ctx, output } = captureContext(root.path, {}, () => NOW);
  const result = await runReport({ root: root.path, format: "json", ...options }, ctx);
  return { text: result.text, stderr: output().stderr };
}

/** Every tally of an aggregator: rows and totals. */
function talliesOf(data: Aggregator | undefined): Tally[] {
  if (data === undefined) return [];
  return [
    ...[...data.rows.values()].flatMap((tallies) => [...tallies.values()]),
    ...data.total.values(),
  ];
}

interface Json {
  rows: { key: string; ttc: number; tickets: number }[];
  total: { ttc: number; tickets: number };
  warnings: string[];
}

describe("a report without the index keeps counts, not ticket sets", () => {
  beforeEach(async () => {
    root = await temporaryFolder("caisse-report-bounded-");
  });
  afterEach(async () => root.remove());

  it("gives the exact figures: copies across files, returns, invalid rows, --top", async () => {
    await writeFile(join(root.path, "caisse-central.json"), JSON.stringify({ tills: [D01] }));
    await tillFolder(join(root.path, "tills", "D01"), [
      ["ventes-1.csv", FILE_1],
      ["ventes-2.csv", FILE_2],
    ]);
    const files = await report({ by: "family", top: "2", index: false });
    const indexed = await report({ by: "family", top: "2" });
    expect(indexed).toEqual(files);
    const json = JSON.parse(files.text) as Json;
    expect(json.rows.map((row) => [row.key, row.ttc, row.tickets])).toEqual([
      ["DRO", 11, 2],
      ["BOI", 9, 2],
      // EPI {1, 3} and HYG {3, 4, 1 of 3 November}: 4 tickets, not 5.
      ["(others)", 17, 4],
    ]);
    expect(json.total).toMatchObject({ ttc: 37, tickets: 5 });
    expect(json.warnings).toContain(
      "D01: 1 ticket of ventes-2.csv already in ventes-1.csv; counted once",
    );
    expect(json.warnings.filter((warning) => warning.includes("ventes-1.csv line 8"))).toHaveLength(
      1,
    );
  });

  it("holds no ticket set once summed, and counts as the index does", async () => {
    const tills = historyTills(3);
    await writeFile(join(root.path, "caisse-central.json"), JSON.stringify({ tills }));
    await writeHistory(root.path, {
      seed: 20261201,
      tills: 3,
      start: "2026-01-01",
      days: 60,
      ticketsPerDay: 6,
      messy: true,
      monthly: true,
    });
    for (const by of ["family", "hour", "payment", "day"] as const) {
      const request: CollectRequest = {
        paths: centralPaths(root.path),
        tills,
        by,
        range: { from: "2026-02-01" as LocalDate, to: "2026-02-28" as LocalDate },
      };
      const files = await collectReport(request);
      const indexed = await collectIndexed(request);
      const all = [...talliesOf(files.data), ...talliesOf(files.compared)];
      expect(all.length).toBeGreaterThan(3);
      expect(all.filter((tally) => tally.tickets.size > 0)).toEqual([]);
      const counts = (data: Aggregator): [string, string, number][] =>
        [...data.rows].flatMap(([key, tallies]) =>
          [...tallies].map(([till, tally]): [string, string, number] => [
            key,
            till,
            tally.ticketCount,
          ]),
        );
      expect(counts(files.data).sort()).toEqual(counts(indexed.data).sort());
      expect([...files.data.total].map(([till, tally]) => [till, tally.ticketCount])).toEqual(
        [...indexed.data.total].map(([till, tally]) => [till, tally.ticketCount]),
      );
      expect(files.warnings).toEqual(indexed.warnings);
    }
  });

  it("reads everything again when an import replaced a till between the two readings of --top", async () => {
    await writeFile(join(root.path, "caisse-central.json"), JSON.stringify({ tills: [D01, D02] }));
    const d01 = join(root.path, "tills", "D01");
    await tillFolder(d01, [["ventes-1.csv", FILE_1]]);
    await tillFolder(join(root.path, "tills", "D02"), [["ventes.csv", FILE_2]]);
    const reads: string[] = [];
    const collected = await collectReport({
      paths: centralPaths(root.path),
      tills: [D01, D02],
      by: "family",
      range: { from: undefined, to: undefined },
      top: 2,
      afterTillRead: async (till, attempt) => {
        reads.push(`${till}:${attempt}`);
        if (reads.length !== 2) return;
        // D01 was read already: an import swaps a new directory in (see report-swap.test.ts).
        await tillFolder(`${d01}.caisse-new`, [
          ["ventes-1.csv", FILE_1],
          ["ventes-2.csv", FILE_2],
        ]);
        await rename(d01, `${d01}.caisse-old`);
        await rename(`${d01}.caisse-new`, d01);
        await rm(`${d01}.caisse-old`, { recursive: true });
      },
    });
    expect(reads).toEqual(["D01:1", "D02:1", "D01:1", "D02:1"]);
    expect(collected.data.total.get("D01")?.ttc).toBe(3700);
  });
});

describe("Tally.settle", () => {
  it("turns the tickets listed into a count that merges by adding", () => {
    const line = (ticket: string, at: string): SaleLine =>
      ({
        ticket,
        at: at as LocalDateTime,
        article: "A1",
        family: "EPI",
        quantity: 1000,
        ttc: 250,
        rate: 2000,
        label: undefined,
      }) as SaleLine;
    const first = new Tally();
    first.addSale(line("1", "2026-11-02 10:00:00"));
    first.addSale(line("1", "2026-11-02 10:05:00"));
    first.addSale(line("1", "2026-11-03 10:00:00"));
    first.settle();
    expect([first.tickets.size, first.ticketCount, first.ttc]).toEqual([0, 2, 750]);
    const second = new Tally();
    second.addSale(line("2", "2026-11-02 11:00:00"));
    second.settle();
    first.merge(second);
    expect([first.tickets.size, first.ticketCount, first.ttc]).toEqual([0, 3, 1000]);
  });
});

describe("PackedTickets", () => {
  it("finds each ticket's file, whatever the ticket's form, after several packings", () => {
    const first = PackedTickets.EMPTY.with(
      new Map([
        ["10", 0],
        ["00010001", 0],
        ["2", 0],
        ["A12", 0],
      ]),
    );
    const both = first.with(
      new Map([
        ["1", 3],
        ["été-7", 3],
        ["100", 3],
        ["", 3],
      ]),
    );
    expect([...both.entries()]).toEqual([
      ["", 3],
      ["00010001", 0],
      ["1", 3],
      ["10", 0],
      ["100", 3],
      ["2", 0],
      ["A12", 0],
      ["été-7", 3],
    ]);
    expect(both.size).toBe(8);
    for (const [ticket, file] of both.entries()) expect(both.fileOf(ticket)).toBe(file);
    for (const absent of ["0", "11", "1000", "A1", "été", "10001", "zz"]) {
      expect(both.fileOf(absent)).toBeUndefined();
    }
    // The first packing is unchanged by the second.
    expect(first.size).toBe(4);
    expect(first.fileOf("1")).toBeUndefined();
    expect(PackedTickets.EMPTY.fileOf("1")).toBeUndefined();
  });
});

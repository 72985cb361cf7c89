import { main } from "@caisse/central";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { CentralRoot, salesCsv, simpleSale as sale } from "../helpers/centralRoot.js";

/**
 * Freshness in every report (docs/reports.md#freshness): per till its last sale and last archive;
 * what comes after a till's last sale is "no data", not 0,00 €; a comparison with a period a till
 * does not cover is partial; a registered till that never sent anything is marked `never`.
 */
let folder: { path: string; remove: () => Promise<void> };
let root: CentralRoot;
// Monday 14 December 2026, at noon local time.
const NOW = new Date(2026, 11, 14, 12, 0, 0);

// D01 sells until 20 November (week 47), D02 only on 3 November (week 45), D03 never sends.
const D01 = [
  sale("1", "2026-11-02", 1000),
  sale("2", "2026-11-09", 550),
  sale("3", "2026-11-20", 300),
];
const D02 = [sale("1", "2026-11-03", 700)];

beforeEach(async () => {
  folder = await temporaryFolder("caisse-freshness-");
  root = new CentralRoot(folder.path);
  await root.config([
    { ref: "D01", name: "Magasin 1", path: "D01", enabled: true },
    { ref: "D02", name: "Magasin 2", path: "D02", enabled: true },
    { ref: "D03", name: "Magasin 3", path: "D03", enabled: true },
  ]);
  await root.put("tills/D01/ventes.csv", salesCsv(D01));
  await root.put("tills/D02/ventes.csv", salesCsv(D02));
  await root.journal({ time: "2026-11-03T02:00:00+01:00", till: "D02", sequence: 3 });
  await root.journal({ time: "2026-11-21T02:10:00+01:00", till: "D01", sequence: 12 });
});
afterEach(async () => folder.remove());

async function cli(argv: string[], env: Record<string, string> = {}) {
  const { ctx, output } = captureContext(folder.path, env, () => NOW);
  const code = await main(["--root", folder.path, "report", ...argv], ctx);
  return { code, ...output() };
}

async function json(argv: string[]) {
  const { code, stdout } = await cli([...argv, "--format", "json"]);
  expect(code).toBe(0);
  return JSON.parse(stdout) as Record<string, unknown> & {
    rows: {
      key: string;
      ttc: number;
      no_data?: true;
      byTill?: Record<string, Record<string, unknown>>;
    }[];
    warnings: string[];
  };
}

const MISSING_D03 = () =>
  `D03: no data yet (folder ${join(folder.path, "tills", "D03")} not found)`;

describe("report freshness", () => {
  it("gives each till's last sale and last archive, and marks `never`", async () => {
    const report = await json(["--period", "2026-11"]);
    expect(report.tills).toEqual([
      {
        ref: "D01",
        name: "Magasin 1",
        last_sale: "2026-11-20",
        last_archive: "2026-11-21T02:10:00+01:00",
        sequence: 12,
      },
      {
        ref: "D02",
        name: "Magasin 2",
        last_sale: "2026-11-03",
        last_archive: "2026-11-03T02:00:00+01:00",
        sequence: 3,
      },
      {
        ref: "D03",
        name: "Magasin 3",
        last_sale: null,
        last_archive: null,
        sequence: null,
        never: true,
      },
    ]);
    // D03 never sent anything: no data, not a zero.
    expect(report.rows.map((row) => [row.key, row.ttc, row.no_data])).toEqual([
      ["D01", 18.5, undefined],
      ["D02", 7, undefined],
      ["D03", 0, true],
    ]);
  });

  it("marks the weeks after a till's last sale as no data", async () => {
    const report = await json(["--period", "2026-11", "--by", "week"]);
    const cells = report.rows.map((row) => [
      row.key,
      ...["D01", "D02", "D03"].map((till) => {
        const figures = row.byTill?.[till];
        return figures?.no_data === true ? "no data" : figures?.ttc;
      }),
    ]);
    expect(cells).toEqual([
      ["2026-W45", 10, 7, "no data"],
      ["2026-W46", 5.5, "no data", "no data"],
      ["2026-W47", 3, "no data", "no data"],
    ]);
    const total = report.total as { byTill: Record<string, Record<string, unknown>> };
    expect(total.byTill.D02).toMatchObject({ ttc: 7 });
    expect(total.byTill.D02?.no_data).toBeUndefined();
    expect(total.byTill.D03).toMatchObject({ ttc: 0, no_data: true });
    expect(report.warnings).toEqual([MISSING_D03()]);
  });

  it("a period after every sale: no data rows, a warning per till, the freshness lines", async () => {
    const { code, stdout, stderr } = await cli(["--period", "2026-12"], { LANG: "en_GB.UTF-8" });
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        "Turnover by till, 2026-12-01 to 2026-12-31",
        "┌─────────────┬───────────┬─────────┬────┬─────┬─────────┬────────────┬───────┐",
        "│ Ref         │ Name      │     TTC │ HT │ VAT │ Tickets │ Avg basket │ Share │",
        "├─────────────┼───────────┼─────────┼────┼─────┼─────────┼────────────┼───────┤",
        "│ D01         │ Magasin 1 │ no data │  — │   — │       — │          — │     — │",
        "│ D02         │ Magasin 2 │ no data │  — │   — │       — │          — │     — │",
        "│ D03 (never) │ Magasin 3 │ no data │  — │   — │       — │          — │     — │",
        "│ Total       │           │ no data │  — │   — │       — │          — │       │",
        "└─────────────┴───────────┴─────────┴────┴─────┴─────────┴────────────┴───────┘",
        "D01 Magasin 1: last sale 2026-11-20, last archive 2026-11-21 02:10 (#12)",
        "D02 Magasin 2: last sale 2026-11-03, last archive 2026-11-03 02:00 (#3)",
        "D03 Magasin 3: never sent anything",
        "3 warnings: see stderr",
        "",
      ].join("\n"),
    );
    expect(stderr).toContain("D01: no data in the period: its last sale was on 2026-11-20");
    expect(stderr).toContain("D02: no data in the period: its last sale was on 2026-11-03");
  });

  it("says that a comparison with a period the tills do not cover is partial", async () => {
    const report = await json(["--period", "2026-11", "--compare", "year"]);
    expect(report.compared).toEqual({
      mode: "year",
      from: "2025-11-01",
      to: "2025-11-30",
      partial: true,
    });
    expect(report.warnings).toEqual([
      MISSING_D03(),
      "the comparison is partial: D01 has no data before 2026-11-02; D01 has no data after 2026-11-20; D02 has no data before 2026-11-03; D02 has no data after 2026-11-03 (see the freshness of each till)",
    ]);
  });

  it("CSV: an empty cell where there is no data; Markdown: the freshness as a list", async () => {
    const csv = await cli(["--period", "2026-11", "--by", "week", "--format", "csv"], {
      LANG: "en_GB.UTF-8",
    });
    expect(csv.stdout).toBe(
      [
        "key,label,ttc,ht,vat,tickets,quantity,avg_basket,share,ttc_D01,ttc_D02,ttc_D03",
        "2026-W45,2026-11-02 to 2026-11-08,17.00,14.17,2.83,2,2,8.50,0.6667,10.00,7.00,",
        "2026-W46,2026-11-09 to 2026-11-15,5.50,4.58,0.92,1,1,5.50,0.2157,5.50,,",
        "2026-W47,2026-11-16 to 2026-11-22,3.00,2.50,0.50,1,1,3.00,0.1176,3.00,,",
        "(total),Total,25.50,21.25,4.25,4,4,6.38,,18.50,7.00,",
        "",
      ].join("\r\n"),
    );
    const md = await cli(["--period", "2026-11", "--format", "md"], { LANG: "fr_FR.UTF-8" });
    expect(md.stdout).toContain(
      [
        "## Fraîcheur des données",
        "",
        "- D01 Magasin 1 : dernière vente le 20/11/2026, dernière archive le 21/11/2026 02:10 (n° 12)",
        "- D02 Magasin 2 : dernière vente le 03/11/2026, dernière archive le 03/11/2026 02:00 (n° 3)",
        "- D03 Magasin 3 : n'a jamais rien envoyé",
        "",
      ].join("\n"),
    );
  });

  it("a journal that cannot be read leaves the last archives unknown, not the report", async () => {
    await root.put("journal.jsonl", "not json\n");
    const report = await json(["--period", "2026-11"]);
    expect(report.tills).toEqual([
      {
        ref: "D01",
        name: "Magasin 1",
        last_sale: "2026-11-20",
        last_archive: null,
        sequence: null,
      },
      {
        ref: "D02",
        name: "Magasin 2",
        last_sale: "2026-11-03",
        last_archive: null,
        sequence: null,
      },
      // Unknown, not "never": the journal may well hold its archives.
      { ref: "D03", name: "Magasin 3", last_sale: null, last_archive: null, sequence: null },
    ]);
    expect(report.warnings).toEqual([
      MISSING_D03(),
      `the last archives are unknown: ${join(folder.path, "journal.jsonl")} line 1 is not a journal entry`,
    ]);
  });
});

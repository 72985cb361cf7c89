import { main } from "@caisse/central";
import { runReport, type ReportOptions } from "../../packages/central/src/commands/report.js";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";

/**
 * `caisse-central report` on a central root built by hand: three tills whose software writes
 * three CSV dialects (UTF-8 with BOM and `;`; Windows-1252, tabs and accented headers; a column
 * mapping), files in subfolders with names in any case, an invalid row and an unreadable file.
 */
let root: { path: string; remove: () => Promise<void> };
// Friday 27 November 2026, at noon local time.
const NOW = new Date(2026, 10, 27, 12, 0, 0);

const TILLS = [
  { ref: "D01", name: "Magasin 1", path: "D01", enabled: true },
  { ref: "D02", name: "Magasin 2", path: "caisse2", enabled: true },
  {
    ref: "D03",
    name: "Magasin 3",
    path: "D03",
    enabled: false,
    columns: { quantite: "Qte", montant_ttc: "Total" },
  },
];

async function put(relative: string, content: string | Buffer): Promise<void> {
  const path = join(root.path, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

const crlf = (lines: string[]): string => lines.map((line) => `${line}\r\n`).join("");

beforeEach(async () => {
  root = await temporaryFolder("caisse-report-");
  await put("caisse-central.json", JSON.stringify({ tills: TILLS }, null, 2));
  // D01: UTF-8 with a BOM, `;`, decimal commas, French dates, CRLF; line 8 is invalid.
  await put(
    "tills/D01/ventes.csv",
    "\uFEFF" +
      crlf([
        "ticket;date;article;famille;quantite;montant_ttc;taux_tva;libelle",
        "1;02/11/2026 09:15;A1;EPI;1;0,10;5,5;Pain",
        "1;02/11/2026 09:15;A2;BOI;2;3,00;20;Soda",
        "2;02/11/2026 10:30;A1;EPI;1;0,10;5,5;Pain",
        "3;03/11/2026 18:05;A1;EPI;1;0,10;5,5;Pain",
        "4;09/11/2026 11:00;A3;EPI;-1;-2,50;5,5;Riz",
        "5;15/10/2026 12:00;A2;BOI;1;4,00;20;Soda",
        "6;03/11/2026 12:00;A1;EPI;1;12,505;5,5;Pain",
      ]),
  );
  // Anywhere below the till's directory, any case; `,` and ISO dates, a quoted "1 234,56".
  await put(
    "tills/D01/archive/2026/Ventes-Extra.CSV",
    'ticket,date,article,famille,quantite,montant_ttc,taux_tva\n7,2026-11-20T14:00:00,A4,EPI,1.5,"1 234,56",5.5\n',
  );
  await put(
    "tills/D01/REGLEMENTS.csv",
    crlf([
      "ticket;date;mode;montant",
      "1;02/11/2026 09:15;CB;3,10",
      "2;02/11/2026 10:30;ESP;0,10",
      "3;03/11/2026 18:05;CB;0,10",
      "4;09/11/2026 11:00;CB;-2,50",
      "5;15/10/2026 12:00;ESP;4,00",
    ]),
  );
  await put("tills/D01/familles.csv", "famille;libelle\nEPI;Epicerie\nBOI;Boissons\n");
  await put(
    "tills/D01/articles.csv",
    "article;libelle;famille;prix_ttc;taux_tva\nA1;Pain;EPI;0,10;5,5\n",
  );
  // D02: Windows-1252, tabs, accented headers in another order.
  await put(
    "tills/caisse2/ventes.csv",
    Buffer.from(
      [
        "Date\tTicket\tArticle\tFamille\tQuantité\tMontant TTC\tTaux TVA\tLibellé",
        "2026-11-02 11:00\t1\tA1\tEPI\t1\t0,10\t5,5\tPain",
        "2026-11-02 11:00\t1\tA5\tEPI\t1\t1,00\t5,5\tCafé crème",
        "2026-11-10 08:00\t2\tA2\tBOI\t1\t3,00\t20\tSoda",
        "2025-11-10 09:00\t3\tA2\tBOI\t1\t2,00\t20\tSoda",
        "",
      ].join("\r\n"),
      "latin1",
    ),
  );
  // Unreadable: the quote opened on line 3 never closes, so line 2 must not count either.
  await put(
    "tills/caisse2/ventes-old.csv",
    'ticket;date;article;famille;quantite;montant_ttc;taux_tva\n9;2026-11-05 10:00;A1;EPI;1;100,00;5,5\n10;2026-11-05 10:00;A1;EPI;1;"5,00;5,5\n',
  );
  await put(
    "tills/caisse2/reglements.csv",
    "ticket\tdate\tmode\tmontant\n1\t2026-11-02 11:00\tcb\t1,10\n2\t2026-11-10 08:00\tCB\t3,00\n",
  );
  // D03, disabled: its software writes `Qte` and `Total`.
  await put(
    "tills/D03/ventes.csv",
    "ticket;date;article;famille;Qte;Total;taux_tva\n1;2026-11-04 16:00;A1;EPI;3;0,30;5,5\n",
  );
});
afterEach(async () => root.remove());

const WARNING_D01 = "D01 ventes.csv line 8: invalid amount '12,505'";
const WARNING_D02 = "D02 ventes-old.csv, line 3: a quote opened";

async function report(options: ReportOptions, env: Record<string, string> = {}) {
  const { ctx, output } = captureContext(root.path, env, () => NOW);
  const result = await runReport({ root: root.path, format: "json", ...options }, ctx);
  const json = JSON.parse(result.text) as Json;
  return { ...result, json, ...output() };
}

async function cli(argv: string[], env: Record<string, string> = {}) {
  const { ctx, output } = captureContext(root.path, env, () => NOW);
  const code = await main(["--root", root.path, "report", ...argv], ctx);
  return { code, ...output() };
}

interface Json {
  from: string | null;
  to: string | null;
  tills: { ref: string; name: string }[];
  rows: ({ key: string; label: string } & Record<string, unknown>)[];
  total: Record<string, unknown>;
  warnings: string[];
}

/** key, ttc, ht, vat, tickets, quantity of each row: the figures, compactly. */
const figures = (json: Json) =>
  json.rows.map((row) => [row.key, row.ttc, row.ht, row.vat, row.tickets, row.quantity]);

describe("caisse-central report", () => {
  it("--by till over November: every figure, the total on its own lines, warnings", async () => {
    const { json, exitCode, stderr, stdout } = await report({ period: "month" });
    expect(exitCode).toBe(0);
    expect(json.from).toBe("2026-11-01");
    expect(json.to).toBe("2026-11-30");
    // Placed by hand, without an archive: the last sale, and no archive.
    const fresh = { last_archive: null, sequence: null };
    expect(json.tills).toEqual([
      { ref: "D01", name: "Magasin 1", last_sale: "2026-11-20", ...fresh },
      { ref: "D02", name: "Magasin 2", last_sale: "2026-11-10", ...fresh },
    ]);
    expect(json.rows).toEqual([
      {
        key: "D01",
        label: "Magasin 1",
        ttc: 1235.36,
        ht: 1170.61,
        vat: 64.75,
        tickets: 5,
        quantity: 5.5,
        avg_basket: 247.07,
        share: 0.9967,
        incomplete: true,
      },
      {
        key: "D02",
        label: "Magasin 2",
        ttc: 4.1,
        ht: 3.54,
        vat: 0.56,
        tickets: 2,
        quantity: 3,
        avg_basket: 2.05,
        share: 0.0033,
        incomplete: true,
      },
    ]);
    // 1170,61 + 3,54 is 1174,15; the total's HT is rounded once per rate on its own TTC.
    expect(json.total).toEqual({
      ttc: 1239.46,
      ht: 1174.16,
      vat: 65.3,
      tickets: 7,
      quantity: 8.5,
      avg_basket: 177.07,
      incomplete: true,
    });
    // D01 left out 1 of its 8 rows, D02 a whole file: both are marked incomplete.
    expect(json.warnings).toHaveLength(4);
    expect(json.warnings[0]).toMatch(new RegExp(`^${WARNING_D01}`, "u"));
    expect(json.warnings[1]).toBe(
      "D01: incomplete figures: 1 of 8 rows invalid (12.50 %); see the warnings above",
    );
    expect(json.warnings[2]).toMatch(new RegExp(`^${WARNING_D02}.*; file left out$`, "u"));
    expect(json.warnings[3]).toBe(
      "D02: incomplete figures: 1 file left out whole; see the warnings above",
    );
    expect(stderr).toContain(WARNING_D01);
    expect(stderr).toContain(WARNING_D02);
    expect(stdout).toBe(`${JSON.stringify(json, null, 2)}\n`);
  });

  it("--by family with labels from familles.csv, tickets counted once per family", async () => {
    const { json } = await report({ period: "2026-11", by: "family" });
    expect(figures(json)).toEqual([
      ["EPI", 1233.46, 1169.16, 64.3, 6, 5.5],
      ["BOI", 6, 5, 1, 2, 3],
    ]);
    expect(json.rows.map((row) => row.label)).toEqual(["Epicerie", "Boissons"]);
    expect(json.rows[0]?.byTill).toEqual({
      D01: {
        ttc: 1232.36,
        ht: 1168.11,
        vat: 64.25,
        tickets: 5,
        quantity: 3.5,
        avg_basket: 246.47,
        share: 0.9943,
        incomplete: true,
      },
      D02: {
        ttc: 1.1,
        ht: 1.04,
        vat: 0.06,
        tickets: 1,
        quantity: 2,
        avg_basket: 1.1,
        share: 0.0009,
        incomplete: true,
      },
    });
    expect(json.total).toMatchObject({ ttc: 1239.46, tickets: 7, incomplete: true });
  });

  it("labels from the central's catalogue come before the tills' own", async () => {
    await put("catalog/familles.csv", "famille;libelle\nEPI;Épicerie fine\n");
    const { json } = await report({ period: "2026-11", by: "family" });
    expect(json.rows.map((row) => [row.key, row.label])).toEqual([
      ["EPI", "Épicerie fine"],
      ["BOI", "Boissons"],
    ]);
  });

  it("--by article: catalogue label, else the last sale's, decoded from Windows-1252", async () => {
    const { json } = await report({ period: "2026-11", by: "article" });
    expect(json.rows.map((row) => [row.key, row.label, row.ttc, row.tickets])).toEqual([
      ["A4", "", 1234.56, 1],
      ["A2", "Soda", 6, 2],
      ["A5", "Café crème", 1, 1],
      ["A1", "Pain", 0.4, 4],
      ["A3", "Riz", -2.5, 1],
    ]);
  });

  it("--top 2: the rest is one row with its own distinct tickets", async () => {
    const { json } = await report({ period: "2026-11", by: "article", top: "2" });
    expect(json.rows.map((row) => [row.key, row.label, row.ttc, row.tickets])).toEqual([
      ["A4", "", 1234.56, 1],
      ["A2", "Soda", 6, 2],
      // A5 (D02 #1), A1 (D01 #1, #2, #3; D02 #1), A3 (D01 #4): 5 pairs, not 1 + 4 + 1.
      ["(others)", "Others", -1.1, 5],
    ]);
  });

  it.each<[string, (string | number | null)[][]]>([
    [
      "day",
      [
        ["2026-11-02", 4.3, 3],
        ["2026-11-03", 0.1, 1],
        ["2026-11-09", -2.5, 1],
        ["2026-11-10", 3, 1],
        ["2026-11-20", 1234.56, 1],
      ],
    ],
    [
      "week",
      [
        ["2026-W45", 4.4, 4],
        ["2026-W46", 0.5, 2],
        ["2026-W47", 1234.56, 1],
      ],
    ],
    ["month", [["2026-11", 1239.46, 7]]],
    [
      "hour",
      [
        ["08", 3, 1],
        ["09", 3.1, 1],
        ["10", 0.1, 1],
        ["11", -1.4, 2],
        ["14", 1234.56, 1],
        ["18", 0.1, 1],
      ],
    ],
    [
      "vat",
      [
        ["5.5", 1233.46, 6],
        ["20", 6, 2],
      ],
    ],
  ])("--by %s", async (by, expected) => {
    const { json } = await report({ period: "2026-11", by });
    expect(json.rows.map((row) => [row.key, row.ttc, row.tickets])).toEqual(expected);
    expect(json.total).toMatchObject({ ttc: 1239.46, tickets: 7 });
  });

  it("--by vat gives HT per rate", async () => {
    const { json } = await report({ period: "2026-11", by: "vat" });
    expect(figures(json)).toEqual([
      ["5.5", 1233.46, 1169.16, 64.3, 6, 5.5],
      ["20", 6, 5, 1, 2, 3],
    ]);
    expect(json.rows.map((row) => row.label)).toEqual(["VAT 5.5%", "VAT 20%"]);
  });

  it("--by payment from reglements*.csv: no HT, VAT or quantity", async () => {
    const { json } = await report({ period: "2026-11", by: "payment" }, { LANG: "fr_FR.UTF-8" });
    expect(json.rows.map(({ byTill: _byTill, ...row }) => row)).toEqual([
      {
        key: "CB",
        label: "Carte bancaire",
        ttc: 4.8,
        ht: null,
        vat: null,
        tickets: 5,
        quantity: null,
        avg_basket: 0.96,
        share: 0.9796,
      },
      {
        key: "ESP",
        label: "Espèces",
        ttc: 0.1,
        ht: null,
        vat: null,
        tickets: 1,
        quantity: null,
        avg_basket: 0.1,
        share: 0.0204,
      },
    ]);
    expect(json.total).toMatchObject({ ttc: 4.9, ht: null, tickets: 6 });
    // Only ventes*.csv had problems: reglements*.csv are read instead.
    expect(json.warnings).toEqual([]);
  });

  it("--tills names a disabled till, and reads it with its column mapping", async () => {
    const { json } = await report({ period: "2026-11", tills: "d01,D03" });
    expect(json.tills.map((till) => till.ref)).toEqual(["D01", "D03"]);
    expect(figures(json)).toEqual([
      ["D01", 1235.36, 1170.61, 64.75, 5, 5.5],
      ["D03", 0.3, 0.28, 0.02, 1, 3],
    ]);
  });

  it("--from/--to are inclusive; with neither, all the data and its first and last dates", async () => {
    const week = await report({ from: "02/11/2026", to: "2026-11-03" });
    expect(week.json.total).toMatchObject({ ttc: 4.4, tickets: 4 });
    const all = await report({});
    expect([all.json.from, all.json.to]).toEqual(["2025-11-10", "2026-11-20"]);
    expect(all.json.total).toMatchObject({ ttc: 1245.46, tickets: 9 });
  });

  it("--compare previous: November beside October", async () => {
    const { json } = await report({ period: "last-month", compare: "previous" }, {});
    expect([json.from, json.to]).toEqual(["2026-10-01", "2026-10-31"]);
    const november = await report({ period: "month", compare: "previous" });
    expect(november.json.rows.map((row) => [row.key, row.ttc, row.compare])).toEqual([
      ["D01", 1235.36, { ttc: 4, delta: 1231.36, pct: 30784 }],
      ["D02", 4.1, { ttc: 0, delta: 4.1, pct: null }],
    ]);
    expect(november.json.total.compare).toEqual({ ttc: 4, delta: 1235.46, pct: 30886.5 });
    expect((november.json as unknown as { compared: unknown }).compared).toEqual({
      mode: "previous",
      from: "2026-10-01",
      to: "2026-10-31",
      // D01's data starts on 15 October, D02's ends on 10 November.
      partial: true,
    });
  });

  it("--compare year: the same dates one year earlier, row by row", async () => {
    const { json } = await report({ period: "2026-11", by: "day", compare: "year" });
    expect(json.rows.find((row) => row.key === "2026-11-10")?.compare).toEqual({
      ttc: 2,
      delta: 1,
      pct: 50,
    });
    expect(json.total.compare).toEqual({ ttc: 2, delta: 1237.46, pct: 61873 });
  });

  it("--format csv: the exact text, French dialect", async () => {
    const { stdout, code } = await cli(["--period", "2026-11", "--format", "csv"], {
      LANG: "fr_FR.UTF-8",
    });
    expect(code).toBe(0);
    expect(stdout).toBe(
      "\uFEFFkey;label;ttc;ht;vat;tickets;quantity;avg_basket;share;last_sale;last_archive;sequence\r\n" +
        "D01;Magasin 1;1235,36;1170,61;64,75;5;5,5;247,07;0,9967;2026-11-20;;\r\n" +
        "D02;Magasin 2;4,10;3,54;0,56;2;3;2,05;0,0033;2026-11-10;;\r\n" +
        "(total);Total;1239,46;1174,16;65,30;7;8,5;177,07;;;;\r\n",
    );
  });

  it("--format table by default, with the warnings on stderr only", async () => {
    const { stdout, stderr, code } = await cli(["--period", "2026-11"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Turnover by till, 2026-11-01 to 2026-11-30");
    expect(stdout).toMatch(/│ D01 \(incomplete\) +│ Magasin 1 +│ +€1,235\.36 │/u);
    expect(stdout).toMatch(/│ Total \(incomplete\) +│/u);
    expect(stdout).toContain("4 warnings: see stderr");
    expect(stdout).not.toContain("12,505");
    expect(stdout).not.toContain("\u001b");
    expect(stderr.trim().split("\n")).toHaveLength(4);
  });

  it("--out writes the file and nothing on stdout", async () => {
    const { stdout, code } = await cli([
      "--period",
      "2026-11",
      "--format",
      "md",
      "--out",
      "nov.md",
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    const written = await readFile(join(root.path, "nov.md"), "utf8");
    expect(written.startsWith("# Turnover by till, 2026-11-01 to 2026-11-30\n")).toBe(true);
    expect(written).toContain("## Warnings");
  });

  it("a till with no folder yet is a warning, not an error; links are not followed", async () => {
    await put(
      "caisse-central.json",
      JSON.stringify({ tills: [...TILLS, { ref: "D04", name: "Magasin 4", path: "D04" }] }),
    );
    await put("outside/ventes.csv", "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n");
    await symlink(join(root.path, "outside"), join(root.path, "tills/D01/linked"));
    await symlink(
      join(root.path, "outside/ventes.csv"),
      join(root.path, "tills/D01/ventes-link.csv"),
    );
    const { json, exitCode } = await report({ period: "2026-11" });
    expect(exitCode).toBe(0);
    expect(json.rows.map((row) => [row.key, row.ttc, row.tickets])).toEqual([
      ["D01", 1235.36, 5],
      ["D02", 4.1, 2],
      ["D04", 0, 0],
    ]);
    expect(json.warnings).toContain(
      `D04: no data yet (folder ${join(root.path, "tills", "D04")} not found)`,
    );
    expect(json.warnings).toContain("D01 ventes-link.csv: a symbolic link; file left out");
  });

  it.each<[string[], RegExp]>([
    [
      ["--tills", "D01,D09,X"],
      /E_TILL_UNKNOWN.*--tills: no till 'D09', 'X' is registered[\s\S]*registered tills: D01, D02, D03/u,
    ],
    [
      ["--by", "store"],
      /E_USAGE.*--by must be one of till, family, article, day, week, month, hour, payment, vat/u,
    ],
    [["--format", "xlsx"], /E_USAGE.*--format must be one of table, csv, json, md, html/u],
    [["--compare", "last"], /E_USAGE.*--compare must be one of previous, year/u],
    [["--compare", "year"], /E_USAGE.*--compare needs a period/u],
    [["--top", "0"], /E_USAGE.*--top must be a whole number from 1/u],
    [
      ["--period", "month", "--from", "2026-11-01"],
      /E_USAGE.*--period: cannot be given with --from/u,
    ],
    [["--from", "2026-11-31"], /E_USAGE.*--from: '2026-11-31' is not a date/u],
  ])("%j is a usage error: exit 2", async (argv, message) => {
    const { code, stdout, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
  });
});

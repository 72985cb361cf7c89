import { main } from "@caisse/central";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../packages/central/src/check/findings.js";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import {
  CentralRoot,
  frenchAmount,
  salesCsv,
  seeded,
  type SaleRow,
} from "../helpers/centralRoot.js";

/**
 * `caisse-central check` (docs/monitor.md#check) on generated data: a catalogue, three tills
 * selling from it, and known faults put in on purpose. The expected findings are computed here
 * from the generated rows, not read from the program.
 */
let folder: { path: string; remove: () => Promise<void> };
let root: CentralRoot;

interface Result {
  total: number;
  counts: Record<string, number>;
  findings: Finding[];
}

const FAMILIES = ["EPI", "BOI", "FRA"];
const CATALOGUE = Array.from({ length: 30 }, (_, index) => ({
  article: `A${index + 1}`,
  label: `Article ${index + 1}`,
  family: FAMILIES[index % FAMILIES.length] ?? "EPI",
}));
const familyOf = (article: string): string =>
  CATALOGUE.find((entry) => entry.article === article)?.family ?? "?";
const DAYS = Array.from(
  { length: 10 },
  (_, index) => `2026-11-${String(index + 2).padStart(2, "0")}`,
);

/** Tickets of 1 to 3 catalogue articles over DAYS, with their catalogue families. */
function salesOf(pick: (below: number) => number, tickets: number): SaleRow[] {
  const rows: SaleRow[] = [];
  for (let ticket = 1; ticket <= tickets; ticket++) {
    const day = DAYS[pick(DAYS.length)] ?? "2026-11-02";
    for (let count = 1 + pick(3); count > 0; count--) {
      const article = CATALOGUE[pick(CATALOGUE.length)]?.article ?? "A1";
      rows.push({
        ticket: String(ticket),
        day,
        article,
        family: familyOf(article),
        quantity: 1,
        cents: 100 + pick(5000),
        rate: "20",
      });
    }
  }
  return rows;
}

const catalogueCsv = (): string =>
  `article;libelle;famille;prix_ttc;taux_tva\n${CATALOGUE.map((entry) => `${entry.article};${entry.label};${entry.family};1,00;20\n`).join("")}`;
const familiesCsv = (): string =>
  `famille;libelle\n${FAMILIES.map((family) => `${family};${family}\n`).join("")}`;

/** The sum of the TTC of each day's lines. */
function dayTotals(rows: readonly SaleRow[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.day, (totals.get(row.day) ?? 0) + row.cents);
  return totals;
}

beforeEach(async () => {
  folder = await temporaryFolder("caisse-check-");
  root = new CentralRoot(folder.path);
  await root.config([
    { ref: "D01", name: "Magasin 1", path: "D01", enabled: true },
    { ref: "D02", name: "Magasin 2", path: "D02", enabled: true },
    { ref: "D03", name: "Magasin 3", path: "D03", enabled: false },
    { ref: "D04", name: "Magasin 4", path: "D04", enabled: true },
  ]);
});
afterEach(async () => folder.remove());

async function check(argv: string[] = ["--format", "json"], env: Record<string, string> = {}) {
  const { ctx, output } = captureContext(folder.path, env, () => new Date());
  const code = await main(["--root", folder.path, "check", ...argv], ctx);
  return { code, ...output() };
}

async function checkJson(): Promise<{ code: number; result: Result }> {
  const { code, stdout } = await check();
  return { code, result: JSON.parse(stdout) as Result };
}

/** A finding without its words: what the test computes. */
const shape = (finding: Finding) => ({
  kind: finding.kind,
  till: finding.till,
  file: finding.file,
  line: finding.line,
  count: finding.count,
});

describe("caisse-central check", () => {
  it("clean data: no finding, exit 0", async () => {
    const pick = seeded(7);
    await root.put("catalog/articles.csv", catalogueCsv());
    await root.put("catalog/familles.csv", familiesCsv());
    const d01 = salesOf(pick, 40);
    await root.put("tills/D01/ventes.csv", salesCsv(d01));
    const closures = [...dayTotals(d01)].map(([day, cents]) => `${day};${frenchAmount(cents)}`);
    await root.put("tills/D01/clotures.csv", `date;total_ttc\n${closures.join("\n")}\n`);
    const { code, stdout } = await check([]);
    expect(stdout).toBe("no finding: codes, families, closures and files are coherent\n");
    expect(code).toBe(0);
  });

  it("finds each fault put in, with its till, file, line and count", async () => {
    const pick = seeded(42);
    // The catalogue's own article A99 (never sold) names a family it does not have.
    await root.put("catalog/articles.csv", `${catalogueCsv()}A99;Article 99;FRX;1,00;20\n`);
    await root.put("catalog/familles.csv", familiesCsv());

    // D01: article A2 sold in family EPI (the catalogue says BOI) on some lines; its Z closures
    // right except two days.
    const d01 = salesOf(pick, 60);
    const wrongFamily = d01
      .map((row, index) => ({ row, line: index + 2 }))
      .filter(({ row }) => row.article === "A2");
    for (const { row } of wrongFamily) row.family = "EPI";
    expect(wrongFamily.length).toBeGreaterThan(1);
    await root.put("tills/D01/ventes.csv", salesCsv(d01));
    const totals = dayTotals(d01);
    const days = [...totals.keys()].sort();
    const off = new Map([
      [days[1] ?? "", 150],
      [days[4] ?? "", -2000],
    ]);
    const closureLines = days.map(
      (day) => `${day};${frenchAmount((totals.get(day) ?? 0) + (off.get(day) ?? 0))}`,
    );
    await root.put("tills/D01/clotures.csv", `date;total_ttc\n${closureLines.join("\n")}\n`);

    // D02: two articles not in the catalogue, one unknown family, three invalid rows.
    const d02 = salesOf(pick, 30);
    const extra = { day: "2026-11-05", quantity: 1, cents: 250, rate: "20" };
    d02.push(
      { ...extra, ticket: "900", article: "Z1", family: "EPI" },
      { ...extra, ticket: "900", article: "Z1", family: "EPI" },
      { ...extra, ticket: "901", article: "Z2", family: "XXX" },
    );
    const invalid = [
      "1;2026-11-03 10:00;A1;EPI;1;12,505;20;",
      "2;2026-13-03 10:00;A1;EPI;1;1,00;20;",
      "3;2026-11-03 10:00;A1;EPI;1;abc;20;",
    ];
    await root.put(
      "tills/D02/ventes.csv",
      salesCsv(d02) + invalid.map((line) => `${line}\n`).join(""),
    );

    // D03 (disabled: checked all the same): a copy of its sales in a backup folder, an unreadable
    // file, and an article whose label differs from the catalogue's.
    const d03 = salesOf(pick, 25);
    await root.put("tills/D03/sauvegarde/ventes - Copie.csv", salesCsv(d03));
    await root.put("tills/D03/ventes.csv", salesCsv(d03));
    await root.put("tills/D03/ventes-old.csv", "ticket;date;article\n1;2026-11-02;A1\n");
    await root.put(
      "tills/D03/articles.csv",
      "article;libelle;famille;prix_ttc;taux_tva\nA1;ARTICLE 1;EPI;1,00;20\nA5;Pain de mie;BOI;1,00;20\n",
    );

    const { code, result } = await checkJson();
    expect(code).toBe(3);

    const d02Lines = d02.length + 1;
    const tickets03 = new Set(d03.map((row) => `${row.day}/${row.ticket}`)).size;
    const expected = [
      // Read first, per till: D02's invalid rows; D03's copies and unreadable file.
      { kind: "invalid-rows", till: "D02", file: "ventes.csv", line: d02Lines + 1, count: 3 },
      { kind: "duplicate-tickets", till: "D03", file: "ventes.csv", line: 2, count: tickets03 },
      {
        kind: "unreadable-file",
        till: "D03",
        file: "ventes-old.csv",
        line: 1, // the header, which lacks columns
        count: undefined,
      },
      { kind: "unknown-family", till: "catalog", file: "articles.csv", line: 32, count: 1 },
      // Then the comparisons, per till in table order.
      {
        kind: "family-differs",
        till: "D01",
        file: "ventes.csv",
        line: wrongFamily[0]?.line ?? 0,
        count: wrongFamily.length,
      },
      ...[...off.keys()].map((day) => ({
        kind: "closure-mismatch",
        till: "D01",
        file: "clotures.csv",
        line: days.indexOf(day) + 2,
        count: undefined,
      })),
      { kind: "not-in-catalogue", till: "D02", file: "ventes.csv", line: d02.length - 1, count: 2 },
      { kind: "not-in-catalogue", till: "D02", file: "ventes.csv", line: d02.length + 1, count: 1 },
      { kind: "unknown-family", till: "D02", file: "ventes.csv", line: d02.length + 1, count: 1 },
      { kind: "label-differs", till: "D03", file: "articles.csv", line: 3, count: undefined },
    ];
    expect(result.findings.map(shape).sort(byPlace)).toEqual(expected.sort(byPlace));
    expect(result.total).toBe(expected.length);

    const mismatch = result.findings.find((finding) => finding.kind === "closure-mismatch");
    const day = days[1] ?? "";
    expect(mismatch?.message).toBe(
      `the Z closure of ${day} says €${(((totals.get(day) ?? 0) + 150) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/gu, ",")} but the sales lines of that day sum to €${((totals.get(day) ?? 0) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/gu, ",")} (difference €1.50)`,
    );
    for (const finding of result.findings) expect(finding.todo).not.toBe("");

    // The text: each finding and what to do, then the counts.
    const text = await check([]);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(
      `D03 articles.csv line 3: [label-differs] article A5 is 'Pain de mie' here but 'Article 5' in the catalogue\n  what to do: `,
    );
    expect(text.stdout.trimEnd().split("\n").at(-1)).toBe(
      `${expected.length} findings: 1 unreadable-file, 1 invalid-rows, 1 duplicate-tickets, 1 family-differs, 1 label-differs, 2 unknown-family, 2 not-in-catalogue, 2 closure-mismatch`,
    );
  });

  it("without a catalogue, compares the tills with each other", async () => {
    await root.put(
      "tills/D01/ventes.csv",
      salesCsv([
        {
          ticket: "1",
          day: "2026-11-02",
          article: "A1",
          family: "EPI",
          quantity: 1,
          cents: 100,
          rate: "20",
        },
      ]),
    );
    await root.put(
      "tills/D02/ventes.csv",
      salesCsv([
        {
          ticket: "1",
          day: "2026-11-02",
          article: "A1",
          family: "BOI",
          quantity: 1,
          cents: 100,
          rate: "20",
        },
      ]),
    );
    await root.put(
      "tills/D01/articles.csv",
      "article;libelle;famille;prix_ttc;taux_tva\nA1;Pain;EPI;1,00;20\n",
    );
    await root.put(
      "tills/D02/articles.csv",
      "article;libelle;famille;prix_ttc;taux_tva\nA1;Baguette;BOI;1,00;20\n",
    );
    const { code, result } = await checkJson();
    expect(code).toBe(3);
    expect(result.findings.map((finding) => [finding.kind, finding.till, finding.message])).toEqual(
      [
        [
          "family-differs",
          null,
          "article A1 has different families at different tills: 'EPI' at D01, 'BOI' at D02",
        ],
        [
          "label-differs",
          null,
          "article A1 has different labels at different tills: 'Pain' at D01, 'Baguette' at D02",
        ],
      ],
    );
  });

  it("thousands of findings: the first ones listed, the rest counted", async () => {
    await root.put("catalog/articles.csv", catalogueCsv());
    const rows: SaleRow[] = Array.from({ length: 2500 }, (_, index) => ({
      ticket: String(index),
      day: "2026-11-02",
      article: `Z${index}`,
      family: "EPI",
      quantity: 1,
      cents: 100,
      rate: "20",
    }));
    await root.put("tills/D01/ventes.csv", salesCsv(rows));
    const { result } = await checkJson();
    expect(result.total).toBe(2500);
    expect(result.counts["not-in-catalogue"]).toBe(2500);
    expect(result.findings).toHaveLength(21);
    expect(result.findings.at(-1)).toMatchObject({
      kind: "not-in-catalogue",
      till: "D01",
      file: null,
      count: 2480,
      message: "and 2480 more not-in-catalogue findings at D01, like the ones above",
    });
  });
});

function byPlace(
  a: { kind: string; till: string | null; line: number | null },
  b: typeof a,
): number {
  const key = (finding: typeof a) =>
    `${finding.till ?? ""} ${finding.kind} ${String(finding.line ?? 0).padStart(8, "0")}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

describe("check: the language of the text (docs/monitor.md#check)", () => {
  const TILLS = [{ ref: "D01", name: "Magasin 1", path: "D01", enabled: true }];
  const FR =
    "D01 ventes.csv ligne 2 : [not-in-catalogue] l'article Z1 est vendu (1 ligne) mais n'est pas au catalogue\n  que faire : ajouter l'article à catalog/articles.csv, ou corriger son code dans le logiciel de caisse\n1 anomalie : 1 not-in-catalogue\n";
  const EN =
    "D01 ventes.csv line 2: [not-in-catalogue] article Z1 is sold (1 line) but is not in the catalogue\n  what to do: add the article to catalog/articles.csv, or correct its code in the till software\n1 finding: 1 not-in-catalogue\n";

  beforeEach(async () => {
    await root.config(TILLS);
    await root.put("catalog/articles.csv", catalogueCsv());
    await root.put(
      "tills/D01/ventes.csv",
      salesCsv([
        {
          ticket: "1",
          day: "2026-11-02",
          article: "Z1",
          family: "EPI",
          quantity: 1,
          cents: 100,
          rate: "20",
        },
      ]),
    );
  });

  it("--lang fr, --lang en, before the locale variables", async () => {
    const fr = await check(["--lang", "fr"], { LANG: "en_US.UTF-8" });
    expect(fr.stdout).toBe(FR);
    expect(fr.code).toBe(3);
    expect((await check(["--lang", "EN"], { LC_ALL: "fr_FR.UTF-8" })).stdout).toBe(EN);
  });

  it("LANG=fr_FR.UTF-8 without --lang; LANG=C is English", async () => {
    expect((await check([], { LANG: "fr_FR.UTF-8" })).stdout).toBe(FR);
    expect((await check([], { LANG: "C" })).stdout).toBe(EN);
  });

  it('the config\'s "lang" after --lang, before the locale variables', async () => {
    await root.config(TILLS, { lang: "fr" });
    expect((await check([], { LANG: "en_US.UTF-8" })).stdout).toBe(FR);
    expect((await check(["--lang", "en"], { LANG: "fr_FR.UTF-8" })).stdout).toBe(EN);
  });

  it("nothing found, in French", async () => {
    await root.put("tills/D01/ventes.csv", salesCsv([]));
    const { code, stdout } = await check(["--lang", "fr"]);
    expect(stdout).toBe("aucune anomalie : codes, familles, clôtures et fichiers sont cohérents\n");
    expect(code).toBe(0);
  });

  it("the JSON is the same in every language; a bad --lang is a usage error", async () => {
    const en = await check(["--format", "json", "--lang", "en"]);
    const fr = await check(["--format", "json", "--lang", "fr"], { LANG: "fr_FR.UTF-8" });
    expect(fr.stdout).toBe(en.stdout);
    expect((JSON.parse(en.stdout) as Result).findings).toEqual([
      {
        kind: "not-in-catalogue",
        code: "not-in-catalogue",
        till: "D01",
        file: "ventes.csv",
        line: 2,
        message: "article Z1 is sold (1 line) but is not in the catalogue",
        todo: "add the article to catalog/articles.csv, or correct its code in the till software",
        count: 1,
      },
    ]);
    const wrong = await check(["--lang", "de"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toContain("--lang must be one of fr, en (found 'de')");
  });
});

import { main } from "@caisse/central";
import { isoWeekOf, type LocalDateTime } from "@caisse/core";
import { runReport, type ReportOptions } from "../../packages/central/src/commands/report.js";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { CentralRoot, frenchAmount, seeded } from "../helpers/centralRoot.js";

/**
 * The gross margin (docs/reports.md#gross-margin) on generated sales of two tills: quantities in
 * thousandths (0,333 kg), returns, an article whose family differs between the tills, an article
 * with no purchase price in the catalogue and one not in it at all. The expected cents are
 * computed here, line by line, apart from the code under test; the files and the report index
 * must give the same JSON.
 */
let dir: { path: string; remove: () => Promise<void> };
let root: CentralRoot;
const NOW = new Date(2026, 10, 27, 12, 0, 0);
const TILLS = [
  { ref: "D01", name: "Magasin 1", path: "D01", enabled: true },
  { ref: "D02", name: "Magasin 2", path: "D02", enabled: true },
];

/** Purchase prices in cents; A4 is in the catalogue without one, A6 is not in it. */
const PRICES: Record<string, number> = { A1: 40, A2: 125, A3: 333, A5: 210 };
const UNIT_TTC: Record<string, number> = { A1: 95, A2: 260, A3: 717, A4: 150, A5: 480, A6: 999 };
const RATE: Record<string, number> = { A1: 550, A2: 2000, A3: 550, A4: 550, A5: 2000, A6: 2000 };
/** A5 is in family BOI at D01 but EPI at D02. */
function familyOf(article: string, till: string): string {
  if (article === "A5") return till === "D01" ? "BOI" : "EPI";
  return { A1: "EPI", A2: "BOI", A3: "FRA", A4: "EPI", A6: "BAZ" }[article] ?? "EPI";
}

interface Line {
  till: string;
  ticket: number;
  day: string;
  article: string;
  family: string;
  /** thousandths */
  qty: number;
  ttc: number;
  rate: number;
}

const LINES: Line[] = [];
const QUANTITIES = [1000, 2000, 1500, 333, 250, 3000];

function generate(): void {
  const pick = seeded(8080);
  for (const till of ["D01", "D02"]) {
    for (let day = 2; day <= 15; day++) {
      const date = `2026-11-${String(day).padStart(2, "0")}`;
      const tickets = 1 + pick(4);
      for (let ticket = 1; ticket <= tickets; ticket++) {
        for (let item = 0, count = 1 + pick(3); item < count; item++) {
          const article = ["A1", "A2", "A3", "A5"][pick(4)] ?? "A1";
          const sign = pick(6) === 0 ? -1 : 1;
          const qty = sign * (QUANTITIES[pick(QUANTITIES.length)] ?? 1000);
          const ttc = Math.round(((UNIT_TTC[article] ?? 0) * qty) / 1000);
          const line = { till, ticket, day: date, article, qty, ttc, rate: RATE[article] ?? 0 };
          LINES.push({ ...line, family: familyOf(article, till) });
        }
      }
    }
  }
  // Without a price: A4 (in the catalogue, no prix_achat_ht) at D01 on the 5th; A6 (not in the
  // catalogue) at D02 on the 12th.
  for (const [till, day, article] of [
    ["D01", "2026-11-05", "A4"],
    ["D02", "2026-11-12", "A6"],
  ] as const) {
    const ttc = UNIT_TTC[article] ?? 0;
    LINES.push({
      till,
      ticket: 99,
      day,
      article,
      family: familyOf(article, till),
      qty: 1000,
      ttc,
      rate: RATE[article] ?? 0,
    });
  }
}

function frenchQuantity(milli: number): string {
  const size = Math.abs(milli);
  const whole = Math.floor(size / 1000);
  const rest = size % 1000;
  const decimals = rest === 0 ? "" : `,${String(rest).padStart(3, "0").replace(/0+$/u, "")}`;
  return `${milli < 0 ? "-" : ""}${whole}${decimals}`;
}

function rateText(rate: number): string {
  return rate % 100 === 0 ? String(rate / 100) : `${Math.floor(rate / 100)},${(rate % 100) / 10}`;
}

beforeAll(async () => {
  dir = await temporaryFolder("caisse-margin-");
  root = new CentralRoot(dir.path);
  await root.config(TILLS);
  generate();
  for (const till of ["D01", "D02"]) {
    const rows = LINES.filter((line) => line.till === till).map((line) =>
      [
        String(line.ticket),
        `${line.day} 10:00`,
        line.article,
        line.family,
        frenchQuantity(line.qty),
        frenchAmount(line.ttc),
        rateText(line.rate),
      ].join(";"),
    );
    await root.put(
      `tills/${till}/ventes.csv`,
      `ticket;date;article;famille;quantite;montant_ttc;taux_tva\n${rows.join("\n")}\n`,
    );
  }
  await writeCatalogue(true);
});
afterAll(async () => dir.remove());

async function writeCatalogue(withPrices: boolean, extra: readonly string[] = []): Promise<void> {
  const articles = ["A1", "A2", "A3", "A4", "A5"].map((article) => {
    const price = PRICES[article];
    const cost = withPrices && price !== undefined ? frenchAmount(price) : "";
    return `${article};Article ${article};${familyOf(article, "D01")};${frenchAmount(UNIT_TTC[article] ?? 0)};${rateText(RATE[article] ?? 0)};${cost}`;
  });
  await root.put(
    "catalog/articles.csv",
    `article;libelle;famille;prix_ttc;taux_tva;prix_achat_ht\n${[...articles, ...extra].join("\n")}\n`,
  );
  await root.put(
    "catalog/familles.csv",
    "famille;libelle\nEPI;Epicerie\nBOI;Boissons\nFRA;Frais\nBAZ;Bazar\n",
  );
}

// The expected figures, computed apart: integer arithmetic, half away from zero.
function rounded(numerator: number, denominator: number): number {
  const size = Math.abs(numerator);
  const by = Math.abs(denominator);
  let quotient = Math.floor(size / by);
  if ((size % by) * 2 >= by) quotient++;
  return numerator < 0 !== denominator < 0 ? -quotient : quotient;
}

interface Expected {
  cost_ht: number | null;
  margin_ht: number | null;
  margin_rate: number | null;
}

/** HT rounded once per rate, cost once per set of lines; as euros the way JSON writes them. */
function expectedOf(lines: readonly Line[]): Expected {
  const ttcByRate = new Map<number, number>();
  let cost = 0;
  let unpriced = false;
  for (const line of lines) {
    ttcByRate.set(line.rate, (ttcByRate.get(line.rate) ?? 0) + line.ttc);
    const price = PRICES[line.article];
    if (price === undefined) unpriced = true;
    else cost += line.qty * price;
  }
  let ht = 0;
  for (const [rate, ttc] of ttcByRate) ht += rounded(ttc * 10000, 10000 + rate);
  if (unpriced) return { cost_ht: null, margin_ht: null, margin_rate: null };
  const costCents = rounded(cost, 1000);
  const margin = ht - costCents;
  return {
    cost_ht: costCents / 100,
    margin_ht: margin / 100,
    margin_rate: ht === 0 ? null : rounded(margin * 10000, ht) / 10000,
  };
}

type By = "till" | "family" | "article" | "day" | "week" | "month";
const KEY: Record<By, (line: Line) => string> = {
  till: (line) => line.till,
  family: (line) => line.family,
  article: (line) => line.article,
  day: (line) => line.day,
  week: (line) => isoWeekOf(`${line.day}T10:00:00` as LocalDateTime),
  month: (line) => line.day.slice(0, 7),
};

interface JsonFigures extends Partial<Expected> {
  byTill?: Record<string, Partial<Expected>>;
}
interface JsonReport {
  rows: (JsonFigures & { key: string })[];
  total: JsonFigures;
  warnings: string[];
}

function margin(figures: Partial<Expected>): Expected {
  return {
    cost_ht: figures.cost_ht ?? null,
    margin_ht: figures.margin_ht ?? null,
    margin_rate: figures.margin_rate ?? null,
  };
}

async function run(options: ReportOptions): Promise<{ text: string; stderr: string }> {
  const { ctx, output } = captureContext(dir.path, {}, () => NOW);
  const result = await runReport({ root: dir.path, format: "json", lang: "en", ...options }, ctx);
  return { text: result.text, stderr: output().stderr };
}

/** The report from the files and from the index: the same bytes, or the test fails. */
async function both(options: ReportOptions): Promise<string> {
  const files = await run({ ...options, index: false });
  const indexed = await run(options);
  expect(indexed.text).toBe(files.text);
  expect(indexed.stderr).toBe(files.stderr);
  return indexed.text;
}

const inRange = (from: string, to: string) => (line: Line) => line.day >= from && line.day <= to;

describe("gross margin: the figures, from the files and the index alike", () => {
  const PERIODS = [
    ["2026-11-02", "2026-11-15", "with rows lacking a price"],
    ["2026-11-06", "2026-11-11", "every article priced"],
  ] as const;
  for (const by of ["till", "family", "article", "day", "week", "month"] as const) {
    it.each(PERIODS)(`--by ${by} %s to %s (%s)`, async (from, to) => {
      const json = JSON.parse(await both({ by, from, to })) as JsonReport;
      const lines = LINES.filter(inRange(from, to));
      const keys = [...new Set(lines.map(KEY[by]))].sort();
      expect(json.rows.map((row) => row.key).sort()).toEqual(keys);
      for (const row of json.rows) {
        const own = lines.filter((line) => KEY[by](line) === row.key);
        expect(margin(row), `row ${row.key}`).toEqual(expectedOf(own));
        for (const till of by === "till" ? [] : ["D01", "D02"]) {
          expect(margin(row.byTill?.[till] ?? {}), `row ${row.key} at ${till}`).toEqual(
            expectedOf(own.filter((line) => line.till === till)),
          );
        }
      }
      expect(margin(json.total)).toEqual(expectedOf(lines));
      const lacking = json.rows.filter((row) => row.cost_ht === null).map((row) => row.key);
      const warning = json.warnings.find((text) => text.startsWith("margin unknown"));
      if (lacking.length === 0) {
        expect(json.total.cost_ht).not.toBeNull();
        expect(warning).toBeUndefined();
      } else {
        expect(warning).toBe(
          `margin unknown for ${lacking.length} of ${json.rows.length} ${json.rows.length === 1 ? "row" : "rows"} (${lacking.join(", ")}) and the total: 2 articles sold without a purchase price (prix_achat_ht) in catalog/articles.csv: A4, A6`,
        );
      }
    });
  }

  it("has the cases it must cover: returns, a fraction of a cent, a family per till", () => {
    expect(LINES.some((line) => line.qty < 0)).toBe(true);
    expect(LINES.some((line) => (line.qty * (PRICES[line.article] ?? 0)) % 1000 !== 0)).toBe(true);
    expect(LINES.some((line) => line.article === "A5" && line.till === "D02")).toBe(true);
    expect(LINES.some((line) => line.article === "A5" && line.till === "D01")).toBe(true);
  });

  it("exact figures of one row, written out: --by article A3, the 6th to the 11th", async () => {
    const json = JSON.parse(
      await both({ by: "article", from: "2026-11-06", to: "2026-11-11" }),
    ) as JsonReport;
    const row = json.rows.find((each) => each.key === "A3");
    const lines = LINES.filter(inRange("2026-11-06", "2026-11-11")).filter(
      (line) => line.article === "A3",
    );
    const qty = lines.reduce((sum, line) => sum + line.qty, 0);
    const ttc = lines.reduce((sum, line) => sum + line.ttc, 0);
    const ht = rounded(ttc * 10000, 10550);
    const cost = rounded(qty * 333, 1000);
    expect(row?.cost_ht).toBe(cost / 100);
    expect(row?.margin_ht).toBe((ht - cost) / 100);
  });

  it("--top and --compare: the remainder has its margin, the comparison its TTC", async () => {
    const json = JSON.parse(
      await both({
        by: "family",
        from: "2026-11-09",
        to: "2026-11-15",
        top: "1",
        compare: "previous",
      }),
    ) as JsonReport & { rows: { compare?: unknown }[] };
    const others = json.rows.find((row) => row.key === "(others)");
    const lines = LINES.filter(inRange("2026-11-09", "2026-11-15"));
    const kept = json.rows[0]?.key;
    expect(margin(others ?? {})).toEqual(expectedOf(lines.filter((line) => line.family !== kept)));
    expect(json.rows[0]?.compare).toBeDefined();
  });
});

describe("gross margin in every format", () => {
  const OPTIONS: ReportOptions = { by: "family", from: "2026-11-06", to: "2026-11-11" };

  function expectedFamily(family: string): Expected {
    return expectedOf(
      LINES.filter(inRange("2026-11-06", "2026-11-11")).filter((line) => line.family === family),
    );
  }

  it("CSV for people in French: its heads, and the figures as a spreadsheet reads them", async () => {
    const { text } = await run({ ...OPTIONS, format: "csv", lang: "fr" });
    const [head, ...rows] = text.replace("\uFEFF", "").split("\r\n");
    expect(head).toBe(
      "Famille;Libellé;CA TTC;HT;TVA;Tickets;Quantité;Panier moyen;Part;Coût HT;Marge HT;Taux de marge;Magasin 1 (D01);Magasin 2 (D02)",
    );
    const fra = expectedFamily("FRA");
    const row = rows.find((line) => line.startsWith("FRA;"))?.split(";") ?? [];
    expect(row[9]).toBe(frenchAmount(Math.round((fra.cost_ht ?? 0) * 100)));
    expect(row[10]).toBe(frenchAmount(Math.round((fra.margin_ht ?? 0) * 100)));
    expect(row[11]).toBe(`${((fra.margin_rate ?? 0) * 100).toFixed(2).replace(".", ",")}%`);
  });

  it("table, Markdown, HTML and csv-raw show the margin; --metrics chooses it", async () => {
    const fra = expectedFamily("FRA");
    const margin = Math.round((fra.margin_ht ?? 0) * 100);
    const english = `€${(margin / 100).toFixed(2)}`;
    for (const format of ["table", "md", "html"] as const) {
      const { text } = await run({ ...OPTIONS, format, lang: "en" });
      expect(text, format).toContain("Margin HT");
      expect(text, format).toContain("Margin rate");
      expect(text, format).toContain(english);
    }
    const raw = (await run({ ...OPTIONS, format: "csv-raw" })).text.split("\r\n");
    expect(raw[0]).toBe(
      "key,label,ttc,ht,vat,tickets,quantity,avg_basket,share,cost_ht,margin_ht,margin_rate,ttc_D01,ttc_D02",
    );
    const cells = raw.find((line) => line.startsWith("FRA,"))?.split(",") ?? [];
    expect(cells[10]).toBe((margin / 100).toFixed(2));
    const chosen = await run({ ...OPTIONS, format: "csv", lang: "fr", metrics: "ttc,margin_rate" });
    expect(chosen.text.split("\r\n")[0]).toBe("\uFEFFFamille;Libellé;CA TTC;Taux de marge");
  });

  it("--by hour, vat or payment: the margin columns are refused, said clearly", async () => {
    for (const by of ["hour", "vat", "payment"]) {
      const { ctx, output } = captureContext(dir.path, {}, () => NOW);
      const code = await main(
        ["--root", dir.path, "report", "--by", by, "--metrics", "ttc,margin_ht"],
        ctx,
      );
      expect(code, by).toBe(2);
      expect(output().stderr).toContain(
        `E_USAGE: --metrics margin_ht: the margin is not available with --by ${by}`,
      );
      // Without asking: no margin at all, no warning about it.
      const json = JSON.parse((await run({ by })).text) as JsonReport;
      expect(json.total.cost_ht).toBeUndefined();
      expect(json.warnings.join("\n")).not.toContain("margin");
    }
  });
});

describe("gross margin: none without purchase prices", () => {
  it("no price in the catalogue, or no catalogue: no margin key, no column, no warning", async () => {
    const withPrices = (await both({ by: "family" })).length;
    await writeCatalogue(false);
    try {
      const json = JSON.parse(await both({ by: "family" })) as JsonReport;
      expect(json.total.cost_ht).toBeUndefined();
      expect(json.rows.every((row) => !("margin_ht" in row))).toBe(true);
      expect(json.warnings).toEqual([]);
      const table = (await run({ by: "family", format: "table" })).text;
      expect(table).not.toContain("Margin");
      expect(withPrices).toBeGreaterThan(0);
      // Asked for all the same: empty columns, and why.
      const asked = JSON.parse(
        (await run({ by: "family", metrics: "ttc,margin_ht" })).text,
      ) as JsonReport;
      expect(asked.warnings).toEqual([
        "no purchase price (prix_achat_ht) in catalog/articles.csv: the margin columns are empty",
      ]);
      await rm(`${dir.path}/catalog`, { recursive: true });
      const none = JSON.parse(await both({ by: "till" })) as JsonReport;
      expect(none.total.cost_ht).toBeUndefined();
      expect(none.warnings).toEqual([]);
    } finally {
      await writeCatalogue(true);
    }
  });
});

describe("gross margin: the catalogue's own problems", () => {
  it("an invalid catalogue row is warned about once, with --by article too", async () => {
    // Line 7: a purchase price with three decimals; the row is left out, A7 has no price.
    await writeCatalogue(true, ["A7;Article A7;EPI;1,00;5,5;0,125"]);
    try {
      for (const by of ["family", "article", "till"] as const) {
        const json = JSON.parse(
          await both({ by, from: "2026-11-06", to: "2026-11-11" }),
        ) as JsonReport;
        const about = json.warnings.filter((text) => text.startsWith("catalog articles.csv"));
        expect(about, by).toHaveLength(1);
        expect(about[0]).toMatch(/^catalog articles\.csv line 7: invalid amount '0,125'/u);
      }
      // Without a margin (--by hour), the catalogue's prices are not read: no such warning.
      const hour = JSON.parse(
        await both({ by: "hour", from: "2026-11-06", to: "2026-11-11" }),
      ) as JsonReport;
      expect(hour.warnings).toEqual([]);
    } finally {
      await writeCatalogue(true);
    }
  });
});

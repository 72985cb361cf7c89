import iconv from "iconv-lite";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";

/**
 * The whole chain with the built CLIs, as users run them: three tills' `caisse-export run` to a
 * `dir` transport, `caisse-central fetch`, then `report --format json`. The expected figures are
 * computed here, independently, from the generated rows.
 */

interface Line {
  till: string;
  ticket: string;
  /** YYYY-MM-DD */
  day: string;
  time: string;
  article: string;
  family: string;
  /** Thousandths. */
  quantity: number;
  cents: number;
  /** Tenths of a percent: 55 is 5,5 %. */
  rateTenths: number;
}

const TILLS = [
  { ref: "D01", name: "Magasin 1" },
  { ref: "D02", name: "Magasin 2" },
  { ref: "D03", name: "Magasin 3" },
] as const;

const ARTICLES = [
  { article: "EPI001", family: "EPI", label: "Café moulu 250 g", price: 389, rateTenths: 55 },
  { article: "EPI002", family: "EPI", label: "Pâté d’Ardenne", price: 455, rateTenths: 55 },
  { article: "BOI001", family: "BOI", label: "Vin rouge, AOC", price: 1290, rateTenths: 200 },
  { article: "BOI002", family: "BOI", label: "Jus de pomme", price: 310, rateTenths: 55 },
  { article: "TRA001", family: "TRA", label: "Bœuf bourguignon", price: 1150, rateTenths: 100 },
  { article: "DRO001", family: "DRO", label: "Lessive 2 L", price: 799, rateTenths: 200 },
  { article: "FRA001", family: "FRA", label: "Comté (kg)", price: 2190, rateTenths: 55 },
] as const;

/** A small seeded generator, so that every run tests the same data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(till: string, seed: number): Line[] {
  const next = random(seed);
  const lines: Line[] = [];
  let ticket = 1000;
  for (let day = 2; day <= 28; day += 1) {
    const date = `2026-11-${String(day).padStart(2, "0")}`;
    for (let t = 0; t < 8 + Math.floor(next() * 8); t += 1) {
      ticket += 1;
      const hour = 8 + Math.floor(next() * 11);
      for (let l = 0; l < 1 + Math.floor(next() * 4); l += 1) {
        const article = ARTICLES[Math.floor(next() * ARTICLES.length)] ?? ARTICLES[0];
        const weighed = article.article === "FRA001";
        const quantity = weighed
          ? 100 + Math.floor(next() * 900)
          : 1000 * (1 + Math.floor(next() * 3));
        const refund = next() < 0.03 ? -1 : 1;
        const raw = Math.round((article.price * quantity) / 1000);
        const discount = next() < 0.1 ? Math.floor(raw / 10) : 0;
        lines.push({
          till,
          ticket: String(ticket),
          day: date,
          time: `${String(hour).padStart(2, "0")}:${String(Math.floor(next() * 60)).padStart(2, "0")}:00`,
          article: article.article,
          family: article.family,
          quantity: refund * quantity,
          cents: refund * (raw - discount) + (next() < 0.02 ? 123_456 : 0),
          rateTenths: article.rateTenths,
        });
      }
    }
  }
  return lines;
}

const label = (article: string): string => ARTICLES.find((a) => a.article === article)?.label ?? "";
const decimal = (value: number, decimals: number, point: string, group = ""): string => {
  const sign = value < 0 ? "-" : "";
  const digits = String(Math.abs(value)).padStart(decimals + 1, "0");
  const whole = digits.slice(0, -decimals).replace(/\B(?=(\d{3})+(?!\d))/gu, group);
  return `${sign}${whole}${point}${digits.slice(-decimals)}`;
};
const rate = (tenths: number, point: string): string =>
  tenths % 10 === 0 ? String(tenths / 10) : `${Math.floor(tenths / 10)}${point}${tenths % 10}`;

/** D01: Windows-1252, `;`, CRLF, French headers, decimal comma. */
function d01(lines: Line[]): Buffer {
  const rows = ["Ticket;Date;Article;Famille;Libellé;Quantité;Montant TTC;Taux TVA"];
  for (const l of lines) {
    rows.push(
      [
        l.ticket,
        `${l.day} ${l.time}`,
        l.article,
        l.family,
        label(l.article),
        decimal(l.quantity, 3, ","),
        decimal(l.cents, 2, ","),
        rate(l.rateTenths, ","),
      ].join(";"),
    );
  }
  rows.push("9999;2026-11-10 10:00:00;EPI001;EPI;Bad;1;12,505;5,5"); // invalid amount: left out
  return iconv.encode(`${rows.join("\r\n")}\r\n`, "windows-1252");
}

/** D02: UTF-8 with BOM, `,`, quoted labels, decimal point, ISO T dates. */
function d02(lines: Line[]): Buffer {
  const rows = ["ticket,date,article,famille,libelle,quantite,montant_ttc,taux_tva"];
  for (const l of lines) {
    rows.push(
      [
        l.ticket,
        `${l.day}T${l.time}`,
        l.article,
        l.family,
        `"${label(l.article)}"`,
        decimal(l.quantity, 3, "."),
        decimal(l.cents, 2, "."),
        rate(l.rateTenths, "."),
      ].join(","),
    );
  }
  return Buffer.from(`\uFEFF${rows.join("\r\n")}\r\n`, "utf8");
}

/** D03: UTF-8, LF, columns in another order, DD/MM/YYYY HH:MM, thousands spaces. */
function d03(lines: Line[]): Buffer {
  const rows = ["MONTANT-TTC;TAUX-TVA;DATE;TICKET;ARTICLE;FAMILLE;QUANTITE"];
  for (const l of lines) {
    const [y, m, d] = l.day.split("-");
    rows.push(
      [
        decimal(l.cents, 2, ",", "\u00A0"),
        rate(l.rateTenths, ","),
        `${d}/${m}/${y} ${l.time.slice(0, 5)}`,
        l.ticket,
        l.article,
        l.family,
        decimal(l.quantity, 3, ","),
      ].join(";"),
    );
  }
  return Buffer.from(`${rows.join("\n")}\n`, "utf8");
}

/** HT of one rate's TTC: TTC x 1000 / (1000 + rate in tenths), halves away from zero. */
function ht(cents: number, rateTenths: number): number {
  const numerator = cents * 1000;
  const denominator = 1000 + rateTenths;
  const magnitude = Math.floor((Math.abs(numerator) * 2 + denominator) / (denominator * 2));
  return Math.sign(numerator) * magnitude;
}

interface Expected {
  ttc: number;
  ht: number;
  tickets: number;
  quantity: number;
}

function expectedFigures(lines: readonly Line[]): Expected {
  const byRate = new Map<number, number>();
  for (const l of lines) byRate.set(l.rateTenths, (byRate.get(l.rateTenths) ?? 0) + l.cents);
  return {
    ttc: lines.reduce((sum, l) => sum + l.cents, 0),
    ht: [...byRate].reduce((sum, [rateTenths, cents]) => sum + ht(cents, rateTenths), 0),
    tickets: new Set(lines.map((l) => `${l.till}/${l.ticket}`)).size,
    quantity: lines.reduce((sum, l) => sum + l.quantity, 0),
  };
}

function groupBy(lines: readonly Line[], key: (line: Line) => string): Map<string, Line[]> {
  const groups = new Map<string, Line[]>();
  for (const l of lines) groups.set(key(l), [...(groups.get(key(l)) ?? []), l]);
  return groups;
}

interface JsonFigures {
  ttc: number;
  ht: number;
  vat: number;
  tickets: number;
  quantity: number;
  avg_basket: number | null;
}
interface JsonReport {
  by: string;
  from: string;
  to: string;
  tills: { ref: string; name: string }[];
  rows: (JsonFigures & { key: string; byTill?: Record<string, JsonFigures> })[];
  total: JsonFigures;
  warnings: string[];
}

/** Compares in cents: JSON euros times 100, rounded only to undo binary noise. */
function cents(euros: number): number {
  return Math.round(euros * 100);
}

function expectFigures(actual: JsonFigures | undefined, expected: Expected): void {
  expect(actual).toBeDefined();
  if (actual === undefined) return;
  expect(cents(actual.ttc)).toBe(expected.ttc);
  expect(cents(actual.ht)).toBe(expected.ht);
  expect(cents(actual.vat)).toBe(expected.ttc - expected.ht);
  expect(actual.tickets).toBe(expected.tickets);
  expect(Math.round(actual.quantity * 1000)).toBe(expected.quantity);
  const basket =
    Math.sign(expected.ttc) *
    Math.floor((Math.abs(expected.ttc) * 2 + expected.tickets) / (expected.tickets * 2));
  expect(actual.avg_basket === null ? null : cents(actual.avg_basket)).toBe(basket);
}

let work: { path: string; remove: () => Promise<void> };
let root: string;
const all: Line[] = [];

async function central(
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runBin(BIN.central, ["--root", root, ...argv], { cwd: work.path });
}

async function report(by: string): Promise<JsonReport> {
  const result = await central("report", "--by", by, "--format", "json");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as JsonReport;
}

beforeAll(async () => {
  work = await temporaryFolder("caisse-chain-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  const writers = [d01, d02, d03];
  for (const [index, till] of TILLS.entries()) {
    expect((await central("tills", "add", till.ref, "--name", till.name)).code).toBe(0);
    const lines = generate(till.ref, 42 + index);
    all.push(...lines);
    const folder = join(work.path, till.ref);
    await mkdir(join(folder, "donnees", "2026"), { recursive: true });
    await writeFile(
      join(folder, "donnees", "2026", "VENTES-novembre.csv"),
      writers[index]?.(lines) ?? "",
    );
    await writeFile(
      join(folder, "caisse-export.json"),
      JSON.stringify({
        till: till.ref,
        name: till.name,
        data: "donnees",
        transport: { type: "dir", path: join(root, "inbox") },
      }),
    );
    const exported = await runBin(
      BIN.export,
      ["run", "--config", join(folder, "caisse-export.json")],
      { cwd: folder },
    );
    expect(exported.stderr).not.toContain("error");
    expect(exported.code).toBe(0);
  }
  expect(await readdir(join(root, "inbox"))).toHaveLength(3);
  const fetched = await central("fetch");
  expect(fetched.stdout).toContain("3 imported, 0 already imported, 0 rejected, 0 failed");
  expect(fetched.code).toBe(0);
  expect(await readdir(join(root, "inbox"))).toEqual([]);
}, 120_000);

afterAll(async () => work.remove());

describe("till archive -> drop folder -> central import -> comparative report", () => {
  it("--by till: every store's figures, to the cent", async () => {
    const json = await report("till");
    // Each till's last sale from its lines; its archive #1, imported just now.
    const lastSale = (ref: string): string | undefined =>
      all
        .filter((l) => l.till === ref)
        .map((l) => l.day)
        .sort()
        .at(-1);
    const imported = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/u;
    for (const till of json.tills as { last_archive?: unknown }[]) {
      expect(String(till.last_archive)).toMatch(imported);
    }
    expect(json.tills.map((till) => ({ ...till, last_archive: null }))).toEqual(
      TILLS.map((till) => ({
        ref: till.ref,
        name: till.name,
        last_sale: lastSale(till.ref),
        last_archive: null,
        sequence: 1,
      })),
    );
    expect(json.rows.map((row) => row.key)).toEqual(["D01", "D02", "D03"]);
    for (const till of TILLS) {
      expectFigures(
        json.rows.find((row) => row.key === till.ref),
        expectedFigures(all.filter((l) => l.till === till.ref)),
      );
    }
    expectFigures(json.total, expectedFigures(all));
    expect(json.from).toBe("2026-11-02");
    expect(json.to).toBe("2026-11-28");
    expect(json.warnings).toEqual([
      "D01 2026/VENTES-novembre.csv line " +
        String(all.filter((l) => l.till === "D01").length + 2) +
        ": invalid amount '12,505' in column montant_ttc (expected a decimal with at most 2 decimals, such as 1 234,50, -3.5, 92,68 €, €-92.68 or (3,00))",
    ]);
  });

  it("--by family: each family, and each store within it", async () => {
    const json = await report("family");
    const families = groupBy(all, (l) => l.family);
    expect(new Set(json.rows.map((row) => row.key))).toEqual(new Set(families.keys()));
    for (const [family, lines] of families) {
      const row = json.rows.find((candidate) => candidate.key === family);
      expectFigures(row, expectedFigures(lines));
      for (const till of TILLS) {
        const own = lines.filter((l) => l.till === till.ref);
        if (own.length > 0) expectFigures(row?.byTill?.[till.ref], expectedFigures(own));
      }
    }
    expectFigures(json.total, expectedFigures(all));
  });

  it("--by day: each day in order", async () => {
    const json = await report("day");
    const days = groupBy(all, (l) => l.day);
    expect(json.rows.map((row) => row.key)).toEqual([...days.keys()].sort());
    for (const [day, lines] of days)
      expectFigures(
        json.rows.find((row) => row.key === day),
        expectedFigures(lines),
      );
  });

  it("--period and --tills narrow the lines", async () => {
    const result = await central(
      "report",
      "--from",
      "10/11/2026",
      "--to",
      "2026-11-15",
      "--tills",
      "D02,D03",
      "--format",
      "json",
    );
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as JsonReport;
    const lines = all.filter(
      (l) => l.till !== "D01" && l.day >= "2026-11-10" && l.day <= "2026-11-15",
    );
    expectFigures(json.total, expectedFigures(lines));
    expect(json.rows.map((row) => row.key)).toEqual(["D02", "D03"]);
  });
});

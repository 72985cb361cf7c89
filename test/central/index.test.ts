import { DIMENSIONS, MARGIN_DIMENSIONS } from "@caisse/core";
import { runReport, type ReportOptions } from "../../packages/central/src/commands/report.js";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { historyTills, writeHistory } from "../helpers/sales-history.js";

/**
 * The report index gives the same reports as the files: on a generated history (three dialects,
 * ticket numbers starting again every day, returns, invalid rows, a backup copy of some tickets,
 * an unreadable file, a link), the JSON of every `--by`, with periods, comparisons, `--top` and
 * `--tills`, is byte for byte the JSON of `--no-index`; and the index is never used stale.
 */
let root: { path: string; remove: () => Promise<void> };
const NOW = new Date(2026, 4, 20, 12, 0, 0);
const TILLS = historyTills(4);
const INDEX = (): string => join(root.path, "index", "reports.sqlite");

beforeAll(async () => {
  root = await temporaryFolder("caisse-index-");
  await writeFile(join(root.path, "caisse-central.json"), JSON.stringify({ tills: TILLS }));
  await writeHistory(root.path, {
    seed: 20261130,
    tills: 4,
    start: "2025-01-01",
    days: 500,
    ticketsPerDay: 5,
    messy: true,
    monthly: true,
  });
});
afterAll(async () => root.remove());

async function report(options: ReportOptions): Promise<{ text: string; stderr: string }> {
  const { ctx, output } = captureContext(root.path, {}, () => NOW);
  const result = await runReport({ root: root.path, format: "json", ...options }, ctx);
  return { text: result.text, stderr: output().stderr };
}

/** The report with and without the index; fails unless they are the same bytes. */
async function both(options: ReportOptions): Promise<string> {
  const files = await report({ ...options, index: false });
  const indexed = await report(options);
  expect(indexed.text).toBe(files.text);
  expect(indexed.stderr).toBe(files.stderr);
  return indexed.text;
}

const VARIANTS: [string, ReportOptions][] = [
  ["the whole history", {}],
  ["a month", { period: "2026-03" }],
  ["--from --to", { from: "2025-02-10", to: "2025-11-03" }],
  ["--compare previous", { from: "2026-02-01", to: "2026-02-28", compare: "previous" }],
  ["--compare year", { from: "2026-01-05", to: "2026-03-17", compare: "year" }],
  ["--top 3", { from: "2025-06-01", to: "2026-01-31", top: "3" }],
  ["--top 2 --compare year", { period: "2026-04", top: "2", compare: "year" }],
  ["--tills D02,D03", { tills: "D03,D02", from: "2025-03-01" }],
  ["a period without data", { period: "2024-05" }],
];

describe("report index: the same JSON as the files", () => {
  for (const by of DIMENSIONS) {
    it.each(VARIANTS)(`--by ${by}, %s`, async (_name, options) => {
      const text = await both({ by, ...options });
      expect(text.length).toBeGreaterThan(100);
    });
  }
});

describe("report index: the generated data has what it must cover", () => {
  it("warnings of every kind, a --top remainder, and the index file", async () => {
    const json = JSON.parse(await both({ by: "family", period: "2025", top: "2" })) as {
      rows: { key: string; tickets: number }[];
      warnings: string[];
    };
    await stat(INDEX());
    const text = json.warnings.join("\n");
    expect(text).toContain("already in donnees/sauvegarde/ventes - Copie.csv; counted once");
    expect(text).toContain("D02 ventes-old.csv");
    expect(text).toContain("D02 ventes-link.csv: a symbolic link; file left out");
    expect(text).toMatch(/invalid/u);
    expect(json.rows.map((row) => row.key)).toContain("(others)");
  });
});

/**
 * With purchase prices in the central's catalogue, the margin of every dimension that has one:
 * every article priced (every figure has a margin), then one without a price (most rows lack it,
 * and the warning lists them).
 */
describe.each([
  ["every article priced", 40],
  ["A40 without a price", 39],
])("report index: the same margin as the files, %s", (_name, priced) => {
  beforeAll(async () => {
    await mkdir(join(root.path, "catalog"), { recursive: true });
    const rows = Array.from({ length: 40 }, (_, index) => {
      const cost =
        index < priced
          ? `${Math.floor((index * 37) / 100)},${String((index * 37) % 100).padStart(2, "0")}`
          : "";
      return `A${index + 1};Article ${index + 1};EPI;9,99;5,5;${cost}`;
    });
    await writeFile(
      join(root.path, "catalog", "articles.csv"),
      `article;libelle;famille;prix_ttc;taux_tva;prix_achat_ht\n${rows.join("\n")}\n`,
    );
  });
  afterAll(async () => rm(join(root.path, "catalog"), { recursive: true }));

  const SOME = VARIANTS.filter(([name]) =>
    ["the whole history", "a month", "--compare previous", "--top 3", "--tills D02,D03"].includes(
      name,
    ),
  );
  for (const by of MARGIN_DIMENSIONS) {
    it.each(SOME)(`--by ${by}, %s`, async (_variant, options) => {
      const json = JSON.parse(await both({ by, ...options })) as {
        rows: { margin_ht: number | null }[];
        warnings: string[];
      };
      const known = json.rows.filter((row) => row.margin_ht !== null).length;
      if (priced === 40) expect(known).toBe(json.rows.length);
      else expect(json.warnings.join("\n")).toContain("without a purchase price");
      expect(json.rows.every((row) => "margin_ht" in row)).toBe(true);
    });
  }
});

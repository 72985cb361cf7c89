// Deterministic till data for the benchmark and the memory test: one sales file and one payment
// file per till and per day, as tills that write a file a day do. A full year of 20 tills is
// about 5 million sales lines and 540 MB of sales CSV, the volume of docs/performance.md.
//
//   node bench/generate.mjs DIR [--tills 20] [--days 365] [--lines 685]
//
// The same arguments give the same bytes on every machine (a seeded generator per till).
import { Buffer } from "node:buffer";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mulberry32 } from "../scripts/seeded-random.mjs";

/** Sales lines per till and day for the volume: 5 million / 20 tills / 365 days. */
export const LINES_PER_DAY = 685;

const FAMILIES = ["EPI", "BOI", "FRA", "TRA", "DRO", "HYG", "BOU", "SUR", "LEG", "CRE"];
const WORDS = [
  "Café moulu pur arabica",
  "Pâté de campagne artisanal",
  "Vin rouge AOC Côtes-du-Rhône",
  "Jus de pomme pressé",
  "Bœuf bourguignon cuisiné",
  "Lessive liquide concentrée",
  "Comté AOP affiné 18 mois",
  "Baguette tradition",
  "Yaourt nature au lait entier",
  "Huile d'olive vierge extra",
];
const MODES = ["CB", "CB", "CB", "ESP", "CHQ", "TR"];
const RATES = { EPI: "5,5", BOI: "20", FRA: "5,5", TRA: "10", DRO: "20", HYG: "20", BOU: "5,5" };

const pad = (value, width) => String(value).padStart(width, "0");
const cents = (value) => `${Math.trunc(value / 100)},${pad(Math.abs(value) % 100, 2)}`;

/** The calendar day `index` (0 = 1 January 2025) as YYYY-MM-DD. */
export function dayOf(index) {
  return new Date(Date.UTC(2025, 0, 1 + index)).toISOString().slice(0, 10);
}

/** The two files of one till and day: [[path, content], [path, content]]. */
export function dayFiles(tillIndex, dayIndex, linesPerDay = LINES_PER_DAY) {
  const random = mulberry32(tillIndex * 100_003 + dayIndex * 7 + 1);
  const int = (min, max) => min + Math.floor(random() * (max - min + 1));
  const day = dayOf(dayIndex);
  const sales = ["ticket;date;article;famille;libelle;quantite;montant_ttc;taux_tva\r\n"];
  const payments = ["ticket;date;mode;montant\r\n"];
  let ticket = dayIndex * 10_000 + 1;
  for (let line = 0; line < linesPerDay;) {
    const count = Math.min(int(1, 6), linesPerDay - line);
    const time = `${day} ${pad(int(8, 19), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)}`;
    const number = pad(ticket, 8);
    let total = 0;
    for (let item = 0; item < count; item += 1) {
      const article = int(1, 2000);
      const family = FAMILIES[article % FAMILIES.length];
      const quantity = random() < 0.02 ? -1 : int(1, 4);
      const amount = quantity * int(99, 4999);
      total += amount;
      sales.push(
        `${number};${time};${family}${pad(article, 5)};${family};${WORDS[article % WORDS.length]} n°${article}, rayon ${family}-${article % 40};${quantity};${cents(amount)};${RATES[family] ?? "20"}\r\n`,
      );
    }
    payments.push(`${number};${time};${MODES[int(0, MODES.length - 1)]};${cents(total)}\r\n`);
    line += count;
    ticket += 1;
  }
  const [year, month] = day.split("-");
  return [
    [`ventes/${year}/${month}/ventes-${day}.csv`, sales.join("")],
    [`reglements/${year}/${month}/reglements-${day}.csv`, payments.join("")],
  ];
}

/** Till references: D01, D02... */
export function tillRef(index) {
  return `D${pad(index + 1, 2)}`;
}

/** Writes days [from, to) of till `tillIndex` under `dir`; returns the bytes written. */
export async function writeTillDays(dir, tillIndex, from, to, linesPerDay = LINES_PER_DAY) {
  let bytes = 0;
  const folders = new Set();
  for (let day = from; day < to; day += 1) {
    for (const [path, content] of dayFiles(tillIndex, day, linesPerDay)) {
      const target = join(dir, path);
      const folder = join(target, "..");
      if (!folders.has(folder)) {
        await mkdir(folder, { recursive: true });
        folders.add(folder);
      }
      await writeFile(target, content);
      bytes += Buffer.byteLength(content);
    }
  }
  return bytes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = (await import("node:util")).parseArgs({
    allowPositionals: true,
    options: {
      tills: { type: "string", default: "20" },
      days: { type: "string", default: "365" },
      lines: { type: "string", default: String(LINES_PER_DAY) },
    },
  });
  const out = positionals[0];
  if (out === undefined)
    throw new Error("usage: node bench/generate.mjs DIR [--tills N] [--days N]");
  let total = 0;
  for (let till = 0; till < Number(values.tills); till += 1) {
    total += await writeTillDays(
      join(out, tillRef(till)),
      till,
      0,
      Number(values.days),
      Number(values.lines),
    );
  }
  console.log(`${(total / 1e6).toFixed(1)} MB written under ${out}`);
}

import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { seeded as random } from "./centralRoot.js";

/**
 * Generated till data for report tests and measurements, the same for a given seed: sales and
 * payment files in three CSV dialects (one per till, in turn), ticket numbers that start again
 * every day, returns (negative lines), invalid rows, a backup copy of some tickets in a
 * subfolder, label files, and optionally an unreadable file and a link named like a till file.
 */

export interface HistoryOptions {
  seed: number;
  tills: number;
  /** The first day, `YYYY-MM-DD`, and how many days follow. */
  start: string;
  days: number;
  /** Tickets per till and day (at most). */
  ticketsPerDay: number;
  /** Add the messy parts: invalid rows, a backup copy, an unreadable file, a link. */
  messy: boolean;
  /** One sales file per month (true) or one per till (false). */
  monthly: boolean;
}

const FAMILIES = ["EPI", "BOI", "FRA", "HYG", "BAZ"];
const RATES = [550, 1000, 2000];
const MODES = ["CB", "cb", "ESP", " CB ", "CHQ", "TR"];

/** The till records of a generated history: D01, D02... with the third dialect's mapping. */
export function historyTills(count: number): {
  ref: string;
  name: string;
  path: string;
  enabled: boolean;
  columns?: Record<string, string>;
}[] {
  return Array.from({ length: count }, (_, index) => {
    const ref = `D${String(index + 1).padStart(2, "0")}`;
    const till = { ref, name: `Magasin ${index + 1}`, path: ref, enabled: true };
    return index % 3 === 2 ? { ...till, columns: { quantite: "Qte", montant_ttc: "Total" } } : till;
  });
}

/** One generated sales line. */
interface GeneratedLine {
  ticket: number;
  day: string;
  time: string;
  article: string;
  family: string;
  /** thousandths */
  quantity: number;
  cents: number;
  rate: number;
  label: string;
}

function addDays(day: string, count: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + count);
  return date.toISOString().slice(0, 10);
}

function decimal(value: number, scale: number, separator: string): string {
  const sign = value < 0 ? "-" : "";
  const absolute = Math.abs(value);
  const whole = Math.floor(absolute / scale);
  const part = String(absolute % scale).padStart(String(scale).length - 1, "0");
  return `${sign}${whole}${separator}${part}`;
}

/** The three dialects: how a till writes its files. */
const DIALECTS = [
  {
    // UTF-8 with a BOM, `;`, French dates, decimal commas, CRLF.
    header: "ticket;date;article;famille;quantite;montant_ttc;taux_tva;libelle",
    sep: ";",
    eol: "\r\n",
    bom: true,
    latin1: false,
    date: (line: { day: string; time: string }) =>
      `${line.day.slice(8, 10)}/${line.day.slice(5, 7)}/${line.day.slice(0, 4)} ${line.time}`,
    comma: ",",
    payments: "ticket;date;mode;montant",
  },
  {
    // Windows-1252, tabs, accented headers in another order.
    header: "Date\tTicket\tArticle\tFamille\tQuantité\tMontant TTC\tTaux TVA\tLibellé",
    sep: "\t",
    eol: "\r\n",
    bom: false,
    latin1: true,
    date: (line: { day: string; time: string }) => `${line.day} ${line.time}`,
    comma: ",",
    payments: "ticket\tdate\tmode\tmontant",
  },
  {
    // `,`, ISO dates, decimal points, the till's own column names (a mapping).
    header: "ticket,date,article,famille,Qte,Total,taux_tva,libelle",
    sep: ",",
    eol: "\n",
    bom: false,
    latin1: false,
    date: (line: { day: string; time: string }) => `${line.day}T${line.time}:00`,
    comma: ".",
    payments: "ticket,date,mode,montant",
  },
] as const;

function saleRow(dialect: (typeof DIALECTS)[number], line: GeneratedLine): string {
  const fields = {
    ticket: String(line.ticket),
    date: dialect.date(line),
    article: line.article,
    famille: line.family,
    quantite: decimal(line.quantity, 1000, dialect.comma),
    ttc: decimal(line.cents, 100, dialect.comma),
    rate: decimal(line.rate, 100, dialect.comma),
    label: line.label,
  };
  const rest = [
    fields.article,
    fields.famille,
    fields.quantite,
    fields.ttc,
    fields.rate,
    fields.label,
  ];
  // The tab dialect writes the date first.
  const ordered =
    dialect.sep === "\t"
      ? [fields.date, fields.ticket, ...rest]
      : [fields.ticket, fields.date, ...rest];
  return ordered.join(dialect.sep);
}

function fileText(dialect: (typeof DIALECTS)[number], header: string, rows: string[]): Buffer {
  const text =
    (dialect.bom ? "\uFEFF" : "") + [header, ...rows].map((row) => `${row}${dialect.eol}`).join("");
  return Buffer.from(text, dialect.latin1 ? "latin1" : "utf8");
}

/** The lines of one till, day after day; ticket numbers start from 1 every day. */
function linesOf(pick: (below: number) => number, options: HistoryOptions): GeneratedLine[] {
  const lines: GeneratedLine[] = [];
  for (let index = 0; index < options.days; index++) {
    const day = addDays(options.start, index);
    const tickets = 1 + pick(options.ticketsPerDay);
    for (let ticket = 1; ticket <= tickets; ticket++) {
      const hour = 8 + pick(12);
      const count = 1 + pick(4);
      for (let item = 0; item < count; item++) {
        const article = `A${1 + pick(40)}`;
        const number = Number(article.slice(1));
        const returned = pick(25) === 0;
        const units = 1 + pick(3);
        const price = 50 + ((number * 137) % 2000);
        lines.push({
          ticket,
          day,
          // The lines of a ticket a minute apart: one ticket, several times.
          time: `${String(hour).padStart(2, "0")}:${String(item * 3 + pick(3)).padStart(2, "0")}`,
          article,
          family: FAMILIES[number % FAMILIES.length] ?? "EPI",
          quantity: (returned ? -units : units) * 1000,
          cents: (returned ? -units : units) * price,
          rate: RATES[number % RATES.length] ?? 2000,
          label: pick(50) === 0 ? `Article ${number} (nouveau)` : `Article ${number}`,
        });
      }
    }
  }
  return lines;
}

async function put(path: string, content: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Writes a generated history below `<root>/tills/<ref>/`; returns the number of sales lines. */
export async function writeHistory(root: string, options: HistoryOptions): Promise<number> {
  const pick = random(options.seed);
  let total = 0;
  for (const [index, till] of historyTills(options.tills).entries()) {
    const dialect = DIALECTS[index % DIALECTS.length] ?? DIALECTS[0];
    const dir = join(root, "tills", till.path);
    const lines = linesOf(pick, options);
    total += lines.length;
    const byFile = new Map<string, string[]>();
    for (const line of lines) {
      const file = options.monthly ? `ventes-${line.day.slice(0, 7)}.csv` : "ventes.csv";
      let rows = byFile.get(file);
      if (rows === undefined) byFile.set(file, (rows = []));
      rows.push(saleRow(dialect, line));
      // Invalid rows: an amount with three decimals, a date that is no date.
      if (options.messy && pick(400) === 0)
        rows.push(
          saleRow(dialect, { ...line, cents: line.cents }).replace(
            dialect.date(line),
            "31/02/2026 25:00",
          ),
        );
      if (options.messy && pick(600) === 0) rows.push(`${line.ticket}${dialect.sep}garbage`);
    }
    for (const [file, rows] of byFile)
      await put(join(dir, "donnees", file), fileText(dialect, dialect.header, rows));
    // Payments: one or two modes per ticket.
    const payments: string[] = [];
    const tickets = new Map<string, { day: string; time: string; cents: number }>();
    for (const line of lines) {
      const key = `${line.day} ${line.ticket}`;
      const ticket = tickets.get(key) ?? { day: line.day, time: line.time, cents: 0 };
      ticket.cents += line.cents;
      tickets.set(key, ticket);
    }
    for (const [key, ticket] of tickets) {
      const number = key.split(" ")[1] ?? "0";
      const split = pick(5) === 0 ? Math.trunc(ticket.cents / 3) : 0;
      const mode = MODES[pick(MODES.length)] ?? "CB";
      const at = dialect.date(ticket);
      if (split !== 0)
        payments.push([number, at, "ESP", decimal(split, 100, dialect.comma)].join(dialect.sep));
      payments.push(
        [number, at, mode, decimal(ticket.cents - split, 100, dialect.comma)].join(dialect.sep),
      );
    }
    await put(join(dir, "reglements.csv"), fileText(dialect, dialect.payments, payments));
    await put(
      join(dir, "familles.csv"),
      fileText(
        DIALECTS[0],
        "famille;libelle",
        FAMILIES.map((family) => `${family};Famille ${family} ${till.ref}`),
      ),
    );
    await put(
      join(dir, "articles.csv"),
      fileText(
        DIALECTS[0],
        "article;libelle;famille;prix_ttc;taux_tva",
        Array.from(
          { length: 20 },
          (_, number) => `A${number + 1};Art ${number + 1} ${till.ref};EPI;1,00;5,5`,
        ),
      ),
    );
    if (!options.messy) continue;
    // A backup copy of every fifth day's tickets in a subfolder: counted once, and said.
    const backup = lines.filter((line) => Number(line.day.slice(8, 10)) % 5 === 0);
    await put(
      join(dir, "donnees", "sauvegarde", "ventes - Copie.csv"),
      fileText(
        dialect,
        dialect.header,
        backup.map((line) => saleRow(dialect, line)),
      ),
    );
    if (index === 1) {
      // Unreadable: a quote that never closes; left out whole.
      await put(
        join(dir, "ventes-old.csv"),
        `ticket;date;article;famille;quantite;montant_ttc;taux_tva\n900;${options.start} 10:00;A1;EPI;1;"5,00;5,5\n`,
      );
      await symlink("/etc/hostname", join(dir, "ventes-link.csv"));
    }
  }
  return total;
}

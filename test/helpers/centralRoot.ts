import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { appendJournal, type JournalRecord } from "../../packages/central/src/journal.js";

/** A till's row in a hand-written caisse-central.json. */
export interface TillRow {
  ref: string;
  name: string;
  path: string;
  enabled: boolean;
}

/** One sales line of a generated ventes.csv: ISO day and time, amount in cents. */
export interface SaleRow {
  ticket: string;
  day: string;
  time?: string;
  article: string;
  family: string;
  quantity: number;
  cents: number;
  /** VAT rate in percent, as written: `5,5`, `20`. */
  rate: string;
  label?: string;
}

/** One line of article A1 (family EPI), quantity 1, at 20 % unless said. */
export function simpleSale(ticket: string, day: string, cents: number, rate = "20"): SaleRow {
  return { ticket, day, article: "A1", family: "EPI", quantity: 1, cents, rate };
}

/** Cents as a French amount: `-12,05`. */
export function frenchAmount(cents: number): string {
  const size = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}${Math.floor(size / 100)},${String(size % 100).padStart(2, "0")}`;
}

/** A French ventes.csv (`;`, decimal commas, ISO dates) with a libelle column. */
export function salesCsv(rows: readonly SaleRow[]): string {
  const lines = rows.map((row) =>
    [
      row.ticket,
      `${row.day} ${row.time ?? "10:00"}`,
      row.article,
      row.family,
      String(row.quantity),
      frenchAmount(row.cents),
      row.rate,
      row.label ?? "",
    ].join(";"),
  );
  return `ticket;date;article;famille;quantite;montant_ttc;taux_tva;libelle\n${lines.map((line) => `${line}\n`).join("")}`;
}

/** A central root written by hand: the config, files, journal entries. */
export class CentralRoot {
  constructor(readonly path: string) {}

  async put(relative: string, content: string | Buffer): Promise<void> {
    const path = join(this.path, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }

  async config(tills: readonly TillRow[], extra: Record<string, unknown> = {}): Promise<void> {
    await this.put("caisse-central.json", JSON.stringify({ tills, ...extra }, null, 2));
  }

  /** Appends a journal entry; what is not given is that of an accepted archive without gap. */
  async journal(record: Partial<JournalRecord> & { time: string; till: string }): Promise<void> {
    await appendJournal(join(this.path, "journal.jsonl"), {
      source: "inbox",
      file: `${record.till}-${record.sequence ?? 0}.zip`,
      sequence: null,
      sha256: `${record.till}:${record.sequence ?? 0}:${record.time}`,
      size: 1000,
      outcome: "accepted",
      code: null,
      reason: null,
      stored: null,
      gap: null,
      manifest: null,
      ...record,
    });
  }
}

/** A small deterministic generator (mulberry32), so that every run sees the same data. */
export function seeded(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

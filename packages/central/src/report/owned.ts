import { counted, dateOf, type LocalDate, type RowOf, type WalkedFile } from "@caisse/core";
import { readWhole, type FileIssues } from "./fileRows.js";
import { PackedTickets } from "./packedTickets.js";
import type { DataKind, Place } from "./place.js";

/**
 * What one till's data files have shown so far: which file first gave each ticket of the ranges
 * (so that a copy of it in another file is left out), and how many rows were read and left out
 * (for the incomplete mark). Memory grows with the tickets, not with the lines.
 *
 * A ticket is (ticket number, day) within one till: the day, not the full time, because the lines
 * of one ticket may carry different times (each item as it was scanned) and a file written again
 * may round them; the day, not the number alone, because a till that restarts its numbering gives
 * old numbers to new sales, which are not copies. See docs/reports.md#duplicate-tickets.
 */
export interface TillFiles {
  /**
   * Day -> ticket number -> index in `files` of the file the ticket is counted from: the tickets
   * not packed yet (of the file being read, or loaded by the caller).
   */
  owners: Map<string, Map<string, number>>;
  /** Day -> the tickets of the files read before, packed once each file is read. */
  packed: Map<string, PackedTickets>;
  /**
   * Whether a file's tickets are packed once it is read; false where `owners` holds them itself
   * and loads what it needs again (the report index's upkeep, reportIndex/owners.ts).
   */
  pack: boolean;
  /** The data files read, in reading order. */
  files: string[];
  rows: number;
  invalid: number;
  filesLeftOut: number;
  /** The first and last dates of the rows of the files read whole, whatever the range. */
  first: LocalDate | undefined;
  last: LocalDate | undefined;
}

export function newTillFiles(): TillFiles {
  return {
    owners: new Map(),
    packed: new Map(),
    pack: true,
    files: [],
    rows: 0,
    invalid: 0,
    filesLeftOut: 0,
    first: undefined,
    last: undefined,
  };
}

/** Packs the tickets not packed yet (see PackedTickets): a file's, once it is read. */
function packOwners(seen: TillFiles): void {
  if (!seen.pack) return;
  for (const [day, tickets] of seen.owners) {
    if (tickets.size > 0) {
      seen.packed.set(day, (seen.packed.get(day) ?? PackedTickets.EMPTY).with(tickets));
    }
  }
  seen.owners.clear();
}

/** The tickets of one day, created on first use. */
function ticketsOf(seen: TillFiles, day: string): Map<string, number> {
  let tickets = seen.owners.get(day);
  if (tickets === undefined) {
    tickets = new Map();
    seen.owners.set(day, tickets);
  }
  return tickets;
}

/**
 * One warning per earlier file that already gave tickets of `file`; `perOwner`: index of the
 * earlier file in `files` -> tickets.
 */
export function duplicateWarnings(
  owner: string,
  file: string,
  files: readonly string[],
  perOwner: ReadonlyMap<number, number>,
): string[] {
  return [...perOwner]
    .sort(([a], [b]) => a - b)
    .map(
      ([index, count]) =>
        `${owner}: ${counted(count, "ticket")} of ${file} already in ${files[index] ?? "?"}; counted once`,
    );
}

/** What is done with the rows of a data file (see `readOwnedRows`). */
export interface RowSink<K extends DataKind> {
  /** Whether the rows of this date are looked at: those of the reported and compared ranges. */
  inScope(date: LocalDate): boolean;
  /** A row of a ticket that this file is the first to give. */
  take(row: RowOf[K], date: LocalDate): void;
  /** A ticket of `date` that the earlier file `owner` (its index in `TillFiles.files`) gave. */
  duplicate(owner: number, date: LocalDate): void;
}

/**
 * Reads one data file of a till, giving `sink` the rows of the dates in scope whose ticket no
 * earlier file of the till gave; a ticket an earlier file gave is told to `sink.duplicate` once.
 * Returns the file's invalid rows, or undefined when the file was left out whole: the caller
 * then drops what the sink gathered. The lines of a ticket usually follow each other: the ticket
 * is looked up once per run of lines, which keeps this path fast.
 */
export async function readOwnedRows<K extends DataKind>(
  place: Place,
  file: WalkedFile,
  kind: K,
  seen: TillFiles,
  warnings: string[],
  sink: RowSink<K>,
): Promise<FileIssues | undefined> {
  const index = seen.files.push(file.relative) - 1;
  /** `day NUL ticket` of the duplicate tickets, each counted once per earlier file. */
  const duplicates = new Set<string>();
  let rows = 0;
  let lastTicket: string | undefined;
  let lastDay: string | undefined;
  let lastOwner = index;
  let first: LocalDate | undefined;
  let last: LocalDate | undefined;
  const issues = await readWhole(
    place,
    file,
    kind,
    (row) => {
      rows++;
      const date = dateOf(row.at);
      if (first === undefined || date < first) first = date;
      if (last === undefined || date > last) last = date;
      if (!sink.inScope(date)) return;
      if (row.ticket !== lastTicket || date !== lastDay) {
        lastTicket = row.ticket;
        lastDay = date;
        const tickets = ticketsOf(seen, date);
        const owner = tickets.get(row.ticket) ?? seen.packed.get(date)?.fileOf(row.ticket);
        if (owner === undefined) tickets.set(row.ticket, index);
        lastOwner = owner ?? index;
        const key = `${date}\u0000${row.ticket}`;
        if (lastOwner !== index && !duplicates.has(key)) {
          duplicates.add(key);
          sink.duplicate(lastOwner, date);
        }
      }
      if (lastOwner === index) sink.take(row, date);
    },
    warnings,
  );
  if (issues === undefined) {
    // Left out whole: the tickets it gave are not counted from it.
    for (const tickets of seen.owners.values()) {
      for (const [ticket, owner] of tickets) if (owner === index) tickets.delete(ticket);
    }
    seen.filesLeftOut++;
    packOwners(seen);
    return undefined;
  }
  packOwners(seen);
  seen.rows += rows + issues.count;
  seen.invalid += issues.count;
  if (first !== undefined && (seen.first === undefined || first < seen.first)) seen.first = first;
  if (last !== undefined && (seen.last === undefined || last > seen.last)) seen.last = last;
  return issues;
}

/** A till whose invalid rows are more than this share of its rows, in basis points, is incomplete. */
export const INCOMPLETE_SHARE_BP = 100;

/**
 * The warning that marks a till's figures as incomplete, or undefined when they are not: more
 * than INCOMPLETE_SHARE_BP of its rows were invalid, or a file was left out whole.
 */
export function incompleteWarning(owner: string, seen: TillFiles): string | undefined {
  const tooMany = seen.invalid * 10000 > seen.rows * INCOMPLETE_SHARE_BP;
  if (!tooMany && seen.filesLeftOut === 0) return undefined;
  const parts: string[] = [];
  if (seen.invalid > 0) {
    const percent = ((seen.invalid * 100) / seen.rows).toFixed(2);
    parts.push(`${seen.invalid} of ${seen.rows} rows invalid (${percent} %)`);
  }
  if (seen.filesLeftOut > 0) parts.push(`${counted(seen.filesLeftOut, "file")} left out whole`);
  return `${owner}: incomplete figures: ${parts.join(", ")}; see the warnings above`;
}

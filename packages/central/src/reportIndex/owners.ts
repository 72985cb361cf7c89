import type { DatabaseSync, StatementSync } from "node:sqlite";
import { forEachTicket } from "./tickets.js";

/**
 * Days of ticket owners kept in memory between two files: past this, they are dropped when the
 * next file begins, and read again from the index should a later file need them.
 */
const KEPT_DAYS = 64;

/**
 * The owners of a till's tickets while some of its data files are (read and) written again, in
 * place of `TillFiles.owners` (day -> ticket -> index of the file it is counted from): a day is
 * read from the index's ticket lists of the totals (table `tlist`, key '') when the file being
 * read first looks at it, with only the files before that one. That is right because, when a
 * file is read, the index holds the rows of exactly the files before it that count: those kept,
 * and those read again in this pass (each written before the next is read, its old rows deleted
 * first; a file left out whole has none). So memory grows with the days the files read touch,
 * not with the till's history, and a day's tickets come only from the files that gave them.
 */
export class IndexedOwners extends Map<string, Map<string, number>> {
  /** Day -> the index below which the files' tickets of that day are loaded. */
  private readonly loadedBelow = new Map<string, number>();
  /** The index of the file read at the last look. */
  private reading = -1;
  private readonly select: StatementSync;

  /**
   * @param files the names of the files read so far, the last one being read (`TillFiles.files`).
   */
  constructor(
    db: DatabaseSync,
    private readonly dim: string,
    private readonly till: string,
    private readonly files: readonly string[],
  ) {
    super();
    this.select = db.prepare(
      `SELECT file, list FROM tlist WHERE dim = ? AND till = ? AND key = '' AND day = ?
       AND file >= ? AND file < ? ORDER BY file`,
    );
  }

  override get(day: string): Map<string, number> {
    const index = this.files.length - 1;
    if (index !== this.reading) {
      this.reading = index;
      if (this.size > KEPT_DAYS) {
        this.clear();
        this.loadedBelow.clear();
      }
    }
    let tickets = super.get(day);
    if (tickets === undefined) {
      tickets = new Map();
      super.set(day, tickets);
    }
    const from = this.loadedBelow.get(day) ?? 0;
    if (from < index) {
      const owners = tickets;
      for (const row of this.select.all(this.dim, this.till, day, from, index)) {
        const file = Number(row.file);
        forEachTicket(row.list, (ticket) => {
          if (!owners.has(ticket)) owners.set(ticket, file);
        });
      }
      this.loadedBelow.set(day, index);
    }
    return tickets;
  }
}

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { DataKind } from "../report/collect.js";
import { SEP, type FileSums } from "./fileSums.js";
import { encodeTickets } from "./tickets.js";

/** Writing a data file's sums (fileSums.ts) into the report index's tables, many rows a statement. */

/** Rows per INSERT statement: one statement for many rows costs far less than one per row. */
const BATCH_ROWS = 64;

/**
 * Inserts rows into one table, BATCH_ROWS at a time (multi-row VALUES); `flush` writes the rest.
 */
class Inserter {
  private readonly values: (string | number | null | Uint8Array)[] = [];
  /**
   * The statements by their number of rows, prepared once: a statement prepared per flush holds
   * SQLite memory, outside V8's heap, until the garbage collector finalises it.
   */
  private readonly statements = new Map<number, StatementSync>();

  constructor(
    private readonly db: DatabaseSync,
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {}

  private statement(rows: number): StatementSync {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      const row = `(${this.columns.map(() => "?").join(", ")})`;
      statement = this.db.prepare(
        `INSERT INTO ${this.table} (${this.columns.join(", ")}) VALUES ${Array.from({ length: rows }, () => row).join(", ")}`,
      );
      this.statements.set(rows, statement);
    }
    return statement;
  }

  add(...row: (string | number | null | Uint8Array)[]): void {
    for (const value of row) this.values.push(value);
    if (this.values.length === BATCH_ROWS * this.columns.length) {
      this.statement(BATCH_ROWS).run(...this.values);
      this.values.length = 0;
    }
  }

  flush(): void {
    if (this.values.length === 0) return;
    this.statement(this.values.length / this.columns.length).run(...this.values);
    this.values.length = 0;
  }
}

/** What writes a till's rows. */
export interface Writers {
  cell: Inserter;
  tix: Inserter;
  tlist: Inserter;
  margin: Inserter;
  seen: Inserter;
  dup: Inserter;
  file: StatementSync;
}

export function writersOf(db: DatabaseSync): Writers {
  return {
    cell: new Inserter(db, "cell", ["dim", "till", "day", "key", "rate", "file", "ttc", "qty"]),
    tix: new Inserter(db, "tix", ["dim", "till", "day", "key", "file", "tickets"]),
    tlist: new Inserter(db, "tlist", ["dim", "till", "day", "key", "file", "list"]),
    margin: new Inserter(db, "margin", ["till", "day", "family", "article", "file", "qty", "ttc"]),
    seen: new Inserter(db, "seen", ["till", "day", "article", "file", "at", "label"]),
    dup: new Inserter(db, "dup", ["till", "kind", "idx", "owner", "day", "count"]),
    file: db.prepare(
      `INSERT INTO file (till, kind, idx, name, sha256, warnings, whole, rows, invalid, first, last)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

/** Writes the sums of a file read whole. */
export function writeSums(
  w: Writers,
  till: string,
  kind: DataKind,
  index: number,
  sums: FileSums,
): void {
  for (const [day, dims] of sums.days) {
    for (const [dim, keys] of dims) {
      // How many keys of its dimension each ticket has that day: a ticket whose keys are all
      // among the rows a report keeps is not in the remainder of --top.
      const keysPerTicket = new Map<string, number>();
      for (const group of keys.values()) {
        for (const ticket of group.tickets) {
          keysPerTicket.set(ticket, (keysPerTicket.get(ticket) ?? 0) + 1);
        }
      }
      for (const [key, group] of keys) {
        for (const [rate, [ttc, qty]] of group.rates) {
          w.cell.add(dim, till, day, key, rate, index, ttc, qty);
        }
        w.tix.add(dim, till, day, key, index, group.tickets.size);
        const list = encodeTickets(group.tickets, (ticket) => keysPerTicket.get(ticket) ?? 1);
        w.tlist.add(dim, till, day, key, index, list);
      }
    }
  }
  for (const [margin, [qty, ttc]] of sums.margins) {
    const [day = "", family = "", article = ""] = margin.split(SEP);
    w.margin.add(till, day, family, article, index, qty, ttc);
  }
  for (const [seen, { at, label }] of sums.labels) {
    const [day = "", article = ""] = seen.split(SEP);
    w.seen.add(till, day, article, index, at, label);
  }
  for (const [duplicate, count] of sums.duplicates) {
    const [owner = "", day = ""] = duplicate.split(SEP);
    w.dup.add(till, kind, index, Number(owner), day, count);
  }
  for (const inserter of [w.cell, w.tix, w.tlist, w.margin, w.seen, w.dup]) inserter.flush();
}

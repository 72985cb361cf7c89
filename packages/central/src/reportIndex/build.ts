import {
  CaisseError,
  hourOf,
  paymentModeKey,
  rateKey,
  sameFolder,
  type FileKind,
  type Payment,
  type SaleLine,
  type WalkedFile,
} from "@caisse/core";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import {
  filesOf,
  incompleteWarning,
  newTillFiles,
  readLabels,
  readOwnedRows,
  TILL_READ_ATTEMPTS,
  type DataKind,
  type Place,
  type RowSink,
} from "../report/collect.js";
import { currentFolder } from "../swap.js";
import { TILL_TABLES } from "./db.js";
import { fingerprintOf } from "./fingerprint.js";

const DATA_KINDS: readonly DataKind[] = ["ventes", "reglements"];
const LABEL_KINDS = ["familles", "articles"] as const;

/** The grouping keys a sales line is summed under; `total` is the whole till. */
const SALES_DIMS = ["total", "family", "article", "hour", "vat"] as const;

/** The dimension of the totals of a data kind. */
function totalDim(kind: DataKind): "total" | "ptotal" {
  return kind === "ventes" ? "total" : "ptotal";
}

const SEP = "\u0000";

/**
 * The sums of one data file, kept apart until the file is read whole, then written. Memory grows
 * with the file's distinct (day, key) pairs and tickets, not with the history.
 */
class FileSums {
  /** `dim day key rate` -> [ttc, quantity] */
  readonly cells = new Map<string, [number, number]>();
  /** `dim day key` -> ticket numbers */
  readonly tickets = new Map<string, Set<string>>();
  /** `day family article` -> [quantity, ttc] */
  readonly margins = new Map<string, [number, number]>();
  /** `day article` -> the label of its latest line */
  readonly labels = new Map<string, { at: string; label: string }>();
  /** `owner day` -> duplicate tickets */
  readonly duplicates = new Map<string, number>();

  private add(
    dim: string,
    day: string,
    key: string,
    rate: number,
    ticket: string,
    ttc: number,
    qty: number,
  ): void {
    const cell = `${dim}${SEP}${day}${SEP}${key}${SEP}${rate}`;
    const sums = this.cells.get(cell);
    if (sums === undefined) this.cells.set(cell, [ttc, qty]);
    else {
      sums[0] += ttc;
      sums[1] += qty;
    }
    const group = `${dim}${SEP}${day}${SEP}${key}`;
    let tickets = this.tickets.get(group);
    if (tickets === undefined) {
      tickets = new Set();
      this.tickets.set(group, tickets);
    }
    tickets.add(ticket);
  }

  addSale(line: SaleLine, day: string): void {
    const keys: Record<(typeof SALES_DIMS)[number], string> = {
      total: "",
      family: line.family,
      article: line.article,
      hour: hourOf(line.at),
      vat: rateKey(line.rate),
    };
    for (const dim of SALES_DIMS) {
      this.add(dim, day, keys[dim], line.rate, line.ticket, line.ttc, line.quantity);
    }
    const margin = `${day}${SEP}${line.family}${SEP}${line.article}`;
    const sums = this.margins.get(margin);
    if (sums === undefined) this.margins.set(margin, [line.quantity, line.ttc]);
    else {
      sums[0] += line.quantity;
      sums[1] += line.ttc;
    }
    if (line.label !== undefined) {
      const seen = `${day}${SEP}${line.article}`;
      const current = this.labels.get(seen);
      if (current === undefined || line.at >= current.at) {
        this.labels.set(seen, { at: line.at, label: line.label });
      }
    }
  }

  addPayment(payment: Payment, day: string): void {
    this.add("ptotal", day, "", -1, payment.ticket, payment.amount, 0);
    this.add("payment", day, paymentModeKey(payment.mode), -1, payment.ticket, payment.amount, 0);
  }

  duplicate(owner: number, day: string): void {
    const key = `${owner}${SEP}${day}`;
    this.duplicates.set(key, (this.duplicates.get(key) ?? 0) + 1);
  }
}

/** The prepared statements that write a till's rows. */
interface Writers {
  cell: StatementSync;
  tix: StatementSync;
  tlist: StatementSync;
  margin: StatementSync;
  seen: StatementSync;
  dup: StatementSync;
  file: StatementSync;
}

function writersOf(db: DatabaseSync): Writers {
  return {
    cell: db.prepare(
      `INSERT INTO cell (dim, till, day, key, rate, ttc, qty) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET ttc = ttc + excluded.ttc, qty = qty + excluded.qty`,
    ),
    tix: db.prepare(
      `INSERT INTO tix (dim, till, day, key, tickets) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET tickets = tickets + excluded.tickets`,
    ),
    tlist: db.prepare(
      "INSERT INTO tlist (dim, till, day, key, file, list) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    margin: db.prepare(
      `INSERT INTO margin (till, day, family, article, qty, ttc) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET qty = qty + excluded.qty, ttc = ttc + excluded.ttc`,
    ),
    // Files are read in order: at the same moment, the later file's label wins.
    seen: db.prepare(
      `INSERT INTO seen (till, day, article, at, label) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET at = excluded.at, label = excluded.label
       WHERE excluded.at >= seen.at`,
    ),
    dup: db.prepare(
      "INSERT INTO dup (till, kind, idx, owner, day, count) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    file: db.prepare(
      "INSERT INTO file (till, kind, idx, name, warnings, whole) VALUES (?, ?, ?, ?, ?, ?)",
    ),
  };
}

/** Writes the sums of a file read whole. */
function writeSums(w: Writers, till: string, kind: DataKind, index: number, sums: FileSums): void {
  for (const [cell, [ttc, qty]] of sums.cells) {
    const [dim = "", day = "", key = "", rate = ""] = cell.split(SEP);
    w.cell.run(dim, till, day, key, Number(rate), ttc, qty);
  }
  // How many keys of its dimension each ticket has that day: a ticket whose keys are all among
  // the rows a report keeps is not in the remainder of --top.
  const keysPerTicket = new Map<string, number>();
  for (const [group, tickets] of sums.tickets) {
    const [dim = "", day = ""] = group.split(SEP);
    for (const ticket of tickets) {
      const id = `${dim}${SEP}${day}${SEP}${ticket}`;
      keysPerTicket.set(id, (keysPerTicket.get(id) ?? 0) + 1);
    }
  }
  for (const [group, tickets] of sums.tickets) {
    const [dim = "", day = "", key = ""] = group.split(SEP);
    w.tix.run(dim, till, day, key, tickets.size);
    if (dim === totalDim(kind)) continue;
    const list = [...tickets].map((ticket) => [
      ticket,
      keysPerTicket.get(`${dim}${SEP}${day}${SEP}${ticket}`) ?? 1,
    ]);
    w.tlist.run(dim, till, day, key, index, JSON.stringify(list));
  }
  for (const [margin, [qty, ttc]] of sums.margins) {
    const [day = "", family = "", article = ""] = margin.split(SEP);
    w.margin.run(till, day, family, article, qty, ttc);
  }
  for (const [seen, { at, label }] of sums.labels) {
    const [day = "", article = ""] = seen.split(SEP);
    w.seen.run(till, day, article, at, label);
  }
  for (const [duplicate, count] of sums.duplicates) {
    const [owner = "", day = ""] = duplicate.split(SEP);
    w.dup.run(till, kind, index, Number(owner), day, count);
  }
}

/** Reads one data kind of a till and writes its rows. */
async function indexKind(
  db: DatabaseSync,
  place: Place,
  kind: DataKind,
  files: readonly WalkedFile[],
): Promise<void> {
  const writers = writersOf(db);
  const seen = newTillFiles();
  for (const file of files) {
    const sums = new FileSums();
    const warnings: string[] = [];
    const sink: RowSink<DataKind> = {
      inScope: () => true,
      take: (row, day) => {
        if ("mode" in row) sums.addPayment(row, day);
        else sums.addSale(row, day);
      },
      duplicate: (owner, day) => {
        sums.duplicate(owner, day);
      },
    };
    const index = seen.files.length;
    const issues = await readOwnedRows(place, file, kind, seen, warnings, sink);
    writers.file.run(
      place.owner,
      kind,
      index,
      file.relative,
      JSON.stringify(warnings),
      issues === undefined ? 0 : 1,
    );
    if (issues !== undefined) writeSums(writers, place.owner, kind, index, sums);
  }
  db.prepare("INSERT INTO part (till, kind, incomplete, first, last) VALUES (?, ?, ?, ?, ?)").run(
    place.owner,
    kind,
    incompleteWarning(place.owner, seen) ?? null,
    seen.first ?? null,
    seen.last ?? null,
  );
}

/** Reads a till's label files: its labels (the first file naming a code wins) and warnings. */
async function indexLabels(
  db: DatabaseSync,
  place: Place,
  kind: (typeof LABEL_KINDS)[number],
  files: readonly WalkedFile[],
): Promise<void> {
  const labels = new Map<string, string>();
  const warnings: string[] = [];
  for (const file of files) await readLabels(place, file, kind, labels, warnings);
  const label = db.prepare(
    "INSERT INTO label (till, kind, seq, code, label) VALUES (?, ?, ?, ?, ?)",
  );
  let seq = 0;
  for (const [code, text] of labels) label.run(place.owner, kind, seq++, code, text);
  const warn = db.prepare("INSERT INTO labelwarn (till, kind, seq, warning) VALUES (?, ?, ?, ?)");
  warnings.forEach((warning, index) => warn.run(place.owner, kind, index, warning));
}

/** Deletes every row of a till. */
export function forgetTill(db: DatabaseSync, till: string): void {
  for (const table of TILL_TABLES) db.prepare(`DELETE FROM ${table} WHERE till = ?`).run(till);
}

/** The rows of one till from the folder `dir`, in the open transaction. */
async function writeTill(
  db: DatabaseSync,
  till: TillRecord,
  dir: string,
  fingerprint: string,
): Promise<void> {
  forgetTill(db, till.ref);
  const place: Place = { owner: till.ref, dir, encoding: till.encoding, columns: till.columns };
  const walk: [FileKind, string][] = [];
  const files = await filesOf(place, [...DATA_KINDS, ...LABEL_KINDS], [], (kind, warning) =>
    walk.push([kind, warning]),
  );
  for (const kind of DATA_KINDS) await indexKind(db, place, kind, files.get(kind) ?? []);
  for (const kind of LABEL_KINDS) await indexLabels(db, place, kind, files.get(kind) ?? []);
  db.prepare("INSERT INTO till (till, fingerprint, walk) VALUES (?, ?, ?)").run(
    till.ref,
    fingerprint,
    JSON.stringify(walk),
  );
}

/**
 * Indexes one till from its directory as it is now, as one snapshot: like a report, it reads the
 * folder again when an import swapped it in meanwhile or its files changed, and writes the rows
 * in one transaction with the fingerprint they were read from. Returns that fingerprint, or
 * undefined when the till has no directory (its rows are then deleted).
 */
export async function indexTill(
  db: DatabaseSync,
  paths: CentralPaths,
  till: TillRecord,
): Promise<string | undefined> {
  const target = tillDirectory(paths, till);
  for (let attempt = 1; ; attempt++) {
    const before = await currentFolder(target);
    if (before === undefined) {
      db.exec("BEGIN IMMEDIATE");
      forgetTill(db, till.ref);
      db.exec("COMMIT");
      return undefined;
    }
    const fingerprint = await fingerprintOf(before.path, till);
    db.exec("BEGIN IMMEDIATE");
    let done = false;
    try {
      await writeTill(db, till, before.path, fingerprint);
      const after = await currentFolder(target);
      done =
        after !== undefined &&
        sameFolder(before, after) &&
        (await fingerprintOf(after.path, till)) === fingerprint;
    } catch (error) {
      const after = await currentFolder(target);
      if (after !== undefined && sameFolder(before, after)) {
        db.exec("ROLLBACK");
        throw error;
      }
    }
    if (done) {
      db.exec("COMMIT");
      return fingerprint;
    }
    db.exec("ROLLBACK");
    if (attempt === TILL_READ_ATTEMPTS) {
      throw new CaisseError(
        "E_IO",
        `cannot index ${target} for ${till.ref}: its files changed ${attempt} times while they were read`,
        {
          details: { path: target },
          hint: "run the command again once the imports are done.",
        },
      );
    }
  }
}

import type { LocalDate, LocalDateTime } from "../dates.js";
import type { ErrorCode } from "../errors.js";
import type { Cents, Milli, RateBp } from "../money.js";

/** The five kinds of till files the central reads (see docs/csv-format.md). */
export type FileKind = "ventes" | "reglements" | "articles" | "familles" | "clotures";

export const FILE_KINDS: readonly FileKind[] = [
  "ventes",
  "reglements",
  "articles",
  "familles",
  "clotures",
];

/** The columns of one kind of file, by our names (see docs/csv-format.md). */
export interface KindColumns {
  /** A file without one of these is unreadable; a row with one of them empty is invalid. */
  readonly required: readonly string[];
  /** May be absent from the header or empty in a row. */
  readonly optional: readonly string[];
}

/**
 * The columns of each kind of file, in the order of docs/csv-format.md. A till's header names match
 * these ignoring case and accents, with spaces, hyphens and underscores alike.
 */
export const COLUMNS_OF: Readonly<Record<FileKind, KindColumns>> = {
  ventes: {
    required: ["ticket", "date", "article", "famille", "quantite", "montant_ttc", "taux_tva"],
    optional: ["libelle"],
  },
  reglements: { required: ["ticket", "date", "mode", "montant"], optional: [] },
  articles: {
    required: ["article", "libelle", "famille", "prix_ttc", "taux_tva"],
    optional: ["prix_achat_ht"],
  },
  familles: { required: ["famille", "libelle"], optional: [] },
  clotures: { required: ["date", "total_ttc"], optional: ["numero"] },
};

/** One sales line of `ventes*.csv`. */
export interface SaleLine {
  ticket: string;
  at: LocalDateTime;
  article: string;
  family: string;
  /** Negative for a returned item. */
  quantity: Milli;
  /** Line total including VAT after discounts; negative for a refund. */
  ttc: Cents;
  rate: RateBp;
  /** The optional `libelle` column; undefined when absent or empty. */
  label: string | undefined;
}

/** One payment of `reglements*.csv`. */
export interface Payment {
  ticket: string;
  at: LocalDateTime;
  /** CB, ESP, CHQ... as written by the till. */
  mode: string;
  amount: Cents;
}

/** One article of `articles*.csv`. */
export interface CatalogArticle {
  article: string;
  label: string;
  family: string;
  price: Cents;
  rate: RateBp;
  purchaseHt: Cents | undefined;
}

/** One family of `familles*.csv`. */
export interface Family {
  family: string;
  label: string;
}

/** One daily closure (Z) of `clotures*.csv`. */
export interface Closure {
  date: LocalDate;
  total: Cents;
  number: string | undefined;
}

export interface RowOf {
  ventes: SaleLine;
  reglements: Payment;
  articles: CatalogArticle;
  familles: Family;
  clotures: Closure;
}

/**
 * A row left out of every figure, or a whole file that could not be read. `file` is the name
 * given in `CsvReadOptions.displayName`; `line` is the 1-based physical line where the record
 * starts (undefined for a whole-file problem that has no line).
 */
export interface CsvIssue {
  file: string;
  line: number | undefined;
  code: ErrorCode;
  /** The reason, e.g. `invalid amount '12,505' in column montant_ttc (at most 2 decimals)`. */
  reason: string;
}

/** What the reader yields, in file order. */
export type CsvItem<K extends FileKind> =
  { type: "row"; line: number; row: RowOf[K] } | { type: "issue"; issue: CsvIssue };

export interface CsvReadOptions {
  /** How the file is named in issues: its path relative to the till's directory. */
  displayName: string;
  /**
   * Encoding to use instead of detecting it: `utf-8`, `windows-1252`, `utf-16le`... (any label
   * iconv-lite knows). An unknown label makes the file unreadable.
   */
  encoding?: string | undefined;
  /** Our column name (`quantite`) to the header the till writes (`Qte vendue`). */
  columns?: Readonly<Record<string, string>> | undefined;
  /**
   * Largest record in bytes, a guard against a runaway quote or a wrong delimiter; default
   * `DEFAULT_MAX_RECORD_BYTES` (1 MiB). Counted, approximately, on the text decoded to UTF-8.
   */
  maxRecordBytes?: number | undefined;
  /** How the records are split; `auto` by default. For tests and benchmarks. */
  engine?: CsvEngine | undefined;
}

/**
 * How the records are split: `auto` takes the fast path and hands the rest of the file to
 * csv-parse at the first line the fast path does not read; `csv-parse` never takes the fast path;
 * `fast` throws an Error where `auto` would hand over (for tests that must know which path ran).
 * All three give the same rows and issues. See docs/decisions.md.
 */
export type CsvEngine = "auto" | "csv-parse" | "fast";

/** Largest record by default, in bytes: 1 MiB (see docs/csv-format.md). */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_576;

/** Why a whole file could not be read: `details.problem` of the E_CSV_UNREADABLE error. */
export type CsvUnreadableProblem =
  /** `CsvReadOptions.encoding` is not a label iconv-lite knows. */
  | "unknown-encoding"
  /** The file is empty or holds only blank lines. */
  | "no-header"
  /** A required column is not in the header. */
  | "missing-column"
  /** Two header names stand for the same column. */
  | "duplicate-column"
  /** A quote opens a value and the file ends before it closes. */
  | "unterminated-quote"
  /** A record is longer than `maxRecordBytes`. */
  | "record-too-large"
  /** Anything else the CSV parser refused. */
  | "parse-error";

/**
 * `details` of the E_CSV_UNREADABLE error thrown by `readCsv`. A type alias rather than an
 * interface so that it fits `CaisseError.details` (a record of unknowns).
 */
export type CsvUnreadableDetails = {
  /** `CsvReadOptions.displayName`. */
  readonly file: string;
  /** The 1-based line the problem is on, when it has one. */
  readonly line: number | undefined;
  readonly problem: CsvUnreadableProblem;
};

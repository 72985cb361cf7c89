/**
 * The streaming reader of till CSV files (SPEC section 2).
 *
 * The bytes flow through four stages, so memory stays flat whatever the file size:
 *
 * 1. encoding: a BOM decides; else the till's declared encoding; else a streaming pre-scan picks
 *    UTF-8 when the whole file is valid UTF-8 and Windows-1252 otherwise;
 * 2. bytes to UTF-8 (UTF-8 passes through untouched), and every line end to LF;
 * 3. the delimiter, from the first non-blank line;
 * 4. csv-parse, then our own checks: header, field count, text, values.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline, type TransformCallback } from "node:stream";
import { Parser, type CsvError } from "csv-parse";
import iconv from "iconv-lite";
import { dateOf, parseLocalDateTime, type LocalDateTime } from "../dates.js";
import { CaisseError, ioError, systemErrorCode, type ErrorCode } from "../errors.js";
import {
  parseCents,
  parseMilli,
  parseRate,
  type Cents,
  type Milli,
  type RateBp,
} from "../money.js";
import {
  COLUMNS_OF,
  DEFAULT_MAX_RECORD_BYTES,
  FILE_KINDS,
  type CsvIssue,
  type CsvItem,
  type CsvReadOptions,
  type CsvUnreadableDetails,
  type FileKind,
  type RowOf,
} from "./types.js";

/**
 * The kind of a till file from its name: the base name, case-insensitively, is `ventes*.csv`,
 * `reglements*.csv`, `articles*.csv`, `familles*.csv` or `clotures*.csv`. `VENTES_2026-11.CSV`
 * is "ventes"; `ventes.csv.bak` and `notes.txt` are undefined. Both `/` and `\` separate folders.
 */
export function fileKindOf(fileName: string): FileKind | undefined {
  const base = (fileName.split(/[/\\]/u).pop() ?? "").toLowerCase();
  if (!base.endsWith(".csv")) return undefined;
  return FILE_KINDS.find((kind) => base.startsWith(kind));
}

/**
 * A header name as we compare it: accents removed, lower case, runs of spaces, hyphens and
 * underscores as one `_`. `Quantité` and `Montant TTC` become `quantite` and `montant_ttc`.
 */
export function normaliseColumnName(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .trim()
    .replace(/[\s_-]+/gu, "_");
}

/**
 * Reads one till CSV file of the given kind and yields, in file order, each valid row with the
 * line it starts on, and an issue for each invalid row (left out of every figure). Rows are
 * converted to integers of cents, thousandths and basis points; text values are trimmed.
 *
 * Whole-file problems throw `CaisseError("E_CSV_UNREADABLE")` whose `details` is a
 * `CsvUnreadableDetails`: unknown encoding, no header, a missing required column or the same
 * column twice, an unterminated quote, a record over `maxRecordBytes`. Some are only found late
 * (an unterminated quote at the end of the file): **the caller must then discard the rows already
 * yielded from this file**, which is left out whole. A file that cannot be opened or read throws
 * `E_IO`. Stopping early (`break`) closes the file.
 *
 * Line numbers count CRLF, LF and a lone CR as one line end each, blank lines included.
 *
 * @param path the file to read.
 * @param kind which columns to expect and which row type to build.
 * @throws RangeError when `maxRecordBytes` is not a positive whole number (a programming error).
 */
export async function* readCsv<K extends FileKind>(
  path: string,
  kind: K,
  options: CsvReadOptions,
): AsyncGenerator<CsvItem<K>> {
  const file = options.displayName;
  const limit = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`maxRecordBytes must be a positive whole number, got ${limit}`);
  }
  const encoding = await chooseEncoding(path, options.encoding, file);
  const bytes = lfLineEnds(utf8Bytes(path, encoding));
  let header: HeaderLine;
  try {
    header = await readHeaderLine(bytes, limit, file);
  } catch (error) {
    await bytes.return(undefined);
    throw error;
  }
  const checker = new RecordChecker(kind, {
    displayName: file,
    columns: options.columns,
    encodingLabel: encoding.label,
  });
  for await (const batch of parseBatches(
    replay(header.bytes, bytes),
    header.delimiter,
    limit,
    file,
  )) {
    for (const record of batch) {
      const item = checker.check(record);
      if (item !== undefined) yield item;
    }
  }
  checker.finish();
}

// ---------------------------------------------------------------------------------------------
// Whole-file errors

function unreadable(
  details: CsvUnreadableDetails,
  message: string,
  extra: { hint?: string | undefined; cause?: unknown } = {},
): CaisseError {
  const where = details.line === undefined ? details.file : `${details.file}, line ${details.line}`;
  return new CaisseError("E_CSV_UNREADABLE", `${where}: ${message}`, { details, ...extra });
}

// ---------------------------------------------------------------------------------------------
// Stage 1: the encoding

interface SourceEncoding {
  /** How issues name it: `UTF-8`, `windows-1252`, or the till's label. */
  readonly label: string;
  /** The iconv-lite codec; undefined for UTF-8, whose bytes csv-parse reads directly. */
  readonly codec: iconv.Encoding | undefined;
  /** Bytes of BOM to skip at the start of the file. */
  readonly bomLength: number;
}

const UTF8: SourceEncoding = { label: "UTF-8", codec: undefined, bomLength: 0 };
const WINDOWS_1252: SourceEncoding = { label: "windows-1252", codec: "windows-1252", bomLength: 0 };

const BOMS: readonly { readonly bytes: Buffer; readonly encoding: SourceEncoding }[] = [
  { bytes: Buffer.from([0xef, 0xbb, 0xbf]), encoding: { ...UTF8, bomLength: 3 } },
  {
    bytes: Buffer.from([0xff, 0xfe]),
    encoding: { label: "UTF-16LE", codec: "utf-16le", bomLength: 2 },
  },
  {
    bytes: Buffer.from([0xfe, 0xff]),
    encoding: { label: "UTF-16BE", codec: "utf-16be", bomLength: 2 },
  },
];

/**
 * A BOM is proof of its encoding and wins even over the till's declared encoding: `ï»¿` or `ÿþ`
 * never start a real Windows-1252 header, while a till that moves to UTF-8 with a BOM is common.
 */
async function chooseEncoding(
  path: string,
  declared: string | undefined,
  file: string,
): Promise<SourceEncoding> {
  const codec = declared === undefined ? undefined : codecOf(declared);
  if (declared !== undefined && codec === undefined) {
    throw unreadable(
      { file, line: undefined, problem: "unknown-encoding" },
      `unknown encoding '${declared}' (expected a label such as utf-8, windows-1252 or utf-16le)`,
      { hint: "fix the till's encoding in the central config, or remove it to detect it." },
    );
  }
  const start = await firstBytes(path, 3);
  const bom = BOMS.find((candidate) =>
    start.subarray(0, candidate.bytes.length).equals(candidate.bytes),
  );
  if (bom !== undefined) return bom.encoding;
  if (declared !== undefined && codec !== undefined) {
    return isUtf8Label(declared) ? UTF8 : { label: declared, codec, bomLength: 0 };
  }
  return (await isValidUtf8(path)) ? UTF8 : WINDOWS_1252;
}

function codecOf(label: string): iconv.Encoding | undefined {
  return iconv.encodingExists(label) ? label : undefined;
}

function isUtf8Label(label: string): boolean {
  return label.toLowerCase().replace(/[^a-z0-9]/gu, "") === "utf8";
}

async function firstBytes(path: string, count: number): Promise<Buffer> {
  try {
    const handle = await open(path, "r");
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(count), 0, count, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError("read", path, error);
  }
}

/** Decodes the file chunk by chunk with a fatal decoder; stops at the first invalid sequence. */
async function isValidUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of createReadStream(path)) {
      decoder.decode(chunk as Buffer, { stream: true });
    }
    decoder.decode();
    return true;
  } catch (error) {
    if (systemErrorCode(error) === "ERR_ENCODING_INVALID_ENCODED_DATA") return false;
    throw ioError("read", path, error);
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 2: UTF-8 bytes with LF line ends

/**
 * The file as UTF-8 bytes, without its BOM. Invalid sequences of a declared UTF-8 file reach
 * csv-parse as they are and come out as U+FFFD, which marks the row invalid.
 */
async function* utf8Bytes(path: string, encoding: SourceEncoding): AsyncGenerator<Buffer> {
  try {
    const stream = createReadStream(path, { start: encoding.bomLength });
    if (encoding.codec === undefined) {
      for await (const chunk of stream) yield chunk as Buffer;
      return;
    }
    const decoder = iconv.getDecoder(encoding.codec);
    for await (const chunk of stream) {
      const text = decoder.write(chunk as Buffer);
      if (text !== "") yield Buffer.from(text);
    }
    const rest = decoder.end();
    if (rest !== undefined && rest !== "") yield Buffer.from(rest);
  } catch (error) {
    throw ioError("read", path, error);
  }
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Turns CRLF and lone CR into LF. csv-parse counts a CRLF inside a quoted value as two lines, and
 * reads lone CRs as line ends only when the first line end is one; after this, every physical
 * line ends with one LF and its line count is exact. Line breaks inside quoted values become LF.
 */
async function* lfLineEnds(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pendingCr = false;
  for await (const chunk of chunks) {
    let bytes: Buffer = pendingCr ? Buffer.concat([Buffer.of(CR), chunk]) : chunk;
    // A CR at the end of a chunk may be the first half of a CRLF: decide with the next chunk.
    pendingCr = bytes.at(-1) === CR;
    if (pendingCr) bytes = bytes.subarray(0, -1);
    if (bytes.length > 0) yield bytes.includes(CR) ? crToLf(bytes) : bytes;
  }
  if (pendingCr) yield Buffer.of(LF);
}

function crToLf(input: Buffer): Buffer {
  const output = Buffer.allocUnsafe(input.length);
  let read = 0;
  let written = 0;
  for (let cr = input.indexOf(CR); cr !== -1; cr = input.indexOf(CR, read)) {
    written += input.copy(output, written, read, cr);
    output[written++] = LF;
    read = input[cr + 1] === LF ? cr + 2 : cr + 1;
  }
  written += input.copy(output, written, read);
  return output.subarray(0, written);
}

async function* replay(
  head: readonly Buffer[],
  rest: AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}

// ---------------------------------------------------------------------------------------------
// Stage 3: the delimiter

/** The candidates, in tie-break order. */
const DELIMITERS = [";", "\t", ","] as const;
type Delimiter = (typeof DELIMITERS)[number];
const DELIMITER_BYTES: readonly number[] = DELIMITERS.map((delimiter) => delimiter.charCodeAt(0));
const QUOTE = 0x22;
// Bytes that do not make a line the header: a line of only these is blank (see isBlank).
const BLANK_BYTES = new Set([0x20, 0x09, 0x0b, 0x0c, QUOTE, ...DELIMITER_BYTES]);

interface HeaderLine {
  readonly delimiter: Delimiter;
  /** The chunks read to find it, to be parsed again with the rest. */
  readonly bytes: readonly Buffer[];
}

/**
 * Reads chunks until the first non-blank line is complete and picks its delimiter. Gives up
 * with E_CSV_UNREADABLE when that line is longer than the record limit.
 */
async function readHeaderLine(
  chunks: AsyncIterator<Buffer>,
  limit: number,
  file: string,
): Promise<HeaderLine> {
  const read: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await chunks.next();
    if (!next.done) {
      read.push(next.value);
      size += next.value.length;
    }
    const delimiter = delimiterOfFirstLine(Buffer.concat(read), next.done === true);
    if (delimiter !== undefined) return { delimiter, bytes: read };
    if (size > limit) {
      throw unreadable(
        { file, line: undefined, problem: "record-too-large" },
        `no end to the header line within ${limit} bytes (expected a header line such as ` +
          "ticket;date;...; is this a CSV file?)",
      );
    }
  }
}

/**
 * Counts each candidate outside quotes on the first line that is not blank. The most frequent
 * wins; a tie goes to `;` (what French tills and Excel write, as `,` is the decimal mark), then
 * tab, then `,`; a line without any (one column) gets `;`. Undefined while the line is not
 * complete and more bytes may come.
 */
function delimiterOfFirstLine(bytes: Buffer, atEnd: boolean): Delimiter | undefined {
  const counts = DELIMITERS.map(() => 0);
  let quoted = false;
  let content = false;
  for (const byte of bytes) {
    if (byte === QUOTE) quoted = !quoted;
    if (!BLANK_BYTES.has(byte) && byte !== LF) content = true;
    if (quoted) continue;
    if (byte === LF) {
      if (content) return mostFrequent(counts);
      counts.fill(0);
      continue;
    }
    const candidate = DELIMITER_BYTES.indexOf(byte);
    if (candidate !== -1) counts[candidate] = (counts[candidate] ?? 0) + 1;
  }
  return atEnd ? mostFrequent(counts) : undefined;
}

function mostFrequent(counts: readonly number[]): Delimiter {
  let best = 0;
  counts.forEach((count, index) => {
    if (count > (counts[best] ?? 0)) best = index;
  });
  return DELIMITERS[best] ?? ";";
}

// ---------------------------------------------------------------------------------------------
// Stage 4a: csv-parse, with the line each record starts on

/** A record as csv-parse split it, untrimmed. */
interface ParsedRecord {
  readonly type: "record";
  readonly fields: readonly string[];
  /** The 1-based physical line where the record starts. */
  readonly line: number;
}

/** A record csv-parse dropped for a quote problem; the next records are fine. */
interface BadQuote {
  readonly type: "bad-quote";
  readonly line: number;
  /** 0-based index of the field where the problem is. */
  readonly field: number;
  /** `closing`: `"abc"x`; `opening`: `ab"c`. */
  readonly kind: "closing" | "opening";
  /** The value read so far, for the reason. */
  readonly found: string;
}

type Parsed = ParsedRecord | BadQuote;

/** Pushed into the parser's output by `on_skip`, so that it keeps its place among the records. */
class Skipped {
  constructor(
    readonly error: CsvError,
    readonly found: string,
    /** False when the parser could not be put back on its feet: the rest is unreliable. */
    readonly recovered: boolean,
  ) {}
}

/** A record as csv-parse pushes it, with the line it ends on. */
class Ended {
  constructor(
    readonly fields: string[],
    readonly line: number,
  ) {}
}

/**
 * csv-parse's Parser, changed in two ways for speed, both through its public stream methods:
 * - each record is tagged with the line it ends on, read from `info.lines` as it is pushed
 *   (csv-parse's own `info: true` copies its whole info object for each record);
 * - what one chunk of input gives is pushed as one array, so that the async iteration costs
 *   once per chunk rather than once per record.
 * Together they made reading twice as fast.
 */
class BatchingParser extends Parser {
  private batch: (Ended | Skipped)[] = [];

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) {
      this.pushBatch();
      return super.push(null, encoding);
    }
    this.batch.push(
      chunk instanceof Skipped ? chunk : new Ended(chunk as string[], this.info.lines),
    );
    return true;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (error) => {
      this.pushBatch();
      callback(error);
    });
  }

  override _flush(callback: TransformCallback): void {
    super._flush((error) => {
      this.pushBatch();
      callback(error);
    });
  }

  private pushBatch(): void {
    if (this.batch.length === 0) return;
    super.push(this.batch);
    this.batch = [];
  }
}

/**
 * The part of csv-parse 7's internal state we touch. Not public API: the tests on `"abc"x`
 * fail if a new version changes it, and without it such a record makes the file unreadable.
 */
interface ParserInternals {
  readonly state?: { quoting?: unknown; field?: { toString(encoding: "utf8"): unknown } };
}

/**
 * After `"abc"x` csv-parse reports the record and stays inside the quoted value, which would
 * swallow the next records up to the next quote. Leaving the quoted value makes the damage end
 * with the line, like any other bad record.
 */
function leaveQuotedValue(parser: Parser): boolean {
  const state = (parser as unknown as ParserInternals).state;
  if (state === undefined || typeof state.quoting !== "boolean") return false;
  state.quoting = false;
  return true;
}

function partialValue(parser: Parser): string {
  const value = (parser as unknown as ParserInternals).state?.field?.toString("utf8");
  return typeof value === "string" ? value : "";
}

function createParser(delimiter: Delimiter, limit: number): Parser {
  const parser: Parser = new BatchingParser({
    delimiter,
    record_delimiter: "\n", // lfLineEnds made every line end a LF
    bom: true, // the BOM is already gone; this keeps a doubled one out of the first header
    relax_column_count: true, // a wrong field count is one bad row: checkRecords reports it
    skip_empty_lines: false, // every line must come out, so that line numbers stay exact
    skip_records_with_error: true, // a quote problem is one bad row, reported through on_skip
    max_record_size: limit,
    on_skip: (error) => {
      if (error === undefined) return undefined;
      const closing = error.code === "CSV_INVALID_CLOSING_QUOTE";
      const found = closing
        ? partialValue(parser)
        : typeof error.field === "string"
          ? error.field
          : "";
      const recovered = closing ? leaveQuotedValue(parser) : true;
      parser.push(new Skipped(error, found, recovered));
      return undefined;
    },
  });
  return parser;
}

/**
 * Runs csv-parse over the bytes and gives each record the line it starts on: the line it ends on
 * minus the line breaks inside its quoted values. Yields the records of each chunk together.
 */
async function* parseBatches(
  source: AsyncIterable<Buffer>,
  delimiter: Delimiter,
  limit: number,
  file: string,
): AsyncGenerator<Parsed[]> {
  const parser = createParser(delimiter, limit);
  // Errors reach us through the parser's iterator, which pipeline destroys with them.
  pipeline(source, parser, () => undefined);
  const lines = new LineTracker(limit, file);
  try {
    for await (const batch of parser as AsyncIterable<(Ended | Skipped)[]>) {
      yield lines.startLines(batch);
    }
  } catch (error) {
    if (error instanceof CaisseError) throw error;
    throw unreadable({ file, line: undefined, problem: "parse-error" }, describe(error), {
      cause: error,
    });
  }
}

/**
 * Knows the line the previous record ended on. A dropped record starts on the next line;
 * csv-parse says on which line its problem is, not where it ends, so we take that line as its end
 * (only a run of dropped multi-line records could shift the next dropped one's line).
 */
class LineTracker {
  private lastLine = 0;

  constructor(
    private readonly limit: number,
    private readonly file: string,
  ) {}

  startLines(batch: readonly (Ended | Skipped)[]): Parsed[] {
    const parsed: Parsed[] = [];
    for (const item of batch) {
      if (item instanceof Ended) {
        this.lastLine = item.line;
        parsed.push({
          type: "record",
          fields: item.fields,
          line: item.line - lineBreaksIn(item.fields),
        });
        continue;
      }
      const errorLine = typeof item.error.lines === "number" ? item.error.lines : this.lastLine + 1;
      // A second problem in the same dropped record.
      if (errorLine <= this.lastLine) continue;
      const line = this.lastLine + 1;
      this.lastLine = errorLine;
      parsed.push(badQuoteOrThrow(item, line, this.limit, this.file));
    }
    return parsed;
  }
}

function lineBreaksIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let at = field.indexOf("\n"); at !== -1; at = field.indexOf("\n", at + 1)) count++;
  }
  return count;
}

function badQuoteOrThrow(skipped: Skipped, line: number, limit: number, file: string): BadQuote {
  const { error } = skipped;
  const field = typeof error.index === "number" ? error.index : 0;
  if (
    error.code === "INVALID_OPENING_QUOTE" ||
    (error.code === "CSV_INVALID_CLOSING_QUOTE" && skipped.recovered)
  ) {
    const kind = error.code === "INVALID_OPENING_QUOTE" ? "opening" : "closing";
    return { type: "bad-quote", line, field, kind, found: skipped.found };
  }
  const details = { file, line };
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      throw unreadable(
        { ...details, problem: "unterminated-quote" },
        "a quote opened in the record starting on this line is never closed (expected a closing " +
          "quote before the end of the file)",
        { cause: error, hint: 'a quote inside a quoted value must be doubled: "12"" screen"' },
      );
    case "CSV_MAX_RECORD_SIZE":
      throw unreadable(
        { ...details, problem: "record-too-large" },
        `the record starting on this line is longer than ${limit} bytes, the limit ` +
          "(often an unterminated quote, or a delimiter other than ; , or tab)",
        { cause: error },
      );
    default:
      throw unreadable({ ...details, problem: "parse-error" }, describe(error), { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Stage 4b: header, field count, text and values

/** Where each of our columns is in the records of one file. */
interface Layout {
  /** Our column name to its field index. */
  readonly indexOf: ReadonlyMap<string, number>;
  /** For each field: our column name, or the header as written for an unknown column. */
  readonly names: readonly string[];
}

interface CheckContext {
  readonly displayName: string;
  readonly columns?: Readonly<Record<string, string>> | undefined;
  readonly encodingLabel: string;
}

/** Turns parsed records into rows and issues; the first non-blank record is the header. */
class RecordChecker<K extends FileKind> {
  private layout: Layout | undefined;

  constructor(
    private readonly kind: K,
    private readonly context: CheckContext,
  ) {}

  /** The row or issue of one record; undefined for the header and blank lines. */
  check(record: Parsed): CsvItem<K> | undefined {
    const file = this.context.displayName;
    if (record.type === "bad-quote") {
      if (this.layout === undefined) throw badHeader(record, file);
      return issue(file, record.line, "E_CSV_BAD_QUOTE", quoteReason(record, this.layout));
    }
    if (isBlank(record.fields)) return undefined;
    if (this.layout === undefined) {
      this.layout = layoutOf(record, this.kind, this.context);
      return undefined;
    }
    return checkRecord(record, this.kind, this.layout, this.context);
  }

  /** Throws when the file had no header. */
  finish(): void {
    if (this.layout !== undefined) return;
    throw unreadable(
      { file: this.context.displayName, line: undefined, problem: "no-header" },
      "no header line: the file is empty or blank (expected a header such as " +
        `${COLUMNS_OF[this.kind].required.join(";")})`,
    );
  }
}

/**
 * A line of only whitespace is skipped; so is a line of only delimiters and whitespace, such as
 * the `;;;;;;` rows Excel writes for formatted empty rows: they hold no value at all.
 */
function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => field.trim() === "");
}

type IssueItem = Extract<CsvItem<FileKind>, { type: "issue" }>;

function issue(file: string, line: number, code: ErrorCode, reason: string): IssueItem {
  const found: CsvIssue = { file, line, code, reason };
  return { type: "issue", issue: found };
}

function badHeader(record: BadQuote, file: string): CaisseError {
  return unreadable(
    { file, line: record.line, problem: "bad-header" },
    `the header line has a quote problem: ${quoteReason(record, { indexOf: new Map(), names: [] })}`,
  );
}

function quoteReason(record: BadQuote, layout: Layout): string {
  const column = columnName(layout, record.field);
  if (record.kind === "closing") {
    return (
      `the quoted value ${shown(record.found)} in column ${column} is followed by more text ` +
      '(expected a delimiter or the end of the line after a closing quote; a quote inside a quoted value is written "")'
    );
  }
  return (
    `a quote inside the unquoted value ${shown(`${record.found}"`)} in column ${column} ` +
    '(expected the whole value in quotes, with each quote inside doubled: "12"" screen")'
  );
}

function columnName(layout: Layout, field: number): string {
  return layout.names[field] ?? `#${field + 1}`;
}

/** Matches each header to our columns, or throws with every missing and doubled column at once. */
function layoutOf(header: ParsedRecord, kind: FileKind, context: CheckContext): Layout {
  const ours = columnsByHeader(kind, context.columns);
  const indexOf = new Map<string, number>();
  const doubled: string[] = [];
  const names = header.fields.map((name, index) => {
    const column = ours.get(normaliseColumnName(name));
    if (column === undefined) return shown(name.trim());
    const first = indexOf.get(column);
    if (first === undefined) indexOf.set(column, index);
    else doubled.push(`${column} (${shown(header.fields[first] ?? "")} and ${shown(name)})`);
    return column;
  });
  const details = { file: context.displayName, line: header.line };
  if (doubled.length > 0) {
    throw unreadable(
      { ...details, problem: "duplicate-column" },
      `the same column appears twice in the header: ${doubled.join(", ")} (expected each column once)`,
      { hint: "remove or rename one of them in the till's export." },
    );
  }
  const { required, optional } = COLUMNS_OF[kind];
  const missing = required.filter((column) => !indexOf.has(column));
  if (missing.length > 0) {
    throw unreadable(
      { ...details, problem: "missing-column" },
      `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; ` +
        `found ${header.fields.map((name) => shown(name.trim())).join(", ")}; ` +
        `expected ${required.join(", ")}${optional.length > 0 ? ` (optional: ${optional.join(", ")})` : ""}, ` +
        "ignoring case, accents, spaces, hyphens and underscores",
      {
        hint:
          "if the till names a column differently, map it in the central config, e.g. " +
          `"columns": { "${missing[0] ?? ""}": "<the till's header>" }`,
      },
    );
  }
  return { indexOf, names };
}

/**
 * Normalised header to our column. A column mapped by the config is found under the mapped
 * header only, so a mapping can move a column away from a header of its own name.
 */
function columnsByHeader(
  kind: FileKind,
  mapping: Readonly<Record<string, string>> | undefined,
): Map<string, string> {
  const mapped = new Map<string, string>();
  for (const [ours, theirs] of Object.entries(mapping ?? {})) {
    mapped.set(normaliseColumnName(ours), theirs);
  }
  const { required, optional } = COLUMNS_OF[kind];
  return new Map(
    [...required, ...optional].map((column) => [
      normaliseColumnName(mapped.get(column) ?? column),
      column,
    ]),
  );
}

function checkRecord<K extends FileKind>(
  record: ParsedRecord,
  kind: K,
  layout: Layout,
  context: CheckContext,
): CsvItem<K> {
  try {
    checkFieldCount(record.fields, layout);
    checkText(record.fields, layout, context.encodingLabel);
    const row = BUILDERS[kind](new RecordValues(record.fields, layout));
    return { type: "row", line: record.line, row };
  } catch (error) {
    if (!(error instanceof RowProblem)) throw error;
    return issue(context.displayName, record.line, error.code, error.message);
  }
}

/** Why one row is invalid; thrown by the checks and caught by checkRecord, never further. */
class RowProblem extends Error {
  constructor(
    readonly code: ErrorCode,
    reason: string,
  ) {
    super(reason);
    this.name = "RowProblem";
  }
}

function checkFieldCount(fields: readonly string[], layout: Layout): void {
  if (fields.length !== layout.names.length) {
    throw new RowProblem(
      "E_CSV_FIELD_COUNT",
      `expected ${layout.names.length} fields, found ${fields.length}`,
    );
  }
}

// C0 controls except tab and LF (CR is gone), DEL, C1 controls, and U+FFFD, which stands for
// bytes the decoder could not read. Unknown columns too: a bad byte means a damaged row.
// eslint-disable-next-line no-control-regex
const BAD_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFD]/u;

function checkText(fields: readonly string[], layout: Layout, encodingLabel: string): void {
  fields.forEach((field, index) => {
    const bad = BAD_TEXT.exec(field)?.[0];
    if (bad === undefined) return;
    const column = columnName(layout, index);
    if (bad === "\uFFFD") {
      throw new RowProblem(
        "E_CSV_BAD_TEXT",
        `invalid ${encodingLabel} in column ${column}: ${shown(field)} (expected text in ` +
          `${encodingLabel}; U+FFFD marks the bytes that could not be read)`,
      );
    }
    throw new RowProblem(
      "E_CSV_BAD_TEXT",
      `control character ${codePoint(bad)} in column ${column}: ${shown(field)} ` +
        "(expected text without control characters)",
    );
  });
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

const SHOWN_LENGTH = 40;
// Shown escaped so that a reason is one safe line: controls, line breaks, bidi overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu;

/** A value for a reason: quoted, cut to 40 characters, unsafe characters as `\u001B`. */
function shown(value: string): string {
  const characters = Array.from(value);
  const cut =
    characters.length > SHOWN_LENGTH ? `${characters.slice(0, SHOWN_LENGTH).join("")}…` : value;
  return `'${cut.replace(UNSAFE, (character) => `\\u${codePoint(character).slice(2)}`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Values

/** How to read one type of value, and how to say what was expected. */
interface ValueType<T> {
  readonly parse: (text: string) => T | undefined;
  /** The code when `parse` refuses a value. */
  readonly code: ErrorCode;
  readonly noun: string;
  readonly expected: string;
}

const TEXT: ValueType<string> = {
  parse: (text) => text,
  code: "E_CSV_BAD_TEXT",
  noun: "text",
  expected: "a value",
};

const AMOUNT: ValueType<Cents> = {
  parse: parseCents,
  code: "E_CSV_BAD_AMOUNT",
  noun: "amount",
  expected: "a decimal with at most 2 decimals, such as 1 234,50 or -3.5",
};

const QUANTITY: ValueType<Milli> = {
  parse: parseMilli,
  code: "E_CSV_BAD_QUANTITY",
  noun: "quantity",
  expected: "a decimal with at most 3 decimals, such as 2, -1 or 0,125",
};

const RATE: ValueType<RateBp> = {
  parse: parseRate,
  code: "E_CSV_BAD_RATE",
  noun: "VAT rate",
  expected: "a percentage from 0 to 100 with at most 2 decimals, such as 20 or 5,5",
};

const MOMENT: ValueType<LocalDateTime> = {
  parse: parseLocalDateTime,
  code: "E_CSV_BAD_DATE",
  noun: "date",
  expected:
    "an existing date as YYYY-MM-DD or DD/MM/YYYY, optionally followed by HH:MM or HH:MM:SS",
};

/** The values of one record, read by our column names; trimmed. */
class RecordValues {
  constructor(
    private readonly fields: readonly string[],
    private readonly layout: Layout,
  ) {}

  /** The value, converted; throws a RowProblem when it is empty or does not parse. */
  required<T>(column: string, type: ValueType<T>): T {
    const value = this.optional(column, type);
    if (value === undefined) {
      throw new RowProblem(
        "E_CSV_MISSING_VALUE",
        `missing value in column ${column}: found an empty value, expected ${type.expected}`,
      );
    }
    return value;
  }

  /** Undefined when the column is absent or the value empty. */
  optional<T>(column: string, type: ValueType<T>): T | undefined {
    const index = this.layout.indexOf.get(column);
    const text = index === undefined ? "" : (this.fields[index] ?? "").trim();
    if (text === "") return undefined;
    const value = type.parse(text);
    if (value === undefined) {
      throw new RowProblem(
        type.code,
        `invalid ${type.noun} ${shown(text)} in column ${column} (expected ${type.expected})`,
      );
    }
    return value;
  }
}

/** Builds a row of each kind; properties are read in column order, so the first problem wins. */
const BUILDERS: { readonly [K in FileKind]: (values: RecordValues) => RowOf[K] } = {
  ventes: (values) => ({
    ticket: values.required("ticket", TEXT),
    at: values.required("date", MOMENT),
    article: values.required("article", TEXT),
    family: values.required("famille", TEXT),
    quantity: values.required("quantite", QUANTITY),
    ttc: values.required("montant_ttc", AMOUNT),
    rate: values.required("taux_tva", RATE),
    label: values.optional("libelle", TEXT),
  }),
  reglements: (values) => ({
    ticket: values.required("ticket", TEXT),
    at: values.required("date", MOMENT),
    mode: values.required("mode", TEXT),
    amount: values.required("montant", AMOUNT),
  }),
  articles: (values) => ({
    article: values.required("article", TEXT),
    label: values.required("libelle", TEXT),
    family: values.required("famille", TEXT),
    price: values.required("prix_ttc", AMOUNT),
    rate: values.required("taux_tva", RATE),
    purchaseHt: values.optional("prix_achat_ht", AMOUNT),
  }),
  familles: (values) => ({
    family: values.required("famille", TEXT),
    label: values.required("libelle", TEXT),
  }),
  clotures: (values) => ({
    date: dateOf(values.required("date", MOMENT)),
    total: values.required("total_ttc", AMOUNT),
    number: values.optional("numero", TEXT),
  }),
};

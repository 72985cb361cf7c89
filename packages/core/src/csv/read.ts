/**
 * The streaming reader of till CSV files (see docs/csv-format.md).
 *
 * The bytes flow through four stages, so memory stays flat whatever the file size:
 *
 * 1. encoding: a BOM decides; else the till's declared encoding; else a streaming pre-scan picks
 *    UTF-8 when the whole file is valid UTF-8 and Windows-1252 otherwise;
 * 2. bytes to UTF-8 (UTF-8 passes through untouched), and every line end to LF;
 * 3. the delimiter, from the first non-blank line;
 * 4. the records: a fast path splits the plain lines, csv-parse takes over at the first line it
 *    does not read the same way; then our own checks: header, field count, text, values.
 *
 * Each stage has its module; this one joins them and is the public entry.
 */
import { chooseEncoding, utf8Bytes } from "./encoding.js";
import { readHeaderLine, type HeaderLine } from "./delimiter.js";
import { lfLineEnds } from "./lineEnds.js";
import { RecordChecker } from "./recordChecker.js";
import { recordBatches } from "./fastRecords.js";
import {
  DEFAULT_MAX_RECORD_BYTES,
  FILE_KINDS,
  type CsvItem,
  type CsvReadOptions,
  type FileKind,
} from "./types.js";

export { normaliseColumnName } from "./header.js";

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
  for await (const batch of recordBatches(
    replay(header.bytes, bytes),
    header.delimiter,
    limit,
    file,
    options.engine ?? "auto",
  )) {
    for (const record of batch) {
      const item = checker.check(record);
      if (item !== undefined) yield item;
    }
  }
  checker.finish();
}

/** The chunks read to find the header line, then the rest of the file. */
async function* replay(
  head: readonly Buffer[],
  rest: AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}

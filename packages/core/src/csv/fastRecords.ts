/**
 * Stage 4a, the fast path: the records of the lines that need none of csv-parse's machinery, split
 * straight from the bytes, one string per line. It hands the rest of the file to csv-parse at the
 * first line it would not read the same way (see `LineSplitter.split` and `quotedFields`), so the
 * records, and therefore the rows, issues and line numbers, are exactly csv-parse's: see
 * docs/decisions.md.
 */
import type { Delimiter } from "./delimiter.js";
import { LF } from "./lineEnds.js";
import { parseBatches, type ParsedRecord } from "./records.js";
import type { CsvEngine } from "./types.js";

const QUOTE = 0x22;
const QUOTE_CHAR = '"';
const BOM_FIRST_BYTE = 0xef;

/** Parses the records of the bytes (UTF-8, every line end a LF) through the engine asked for. */
export async function* recordBatches(
  source: AsyncIterable<Buffer>,
  delimiter: Delimiter,
  limit: number,
  file: string,
  engine: CsvEngine,
): AsyncGenerator<ParsedRecord[]> {
  if (engine === "csv-parse") {
    yield* parseBatches(source, delimiter, limit, file);
    return;
  }
  const chunks = source[Symbol.asyncIterator]();
  try {
    const lines = new LineSplitter(delimiter, limit);
    let pending: Buffer | undefined;
    for (;;) {
      const next = await chunks.next();
      const data = next.done
        ? pending
        : pending === undefined
          ? next.value
          : concat(pending, next.value);
      if (data === undefined) return;
      const read = lines.split(data, next.done === true);
      if (read.records.length > 0) yield read.records;
      if (read.rest === undefined) {
        if (next.done) return;
        pending = undefined;
        continue;
      }
      if (read.handOver) {
        if (engine === "fast") {
          throw new Error(`the fast path cannot read line ${lines.count + 1} of ${file}`);
        }
        yield* parseBatches(remaining(read.rest, chunks), delimiter, limit, file, lines.count);
        return;
      }
      pending = read.rest;
      if (next.done) return;
    }
  } finally {
    await chunks.return?.();
  }
}

function concat(head: Buffer, tail: Buffer): Buffer {
  return head.length === 0 ? tail : Buffer.concat([head, tail]);
}

/** The bytes not read yet, then the rest of the file. */
async function* remaining(first: Buffer, chunks: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const next = await chunks.next();
    if (next.done === true) return;
    yield next.value;
  }
}

interface Split {
  readonly records: ParsedRecord[];
  /** The bytes from the first line not read, if any. */
  readonly rest: Buffer | undefined;
  /** True when `rest` starts with a line the fast path does not read: csv-parse takes over. */
  readonly handOver: boolean;
}

/**
 * The most lines a quoted value may span on the fast path; a longer one (often a quote never
 * closed) is left to csv-parse, so that a runaway quote is not scanned again for each line.
 */
const MAX_LINES_OF_A_VALUE = 16;

/** Splits whole lines into records, counting them. */
class LineSplitter {
  /** Lines read so far, blank ones included. */
  count = 0;

  constructor(
    private readonly delimiter: Delimiter,
    private readonly limit: number,
  ) {}

  /**
   * The records of the whole lines of `data`; at the end of the file, its last line too. The
   * bytes after the last record are the `rest`, to be read with the next chunk.
   */
  split(data: Buffer, atEnd: boolean): Split {
    const records: ParsedRecord[] = [];
    // csv-parse removes a BOM at the start of its input: leave a file starting so to it.
    if (this.count === 0 && data[0] === BOM_FIRST_BYTE) {
      return { records, rest: data, handOver: true };
    }
    // Where the line from `from` ends: its LF, the end of the file, or -1 if not read yet.
    const lineEnd = (from: number): number => {
      const end = data.indexOf(LF, from);
      return end !== -1 || !atEnd || from >= data.length ? end : data.length;
    };
    let start = 0;
    let quote = data.indexOf(QUOTE);
    while (start < data.length) {
      let end = lineEnd(start);
      if (end === -1) break;
      let fields: Fields;
      let lines = 1;
      if (quote === -1 || quote > end) {
        if (end - start > this.limit) return handOver(records, data, start);
        fields = data.toString("utf8", start, end).split(this.delimiter);
      } else {
        // A quoted value may go on over the next lines: take them until it closes.
        for (;;) {
          // csv-parse decides on a record over the limit (bytes, at least what it counts).
          if (end - start > this.limit) return handOver(records, data, start);
          fields = quotedFields(data.toString("utf8", start, end), this.delimiter);
          if (fields !== OPEN || lines === MAX_LINES_OF_A_VALUE || end === data.length) break;
          const next = lineEnd(end + 1);
          if (next === -1) break;
          end = next;
          lines++;
        }
        if (fields === OPEN && !atEnd && lines < MAX_LINES_OF_A_VALUE && end !== data.length) {
          break; // the value may close in the next chunk
        }
        quote = data.indexOf(QUOTE, end);
      }
      if (!Array.isArray(fields)) return handOver(records, data, start);
      records.push({ fields, line: this.count + 1 });
      this.count += lines;
      start = end + 1;
    }
    const rest = start < data.length ? data.subarray(start) : undefined;
    // A record with no end in sight longer than the limit: csv-parse says so.
    return { records, rest, handOver: rest !== undefined && rest.length > this.limit };
  }
}

function handOver(records: ParsedRecord[], data: Buffer, start: number): Split {
  return { records, rest: data.subarray(start), handOver: true };
}

/** A quoted value not closed by the end of the text. */
const OPEN = "open";
/** The fields, `OPEN`, or undefined for a record csv-parse must read. */
type Fields = string[] | typeof OPEN | undefined;

/**
 * The fields of a record holding a quote, as csv-parse with `relax_quotes` reads them: a quote
 * that starts a value opens it, `""` inside is one quote, line breaks inside are kept, and the
 * closing quote must be followed by the delimiter or the end of the record; any other quote is
 * text. `OPEN` when a quoted value is not closed by the end of the text; undefined for text
 * after a closing quote, which csv-parse reads its own way.
 */
function quotedFields(line: string, delimiter: string): Fields {
  const fields: string[] = [];
  let start = 0;
  for (;;) {
    if (line.startsWith(QUOTE_CHAR, start)) {
      let value = "";
      let from = start + 1;
      for (;;) {
        const close = line.indexOf(QUOTE_CHAR, from);
        if (close === -1) return OPEN;
        value += line.slice(from, close);
        if (line.startsWith(QUOTE_CHAR, close + 1)) {
          value += QUOTE_CHAR;
          from = close + 2;
          continue;
        }
        start = close + 1;
        break;
      }
      fields.push(value);
      if (start === line.length) return fields;
      if (!line.startsWith(delimiter, start)) return undefined;
      start += 1;
      continue;
    }
    const end = line.indexOf(delimiter, start);
    if (end === -1) {
      fields.push(line.slice(start));
      return fields;
    }
    fields.push(line.slice(start, end));
    start = end + 1;
  }
}

/**
 * Stage 4a, csv-parse as we set it up: every line comes out, a quote problem costs one record
 * (through `on_skip`), and records come in batches tagged with the line they end on.
 */
import type { TransformCallback } from "node:stream";
import type { CsvError, Options, Parser } from "csv-parse";
import type { Delimiter } from "./delimiter.js";

/** Pushed into the parser's output by `on_skip`, so that it keeps its place among the records. */
export class Skipped {
  constructor(
    readonly error: CsvError,
    readonly found: string,
    /** False when the parser could not be put back on its feet: the rest is unreliable. */
    readonly recovered: boolean,
  ) {}
}

/** A record as csv-parse pushes it, with the line it ends on. */
export class Ended {
  constructor(
    readonly fields: string[],
    readonly line: number,
  ) {}
}

type ParserClass = new (options: Options) => Parser;

let batchingParser: ParserClass | undefined;

/**
 * The parser class, made once csv-parse is loaded: it is loaded when the first CSV file is read,
 * not when a command starts (see docs/decisions.md, lazy loading).
 */
async function loadParser(): Promise<ParserClass> {
  if (batchingParser !== undefined) return batchingParser;
  const { Parser } = await import("csv-parse");
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

    override _transform(
      chunk: Buffer,
      encoding: BufferEncoding,
      callback: TransformCallback,
    ): void {
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
  batchingParser = BatchingParser;
  return BatchingParser;
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

export async function createParser(delimiter: Delimiter, limit: number): Promise<Parser> {
  const BatchingParser = await loadParser();
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

/**
 * Stage 4a, csv-parse as we set it up: every line comes out, a parse problem keeps its place among
 * the records (through `on_skip`), and records come in batches tagged with the line they end on.
 */
import type { TransformCallback } from "node:stream";
import type { CsvError, Options, Parser } from "csv-parse";
import type { Delimiter } from "./delimiter.js";

/** Pushed into the parser's output by `on_skip`, so that it keeps its place among the records. */
export class Skipped {
  constructor(readonly error: CsvError) {}
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
 * @param atFileStart false when the bytes start further down the file (the fast path handed over
 * to csv-parse), where a BOM is text like any other.
 */
export async function createParser(
  delimiter: Delimiter,
  limit: number,
  atFileStart: boolean,
): Promise<Parser> {
  const BatchingParser = await loadParser();
  const parser: Parser = new BatchingParser({
    delimiter,
    record_delimiter: "\n", // lfLineEnds made every line end a LF
    bom: atFileStart, // the BOM is already gone; this keeps a doubled one out of the first header
    // A quote inside an unquoted value is text (`12" screen`); so is text after a closing quote
    // (`"12" screen"` is read as written). Each record stays on its line: see docs/decisions.md.
    relax_quotes: true,
    relax_column_count: true, // a wrong field count is one bad row: checkRecords reports it
    skip_empty_lines: false, // every line must come out, so that line numbers stay exact
    // A problem comes out in its place among the records, so that the rows before it are read
    // and its line is known; records.ts makes it a whole-file error.
    skip_records_with_error: true,
    max_record_size: limit,
    on_skip: (error) => {
      if (error !== undefined) parser.push(new Skipped(error));
      return undefined;
    },
  });
  return parser;
}

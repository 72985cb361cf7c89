/**
 * Stage 4a, the records: what csv-parse gives, with the line each record starts on; a parse
 * problem (a quote never closed, a record over the limit) is a whole-file error.
 */
import { pipeline } from "node:stream";
import { type CaisseError, isCaisseError } from "../errors.js";
import type { Delimiter } from "./delimiter.js";
import { Ended, Skipped, createParser } from "./parser.js";
import { unreadable } from "./unreadable.js";

/** A record as csv-parse split it, untrimmed. */
export interface ParsedRecord {
  readonly fields: readonly string[];
  /** The 1-based physical line where the record starts. */
  readonly line: number;
}

/**
 * Runs csv-parse over the bytes and gives each record the line it starts on: the line it ends on
 * minus the line breaks inside its quoted values. Yields the records of each chunk together.
 *
 * @param linesBefore how many lines of the file come before these bytes (0 from the start).
 */
export async function* parseBatches(
  source: AsyncIterable<Buffer>,
  delimiter: Delimiter,
  limit: number,
  file: string,
  linesBefore = 0,
): AsyncGenerator<ParsedRecord[]> {
  const parser = await createParser(delimiter, limit, linesBefore === 0);
  // Errors reach us through the parser's iterator, which pipeline destroys with them.
  pipeline(source, parser, () => undefined);
  const lines = new LineTracker(limit, file, linesBefore);
  try {
    for await (const batch of parser as AsyncIterable<(Ended | Skipped)[]>) {
      const { records, problem } = lines.startLines(batch);
      // The records before the problem first: one of them may hold the first error (a header
      // without a required column), and the rows before it are yielded like any others.
      if (records.length > 0) yield records;
      if (problem !== undefined) throw problem;
    }
  } catch (error) {
    if (isCaisseError(error)) throw error;
    throw unreadable({ file, line: undefined, problem: "parse-error" }, describe(error), {
      cause: error,
    });
  }
}

/** Knows the line the previous record ended on; a problem is on the next line. */
class LineTracker {
  private lastLine: number;

  constructor(
    private readonly limit: number,
    private readonly file: string,
    private readonly linesBefore: number,
  ) {
    this.lastLine = linesBefore;
  }

  /** The records of a batch up to its first problem, if any. */
  startLines(batch: readonly (Ended | Skipped)[]): {
    records: ParsedRecord[];
    problem?: CaisseError;
  } {
    const records: ParsedRecord[] = [];
    for (const item of batch) {
      if (item instanceof Skipped) {
        return { records, problem: parseProblem(item, this.lastLine + 1, this.limit, this.file) };
      }
      const line = this.linesBefore + item.line;
      records.push({ fields: item.fields, line: line - lineBreaksIn(item.fields) });
      this.lastLine = line;
    }
    return { records };
  }
}

function lineBreaksIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let at = field.indexOf("\n"); at !== -1; at = field.indexOf("\n", at + 1)) count++;
  }
  return count;
}

function parseProblem(skipped: Skipped, line: number, limit: number, file: string): CaisseError {
  const { error } = skipped;
  const details = { file, line };
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return unreadable(
        { ...details, problem: "unterminated-quote" },
        "a quote opened in the record starting on this line is never closed (expected a closing " +
          "quote before the end of the file)",
        { cause: error, hint: 'a quote inside a quoted value must be doubled: "12"" screen"' },
      );
    case "CSV_MAX_RECORD_SIZE":
      return unreadable(
        { ...details, problem: "record-too-large" },
        `the record starting on this line is longer than ${limit} bytes, the limit ` +
          "(often an unterminated quote, or a delimiter other than ; , or tab)",
        { cause: error },
      );
    default:
      return unreadable({ ...details, problem: "parse-error" }, describe(error), { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

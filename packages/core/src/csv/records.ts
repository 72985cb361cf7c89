/**
 * Stage 4a, the records: what csv-parse gives, with the line each record starts on; a quote
 * problem that costs one record is kept as a `BadQuote`, any other parse problem is a whole-file
 * error.
 */
import { pipeline } from "node:stream";
import { isCaisseError } from "../errors.js";
import type { Delimiter } from "./delimiter.js";
import { Ended, Skipped, createParser } from "./parser.js";
import { unreadable } from "./unreadable.js";

/** A record as csv-parse split it, untrimmed. */
export interface ParsedRecord {
  readonly type: "record";
  readonly fields: readonly string[];
  /** The 1-based physical line where the record starts. */
  readonly line: number;
}

/** A record csv-parse dropped for a quote problem; the next records are fine. */
export interface BadQuote {
  readonly type: "bad-quote";
  readonly line: number;
  /** 0-based index of the field where the problem is. */
  readonly field: number;
  /** `closing`: `"abc"x`; `opening`: `ab"c`. */
  readonly kind: "closing" | "opening";
  /** The value read so far, for the reason. */
  readonly found: string;
}

export type Parsed = ParsedRecord | BadQuote;

/**
 * Runs csv-parse over the bytes and gives each record the line it starts on: the line it ends on
 * minus the line breaks inside its quoted values. Yields the records of each chunk together.
 */
export async function* parseBatches(
  source: AsyncIterable<Buffer>,
  delimiter: Delimiter,
  limit: number,
  file: string,
): AsyncGenerator<Parsed[]> {
  const parser = await createParser(delimiter, limit);
  // Errors reach us through the parser's iterator, which pipeline destroys with them.
  pipeline(source, parser, () => undefined);
  const lines = new LineTracker(limit, file);
  try {
    for await (const batch of parser as AsyncIterable<(Ended | Skipped)[]>) {
      yield lines.startLines(batch);
    }
  } catch (error) {
    if (isCaisseError(error)) throw error;
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

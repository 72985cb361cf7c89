/** Stage 3, the delimiter: read from the first non-blank line, the header. */
import { LF } from "./lineEnds.js";
import { unreadable } from "./unreadable.js";

/** The candidates, in tie-break order. */
const DELIMITERS = [";", "\t", ","] as const;
export type Delimiter = (typeof DELIMITERS)[number];
const DELIMITER_BYTES: readonly number[] = DELIMITERS.map((delimiter) => delimiter.charCodeAt(0));
const QUOTE = 0x22;
// Bytes that do not make a line the header: a line of only these is blank (see isBlank in
// recordChecker.ts).
const BLANK_BYTES = new Set([0x20, 0x09, 0x0b, 0x0c, QUOTE, ...DELIMITER_BYTES]);

export interface HeaderLine {
  readonly delimiter: Delimiter;
  /** The chunks read to find it, to be parsed again with the rest. */
  readonly bytes: readonly Buffer[];
}

/**
 * Reads chunks until the first non-blank line is complete and picks its delimiter. Gives up
 * with E_CSV_UNREADABLE when that line is longer than the record limit.
 */
export async function readHeaderLine(
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

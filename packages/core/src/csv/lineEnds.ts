/** Stage 2, line ends: every CRLF and lone CR becomes one LF, so that line numbers are exact. */

const CR = 0x0d;
export const LF = 0x0a;

/**
 * Turns CRLF and lone CR into LF. csv-parse counts a CRLF inside a quoted value as two lines, and
 * reads lone CRs as line ends only when the first line end is one; after this, every physical
 * line ends with one LF and its line count is exact. Line breaks inside quoted values become LF.
 */
export async function* lfLineEnds(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
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

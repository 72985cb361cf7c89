/** The CRC-32 of zip, which checks every entry's content and every Unicode Path field. */
import * as zlib from "node:zlib";

type Crc32 = (data: Uint8Array, previous?: number) => number;

let crcTable: Uint32Array | undefined;

/** The IEEE CRC-32 of zip, table-driven, for Node versions without `zlib.crc32` (before 20.15). */
function tableCrc32(data: Uint8Array, previous = 0): number {
  crcTable ??= makeCrcTable();
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

// The types say zlib.crc32 always exists; at run time it appeared in Node 20.15 and 22.2.
const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32;
export const crc32: Crc32 = typeof nativeCrc32 === "function" ? nativeCrc32 : tableCrc32;

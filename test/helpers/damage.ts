/** Damage for fuzz tests: the same seed gives the same damage, so a failure can be replayed. */

/** Changes one byte to any other value. */
function flip(bytes: Buffer, position: number, random: () => number): void {
  bytes.writeUInt8((bytes.readUInt8(position) ^ (1 + Math.floor(random() * 255))) & 0xff, position);
}

/**
 * A copy of a zip with one kind of damage, chosen and placed by `random`: bytes flipped, a 16 or
 * 32-bit field overwritten with an extreme value, cut short, a piece removed or repeated, or
 * bytes flipped in the central directory and end record.
 */
export function damageArchive(original: Buffer, random: () => number): Buffer {
  const bytes = Buffer.from(original);
  const at = (): number => Math.floor(random() * bytes.length);
  switch (Math.floor(random() * 6)) {
    case 0: {
      // A few bytes flipped anywhere.
      const count = 1 + Math.floor(random() * 4);
      for (let i = 0; i < count; i++) flip(bytes, at(), random);
      return bytes;
    }
    case 1: {
      // A 16 or 32-bit field overwritten with an extreme value (sizes, offsets, counts).
      const position = Math.min(at(), bytes.length - 4);
      const values = [0, 0xffffffff, 0x7fffffff, 1, bytes.length, Math.floor(random() * 2 ** 32)];
      const value = values[Math.floor(random() * values.length)] ?? 0;
      if (random() < 0.5) bytes.writeUInt32LE(value >>> 0, position);
      else bytes.writeUInt16LE(value & 0xffff, position);
      return bytes;
    }
    case 2:
      // Cut short.
      return bytes.subarray(0, at());
    case 3: {
      // A piece removed from the middle.
      const start = at();
      return Buffer.concat([bytes.subarray(0, start), bytes.subarray(start + 1 + (at() % 64))]);
    }
    case 4: {
      // A piece repeated.
      const start = at();
      const piece = bytes.subarray(start, start + 1 + (at() % 128));
      return Buffer.concat([bytes.subarray(0, start), piece, bytes.subarray(start)]);
    }
    default: {
      // Damage inside the central directory and end record, where the structure lives.
      const tail = Math.min(bytes.length, 400);
      const count = 1 + Math.floor(random() * 3);
      for (let i = 0; i < count; i++) {
        flip(bytes, bytes.length - 1 - Math.floor(random() * tail), random);
      }
      return bytes;
    }
  }
}

/** Bytes that matter to a CSV reader. */
const NASTY = [
  '"',
  ";",
  ",",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "\0",
  "\xff",
  "\xe9",
  "\xc3",
  " ",
  "\u00a0",
  "-",
  ".",
  "0",
  "9",
  "/",
  ":",
  "'",
  "=",
].map((text) => Buffer.from(text, text.length === 1 && text > "\x7f" ? "latin1" : "utf8"));

/**
 * A copy of a CSV file with one to four changes, chosen and placed by `random`: a byte that
 * matters to a CSV reader put in, a piece removed or repeated, cut short, a byte changed.
 */
export function damageCsv(original: Buffer, random: () => number): Buffer {
  let bytes = Buffer.from(original);
  const steps = 1 + Math.floor(random() * 4);
  for (let step = 0; step < steps; step++) {
    const at = Math.floor(random() * (bytes.length + 1));
    switch (Math.floor(random() * 5)) {
      case 0: {
        const nasty = NASTY[Math.floor(random() * NASTY.length)] ?? Buffer.from('"');
        bytes = Buffer.concat([bytes.subarray(0, at), nasty, bytes.subarray(at)]);
        break;
      }
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + (at % 40))]);
        break;
      case 2: {
        const piece = bytes.subarray(at, at + 1 + Math.floor(random() * 200));
        bytes = Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
        break;
      }
      case 3:
        bytes = bytes.subarray(0, at);
        break;
      default:
        if (at < bytes.length) flip(bytes, at, random);
    }
  }
  return bytes;
}

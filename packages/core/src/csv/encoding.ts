/**
 * Stage 1, the encoding: a BOM decides; else the till's declared encoding; else a streaming
 * pre-scan picks UTF-8 when the whole file is valid UTF-8 and Windows-1252 otherwise. Then the
 * bytes of stage 2 are decoded to UTF-8 (UTF-8 passes through untouched).
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import iconv from "iconv-lite";
import { isKnownEncoding } from "../encoding.js";
import { ioError, systemErrorCode } from "../errors.js";
import { unreadable } from "./unreadable.js";

export interface SourceEncoding {
  /** How issues name it: `UTF-8`, `windows-1252`, or the till's label. */
  readonly label: string;
  /** The iconv-lite codec; undefined for UTF-8, whose bytes csv-parse reads directly. */
  readonly codec: iconv.Encoding | undefined;
  /** Bytes of BOM to skip at the start of the file. */
  readonly bomLength: number;
}

const UTF8: SourceEncoding = { label: "UTF-8", codec: undefined, bomLength: 0 };
const WINDOWS_1252: SourceEncoding = { label: "windows-1252", codec: "windows-1252", bomLength: 0 };

const BOMS: readonly { readonly bytes: Buffer; readonly encoding: SourceEncoding }[] = [
  { bytes: Buffer.from([0xef, 0xbb, 0xbf]), encoding: { ...UTF8, bomLength: 3 } },
  {
    bytes: Buffer.from([0xff, 0xfe]),
    encoding: { label: "UTF-16LE", codec: "utf-16le", bomLength: 2 },
  },
  {
    bytes: Buffer.from([0xfe, 0xff]),
    encoding: { label: "UTF-16BE", codec: "utf-16be", bomLength: 2 },
  },
];

/**
 * A BOM is proof of its encoding and wins even over the till's declared encoding: `ï»¿` or `ÿþ`
 * never start a real Windows-1252 header, while a till that moves to UTF-8 with a BOM is common.
 */
export async function chooseEncoding(
  path: string,
  declared: string | undefined,
  file: string,
): Promise<SourceEncoding> {
  const codec = declared === undefined ? undefined : codecOf(declared);
  if (declared !== undefined && codec === undefined) {
    throw unreadable(
      { file, line: undefined, problem: "unknown-encoding" },
      `unknown encoding '${declared}' (expected a label such as utf-8, windows-1252 or utf-16le)`,
      { hint: "fix the till's encoding in the central config, or remove it to detect it." },
    );
  }
  const start = await firstBytes(path, 3);
  const bom = BOMS.find((candidate) =>
    start.subarray(0, candidate.bytes.length).equals(candidate.bytes),
  );
  if (bom !== undefined) return bom.encoding;
  if (declared !== undefined && codec !== undefined) {
    return isUtf8Label(declared) ? UTF8 : { label: declared, codec, bomLength: 0 };
  }
  return (await isValidUtf8(path)) ? UTF8 : WINDOWS_1252;
}

function codecOf(label: string): iconv.Encoding | undefined {
  return isKnownEncoding(label) ? label : undefined;
}

function isUtf8Label(label: string): boolean {
  return label.toLowerCase().replace(/[^a-z0-9]/gu, "") === "utf8";
}

async function firstBytes(path: string, count: number): Promise<Buffer> {
  try {
    const handle = await open(path, "r");
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(count), 0, count, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError("read", path, error);
  }
}

/** Decodes the file chunk by chunk with a fatal decoder; stops at the first invalid sequence. */
async function isValidUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of createReadStream(path)) {
      decoder.decode(chunk as Buffer, { stream: true });
    }
    decoder.decode();
    return true;
  } catch (error) {
    if (systemErrorCode(error) === "ERR_ENCODING_INVALID_ENCODED_DATA") return false;
    throw ioError("read", path, error);
  }
}

/**
 * The file as UTF-8 bytes, without its BOM. Invalid sequences of a declared UTF-8 file reach
 * csv-parse as they are and come out as U+FFFD, which marks the row invalid.
 */
export async function* utf8Bytes(path: string, encoding: SourceEncoding): AsyncGenerator<Buffer> {
  try {
    const stream = createReadStream(path, { start: encoding.bomLength });
    if (encoding.codec === undefined) {
      for await (const chunk of stream) yield chunk as Buffer;
      return;
    }
    const decoder = iconv.getDecoder(encoding.codec);
    for await (const chunk of stream) {
      const text = decoder.write(chunk as Buffer);
      if (text !== "") yield Buffer.from(text);
    }
    const rest = decoder.end();
    if (rest !== undefined && rest !== "") yield Buffer.from(rest);
  } catch (error) {
    throw ioError("read", path, error);
  }
}

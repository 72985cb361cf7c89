/**
 * A tiny zip writer for tests. Unlike a real writer it writes exactly what it is told, including
 * what no honest writer would: names as raw bytes, wrong CRCs, lying sizes, encryption or bzip2
 * flags, links and devices, local headers that disagree with the central directory, entries that
 * share their data. Each refusal of the archive reader can so be tested on its own.
 *
 * - `buildZip(entries, options)`: the usual entry point; one `ZipEntrySpec` per entry.
 * - `buildTillZip(files, options)`: a valid caisse archive (manifest, optional signature).
 * - `fifieldBomb()`, `ratioBomb()`: the classic zip bombs.
 * - `unicodePathField()`, `extraField()`: extra fields to put in `ZipEntrySpec.extra`.
 * - `localFileHeader()`, `centralFileHeader()`, `endOfCentralDirectory()`: the raw records, for
 *   constructions `buildZip` cannot express.
 *
 * To truncate a zip, cut the result: `buildZip(...).subarray(0, n)`.
 */
import { deflateRawSync } from "node:zlib";
import {
  serializeManifest,
  sha256Hex,
  type Manifest,
} from "../../packages/core/src/archive/manifest.js";

/** Compression methods. */
export const STORE = 0;
export const DEFLATE = 8;
export const BZIP2 = 12;

/** General purpose flag bits. */
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;

/** Hosts, the high byte of "version made by". */
export const HOST_DOS = 0;
export const HOST_UNIX = 3;

/** MS-DOS attributes, the low 16 bits of the external attributes. */
export const DOS_DIRECTORY = 0x10;
export const DOS_ARCHIVE = 0x20;
export const DOS_REPARSE_POINT = 0x400;

/** 2026-11-27 23:00:04 in MS-DOS form: any fixed time keeps the output reproducible. */
const DOS_DATE = ((2026 - 1980) << 9) | (11 << 5) | 27;
const DOS_TIME = (23 << 11) | (0 << 5) | (4 / 2);

// ---------------------------------------------------------------------------------------------
// Raw records
// ---------------------------------------------------------------------------------------------

/** Every field of a local or central header; see APPNOTE.TXT sections 4.3.7 and 4.3.12. */
export interface HeaderFields {
  /** 0x04034b50 for a local header, 0x02014b50 for a central one, unless a test lies. */
  signature?: number;
  versionMadeBy: number;
  versionNeeded: number;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  name: Buffer;
  extra: Buffer;
  comment: Buffer;
  internalAttributes: number;
  externalAttributes: number;
  localHeaderOffset: number;
}

export function localFileHeader(fields: HeaderFields): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(fields.signature ?? 0x04034b50, 0);
  header.writeUInt16LE(fields.versionNeeded, 4);
  header.writeUInt16LE(fields.flags, 6);
  header.writeUInt16LE(fields.method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(fields.crc32 >>> 0, 14);
  header.writeUInt32LE(fields.compressedSize, 18);
  header.writeUInt32LE(fields.uncompressedSize, 22);
  header.writeUInt16LE(fields.name.length, 26);
  header.writeUInt16LE(fields.extra.length, 28);
  return Buffer.concat([header, fields.name, fields.extra]);
}

export function centralFileHeader(fields: HeaderFields): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(fields.signature ?? 0x02014b50, 0);
  header.writeUInt16LE(fields.versionMadeBy, 4);
  header.writeUInt16LE(fields.versionNeeded, 6);
  header.writeUInt16LE(fields.flags, 8);
  header.writeUInt16LE(fields.method, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(fields.crc32 >>> 0, 16);
  header.writeUInt32LE(fields.compressedSize, 20);
  header.writeUInt32LE(fields.uncompressedSize, 24);
  header.writeUInt16LE(fields.name.length, 28);
  header.writeUInt16LE(fields.extra.length, 30);
  header.writeUInt16LE(fields.comment.length, 32);
  header.writeUInt16LE(0, 34); // disk number
  header.writeUInt16LE(fields.internalAttributes, 36);
  header.writeUInt32LE(fields.externalAttributes >>> 0, 38);
  header.writeUInt32LE(fields.localHeaderOffset, 42);
  return Buffer.concat([header, fields.name, fields.extra, fields.comment]);
}

export interface EndRecordFields {
  entryCount: number;
  centralDirectorySize: number;
  centralDirectoryOffset: number;
  comment?: Buffer;
}

export function endOfCentralDirectory(fields: EndRecordFields): Buffer {
  const comment = fields.comment ?? Buffer.alloc(0);
  const record = Buffer.alloc(22);
  record.writeUInt32LE(0x06054b50, 0);
  record.writeUInt16LE(fields.entryCount, 8);
  record.writeUInt16LE(fields.entryCount, 10);
  record.writeUInt32LE(fields.centralDirectorySize, 12);
  record.writeUInt32LE(fields.centralDirectoryOffset, 16);
  record.writeUInt16LE(comment.length, 20);
  return Buffer.concat([record, comment]);
}

/** An extra field: 2 bytes id, 2 bytes size, data. */
export function extraField(id: number, data: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(id, 0);
  header.writeUInt16LE(data.length, 2);
  return Buffer.concat([header, data]);
}

/**
 * An Info-ZIP Unicode Path extra field (0x7075) giving `unicodeName` for an entry whose raw name
 * is `rawName`. `nameCrc` defaults to the CRC of `rawName` (a stale field has another).
 */
export function unicodePathField(
  rawName: Buffer | string,
  unicodeName: string,
  options: { version?: number; nameCrc?: number } = {},
): Buffer {
  const raw = typeof rawName === "string" ? Buffer.from(rawName, "utf8") : rawName;
  const head = Buffer.alloc(5);
  head.writeUInt8(options.version ?? 1, 0);
  head.writeUInt32LE((options.nameCrc ?? zipCrc32(raw)) >>> 0, 1);
  return extraField(0x7075, Buffer.concat([head, Buffer.from(unicodeName, "utf8")]));
}

let crcTable: Uint32Array | undefined;

/** CRC-32 as zip computes it; written here independently of the reader's own. */
export function zipCrc32(data: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// buildZip
// ---------------------------------------------------------------------------------------------

/** Fields of the local header to make it disagree with the central directory. */
export type LocalHeaderOverrides = Partial<
  Pick<
    HeaderFields,
    | "signature"
    | "name"
    | "flags"
    | "method"
    | "crc32"
    | "compressedSize"
    | "uncompressedSize"
    | "extra"
  >
>;

/** One entry. Everything not given gets the value an honest writer would use. */
export interface ZipEntrySpec {
  /** A string is written as UTF-8; a Buffer byte for byte. A name ending with `/` is a folder. */
  name: string | Buffer;
  /** Uncompressed content; default empty. */
  data?: string | Buffer;
  /** Default: DEFLATE for a non-empty file, STORE for a folder or an empty file. */
  method?: number;
  /** The bytes written as the entry's data, instead of `data` stored or deflated. */
  payload?: Buffer;
  /** Default: FLAG_UTF8 when `name` is a string with non-ASCII characters, else 0. */
  flags?: number;
  /** Default: the CRC-32 of `data`. */
  crc32?: number;
  /** Declared in both headers; default: the payload's length. */
  compressedSize?: number;
  /** Declared in both headers; default: the length of `data`. */
  uncompressedSize?: number;
  /** Default: `(HOST_UNIX << 8) | 20`. */
  versionMadeBy?: number;
  /** Unix mode with its type bits, put in the high 16 bits; default 0o100644, or 0o040755 for a folder. */
  mode?: number;
  /** All 32 bits; overrides `mode`. Default: `mode << 16`, plus DOS_DIRECTORY for a folder or DOS_ARCHIVE for a file. */
  externalAttributes?: number;
  /** Extra field bytes (see `extraField`), in both headers unless `local.extra` says otherwise. */
  extra?: Buffer;
  /** Sets flag bit 3: zeros for CRC and sizes in the local header, a data descriptor after the data. */
  dataDescriptor?: boolean;
  /** Makes the local header disagree with the central one. */
  local?: LocalHeaderOverrides;
  /**
   * Index of an earlier entry: this central record points at that entry's local header, and
   * writes no local header or data of its own (a "full overlap" bomb).
   */
  localHeaderOf?: number;
}

export interface ZipOptions {
  /** Bytes before the first local header (a self-extractor stub, or junk). */
  prefix?: Buffer;
  /** Bytes after the end record. */
  suffix?: Buffer;
  /** The archive comment. */
  comment?: string | Buffer;
  /** Overrides the entry count of the end record. */
  entryCount?: number;
  /** Overrides the central directory offset of the end record. */
  centralDirectoryOffset?: number;
}

function isAscii(text: string): boolean {
  return /^\p{ASCII}*$/u.test(text);
}

function toBuffer(value: string | Buffer | undefined): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}

/** The header fields and data bytes of an entry, before any local override. */
function resolveEntry(spec: ZipEntrySpec): { fields: HeaderFields; payload: Buffer } {
  const name = toBuffer(spec.name);
  const data = toBuffer(spec.data);
  const directory = name.toString("latin1").endsWith("/");
  const method = spec.method ?? (directory || data.length === 0 ? STORE : DEFLATE);
  const payload = spec.payload ?? (method === DEFLATE ? deflateRawSync(data) : data);
  const utf8 = typeof spec.name === "string" && !isAscii(spec.name);
  const flags =
    (spec.flags ?? (utf8 ? FLAG_UTF8 : 0)) |
    (spec.dataDescriptor === true ? FLAG_DATA_DESCRIPTOR : 0);
  const mode = spec.mode ?? (directory ? 0o040755 : 0o100644);
  const externalAttributes =
    spec.externalAttributes ?? ((mode << 16) | (directory ? DOS_DIRECTORY : DOS_ARCHIVE)) >>> 0;
  const fields: HeaderFields = {
    versionMadeBy: spec.versionMadeBy ?? (HOST_UNIX << 8) | 20,
    versionNeeded: 20,
    flags,
    method,
    crc32: spec.crc32 ?? zipCrc32(data),
    compressedSize: spec.compressedSize ?? payload.length,
    uncompressedSize: spec.uncompressedSize ?? data.length,
    name,
    extra: spec.extra ?? Buffer.alloc(0),
    comment: Buffer.alloc(0),
    internalAttributes: 0,
    externalAttributes,
    localHeaderOffset: 0,
  };
  return { fields, payload };
}

function dataDescriptor(fields: HeaderFields): Buffer {
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(fields.crc32 >>> 0, 4);
  descriptor.writeUInt32LE(fields.compressedSize, 8);
  descriptor.writeUInt32LE(fields.uncompressedSize, 12);
  return descriptor;
}

/** The local header, data and data descriptor of one entry. */
function localRecord(fields: HeaderFields, payload: Buffer, spec: ZipEntrySpec): Buffer {
  const described = spec.dataDescriptor === true;
  const local: HeaderFields = {
    ...fields,
    ...(described ? { crc32: 0, compressedSize: 0, uncompressedSize: 0 } : {}),
    ...spec.local,
  };
  return Buffer.concat([
    localFileHeader(local),
    payload,
    described ? dataDescriptor(fields) : Buffer.alloc(0),
  ]);
}

/** Builds a zip from `entries`, in order: local records, central directory, end record. */
export function buildZip(entries: readonly ZipEntrySpec[], options: ZipOptions = {}): Buffer {
  const prefix = options.prefix ?? Buffer.alloc(0);
  const parts: Buffer[] = [prefix];
  const central: HeaderFields[] = [];
  let offset = prefix.length;
  for (const spec of entries) {
    const { fields, payload } = resolveEntry(spec);
    if (spec.localHeaderOf !== undefined) {
      const shared = central[spec.localHeaderOf];
      if (shared === undefined)
        throw new Error(`localHeaderOf ${spec.localHeaderOf}: no such earlier entry`);
      central.push({ ...fields, localHeaderOffset: shared.localHeaderOffset });
      continue;
    }
    const record = localRecord(fields, payload, spec);
    central.push({ ...fields, localHeaderOffset: offset });
    parts.push(record);
    offset += record.length;
  }
  const directory = Buffer.concat(central.map(centralFileHeader));
  const end = endOfCentralDirectory({
    entryCount: options.entryCount ?? central.length,
    centralDirectorySize: directory.length,
    centralDirectoryOffset: options.centralDirectoryOffset ?? offset,
    comment: toBuffer(options.comment),
  });
  return Buffer.concat([...parts, directory, end, options.suffix ?? Buffer.alloc(0)]);
}

// ---------------------------------------------------------------------------------------------
// Bombs
// ---------------------------------------------------------------------------------------------

/** A plain zip bomb: one entry of `bytes` zeros (default 16 MiB), deflated about 1000:1. */
export function ratioBomb(options: { bytes?: number; name?: string } = {}): Buffer {
  return buildZip([
    { name: options.name ?? "ventes.csv", data: Buffer.alloc(options.bytes ?? 16 * 1024 * 1024) },
  ]);
}

/** The stored-block header that makes the next `length` bytes literal data of a deflate stream. */
function quoteHeader(length: number): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0); // BFINAL 0, BTYPE 00 (stored), padded to the byte
  header.writeUInt16LE(length, 1);
  header.writeUInt16LE(~length & 0xffff, 3);
  return header;
}

/**
 * David Fifield's overlapping zip bomb ("A better zip bomb", 2019), quoted-overlap form: every
 * file's deflate stream starts with a stored block quoting the next file's local header, then
 * runs on into the next file's data, down to one shared kernel of `kernelBytes` zeros. Each
 * central record is honest on its own and every local header matches it; only the byte ranges
 * overlap. Unpacked naively, `files` entries yield about `files * kernelBytes` bytes.
 */
export function fifieldBomb(options: { files?: number; kernelBytes?: number } = {}): Buffer {
  const files = options.files ?? 10;
  const kernelBytes = options.kernelBytes ?? 1024 * 1024;
  const kernel = deflateRawSync(Buffer.alloc(kernelBytes), { level: 9 });
  const headers: HeaderFields[] = [];
  // Built from the last file back: file i holds file i+1's local header, then file i+1's content.
  let content = Buffer.alloc(kernelBytes);
  let compressedSize = kernel.length;
  for (let index = files - 1; index >= 0; index -= 1) {
    const fields = resolveEntry({ name: `ventes-${String(index).padStart(4, "0")}.csv` }).fields;
    const header: HeaderFields = {
      ...fields,
      method: DEFLATE,
      crc32: zipCrc32(content),
      compressedSize,
      uncompressedSize: content.length,
    };
    headers[index] = header;
    const local = localFileHeader(header);
    content = Buffer.concat([local, content]);
    compressedSize += quoteHeader(local.length).length + local.length;
  }
  const parts: Buffer[] = [];
  let offset = 0;
  headers.forEach((header, index) => {
    header.localHeaderOffset = offset;
    const local = localFileHeader(header);
    // Then the start of this file's data: a quote of the next local header, or the kernel.
    const next = headers[index + 1];
    const data = next === undefined ? kernel : quoteHeader(localFileHeader(next).length);
    parts.push(local, data);
    offset += local.length + data.length;
  });
  const directory = Buffer.concat(headers.map(centralFileHeader));
  const end = endOfCentralDirectory({
    entryCount: files,
    centralDirectorySize: directory.length,
    centralDirectoryOffset: offset,
  });
  return Buffer.concat([...parts, directory, end]);
}

// ---------------------------------------------------------------------------------------------
// Caisse archives
// ---------------------------------------------------------------------------------------------

export interface TillZipOptions {
  /** Fields of the manifest to change; `files` defaults to the true list. */
  manifest?: Partial<Manifest>;
  /** The line of `caisse-manifest.sig`; no signature entry when absent. */
  signature?: string;
  /** Folder entries to add (names ending with `/`). */
  folders?: string[];
}

/** A well-formed caisse archive: manifest, optional signature, then the files in order. */
export function buildTillZip(
  files: Readonly<Record<string, string | Buffer>>,
  options: TillZipOptions = {},
): { zip: Buffer; manifest: Manifest; manifestBytes: Buffer } {
  const contents = Object.entries(files).map(([path, data]) => ({ path, data: toBuffer(data) }));
  const manifest: Manifest = {
    format: "caisse-archive/1",
    kind: "sales",
    till: "D01",
    name: "Magasin 1",
    created: "2026-11-27T23:00:05+01:00",
    sequence: 1,
    previous: null,
    files: contents.map(({ path, data }) => ({ path, size: data.length, sha256: sha256Hex(data) })),
    ...options.manifest,
  };
  const manifestBytes = serializeManifest(manifest);
  const entries: ZipEntrySpec[] = [
    { name: "caisse-manifest.json", data: manifestBytes },
    ...(options.signature === undefined
      ? []
      : [{ name: "caisse-manifest.sig", data: `${options.signature}\n` }]),
    ...(options.folders ?? []).map((name) => ({ name })),
    ...contents.map(({ path, data }) => ({ name: path, data })),
  ];
  return { zip: buildZip(entries), manifest, manifestBytes };
}

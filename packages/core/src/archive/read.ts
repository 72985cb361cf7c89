/**
 * The safe archive reader (SPEC section 4). Archives come from the network and are untrusted:
 * `openArchive` checks the whole structure of the zip before a byte of content is extracted, and
 * `extractTo` writes the data entries into a fresh staging folder while checking every byte
 * against the headers and the manifest. The caller (the central import) checks the till, the
 * signature and the sequence between the two.
 *
 * yauzl finds the end record and walks the central directory; everything it leaves to its users
 * (CRCs, links, overlapping entries, duplicate names, local headers, name encodings, limits) is
 * checked here. The reasons behind each choice are in docs/decisions.md, "The archive reader".
 */
import { createHash } from "node:crypto";
import { lstat, mkdir, open, readdir, rm, type FileHandle } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { Readable, Transform, Writable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import {
  RandomAccessReader,
  fromRandomAccessReader,
  getFileNameLowLevel,
  parseExtraFields,
  type Entry,
  type ExtraField,
  type ZipFile,
} from "yauzl";
import { CaisseError, ioError, systemErrorCode, type ErrorCode } from "../errors.js";
import { syncDirectory } from "../fs/atomic.js";
import { parseManifest, type Manifest } from "./manifest.js";
import {
  MANIFEST_NAME,
  SIGNATURE_NAME,
  collisionKey,
  isReservedName,
  unsafeNameReason,
} from "./names.js";

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** How much an archive may hold before it is refused as a probable zip bomb. */
export interface ArchiveLimits {
  /** Most entries (files, folders, manifest and signature together); default 10,000. */
  maxEntries: number;
  /** Largest uncompressed size of one entry, in bytes; default 1 GiB. */
  maxEntryBytes: number;
  /** Largest uncompressed size of all entries together, in bytes; default 2 GiB. */
  maxTotalBytes: number;
  /**
   * Highest uncompressed/compressed ratio of one entry; default 200. Entries smaller than
   * `RATIO_EXEMPT_BYTES` are exempt.
   */
  maxRatio: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** The limits of SPEC section 4, used for every limit the caller does not set. */
export const DEFAULT_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 10_000,
  maxEntryBytes: GiB,
  maxTotalBytes: 2 * GiB,
  maxRatio: 200,
});

/**
 * Entries whose declared uncompressed size is below this (64 KiB) are exempt from the ratio
 * limit: a small CSV of repeated lines compresses far beyond 200:1, and 64 KiB can harm no one.
 */
export const RATIO_EXEMPT_BYTES = 64 * KiB;

/** Largest `caisse-manifest.json` read into memory (16 MiB, about 100,000 listed files). */
export const MAX_MANIFEST_BYTES = 16 * MiB;

/** Largest `caisse-manifest.sig` read into memory (4 KiB; a signature line is about 100 bytes). */
export const MAX_SIGNATURE_BYTES = 4 * KiB;

/** One data entry of an archive, as its central directory declares it (checked, not yet read). */
export interface ArchiveEntryInfo {
  /** The name as decoded and checked, `/` separated; a folder's name ends with `/`. */
  name: string;
  directory: boolean;
  /** Bytes of compressed data, as declared. */
  compressedSize: number;
  /** Bytes of content, as declared (checked against the actual content on extraction). */
  uncompressedSize: number;
  /** Declared CRC-32 of the content (checked on extraction). */
  crc32: number;
  method: "store" | "deflate";
}

/** A file written by `extractTo`. */
export interface ExtractedFile {
  /** Path relative to the staging folder, `/` separated: the entry's name. */
  path: string;
  /** Bytes written. */
  size: number;
  /** SHA-256 of the content, lower-case hex. */
  sha256: string;
}

/** An archive whose structure passed every check of SPEC section 4, ready to be extracted. */
export interface OpenedArchive {
  /** The archive file, as given to `openArchive`. */
  readonly path: string;
  /** Data entries (files and folders), in central directory order; not the manifest or signature. */
  readonly entries: readonly ArchiveEntryInfo[];
  /** The manifest's exact bytes and parsed value; undefined for a legacy archive (no manifest). */
  readonly manifest: { bytes: Buffer; value: Manifest } | undefined;
  /** The line held by `caisse-manifest.sig`, trimmed, when the archive has one. Not verified here. */
  readonly signature: string | undefined;
  /**
   * Extracts every data entry into `stagingDir`, which must not exist yet or be empty (it is
   * created). Checks each entry's actual size, CRC-32, the limits on actual bytes and, when the
   * archive has a manifest, that its file list, sizes and SHA-256 sums match the entries exactly.
   * Files get mode 0644 and folders 0755 (less the umask), are created exclusively (never
   * through or over an existing link) and are flushed to disk. Writes nothing outside
   * `stagingDir`; on failure, removes `stagingDir`. Can be called once.
   */
  extractTo(stagingDir: string): Promise<ExtractedFile[]>;
  /** Releases the archive file. Safe to call more than once. */
  close(): Promise<void>;
}

/** Options of `openArchive`. */
export interface OpenArchiveOptions {
  /** Limits to apply; each one left out takes its value from `DEFAULT_LIMITS`. */
  limits?: Partial<ArchiveLimits>;
}

/**
 * Opens an untrusted archive and checks its whole structure (SPEC section 4): that it is a zip,
 * every entry name, entry types, encryption, methods, collisions, reserved names, local headers
 * against the central directory, overlapping data, declared sizes against the limits. Reads and
 * parses the manifest and signature. Every refusal is a `CaisseError` with a specific code
 * (E_ARCHIVE_..., E_MANIFEST_...) and `details: { entry, rule }`; a file that cannot be read is
 * an E_IO. The caller must `close()` the result.
 */
export async function openArchive(
  path: string,
  options: OpenArchiveOptions = {},
): Promise<OpenedArchive> {
  const limits = resolveLimits(options.limits);
  const handle = await openFile(path);
  let zipfile: ZipFile | undefined;
  try {
    const fileSize = await sizeOf(handle, path);
    if (fileSize === 0) {
      throw refuse(
        "E_ARCHIVE_NOT_ZIP",
        "not-zip",
        undefined,
        "the file is empty (0 bytes), not a zip archive",
      );
    }
    zipfile = await openZip(handle, fileSize, path);
    const scan = await scanArchive({ archive: path, handle, zipfile, limits });
    return new OpenedZip(path, handle, zipfile, limits, scan);
  } catch (error) {
    zipfile?.close();
    await handle.close().catch(ignore);
    throw error;
  }
}

function resolveLimits(given: Partial<ArchiveLimits> | undefined): ArchiveLimits {
  const limits: ArchiveLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(limits) as (keyof ArchiveLimits)[]) {
    const value = given?.[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

const HINTS: Partial<Record<ErrorCode, string>> = {
  E_ARCHIVE_NOT_ZIP:
    "check what the source delivered: an HTML page usually means a wrong URL or an expired login.",
  E_ARCHIVE_TRUNCATED: "the file was probably cut short on the way; let the store send it again.",
  E_ARCHIVE_TOO_MANY_ENTRIES:
    "if the archive is genuine, raise limits.maxEntries in caisse-central.json.",
  E_ARCHIVE_ENTRY_TOO_LARGE:
    "if the archive is genuine, raise limits.maxEntryBytes in caisse-central.json.",
  E_ARCHIVE_TOO_LARGE:
    "if the archive is genuine, raise limits.maxTotalBytes in caisse-central.json.",
  E_ARCHIVE_RATIO: "if the archive is genuine, raise limits.maxRatio in caisse-central.json.",
};

const DEFAULT_HINT =
  "nothing was extracted. Ask the store to run 'caisse-export run' again; if the new archive is refused too, it is being damaged or altered on the way.";

/** A refusal: `entry` is the entry's name when the rule is about one entry. */
function refuse(
  code: ErrorCode,
  rule: string,
  entry: string | undefined,
  message: string,
  more: { cause?: unknown; details?: Record<string, unknown> } = {},
): CaisseError {
  const where = entry === undefined ? "" : `entry ${quoteName(entry)}: `;
  return new CaisseError(code, `${where}${message}`, {
    cause: more.cause,
    details: { entry, rule, ...more.details },
    hint: HINTS[code] ?? DEFAULT_HINT,
  });
}

// C0 and C1 controls, DEL, bidirectional overrides: shown as escapes so that a hostile name can
// neither drive the terminal that shows the message nor read differently from what it is.
const UNPRINTABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/** A name between quotes for a message, with unprintable characters escaped. */
function quoteName(name: string): string {
  const escaped = name.replace(UNPRINTABLE, (character) => {
    const hex = (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    return `\\u${hex}`;
  });
  return `'${escaped}'`;
}

function describeBytes(bytes: number): string {
  if (bytes < 10 * KiB) return `${bytes} bytes`;
  const [unit, size] = bytes >= GiB ? ["GiB", GiB] : bytes >= MiB ? ["MiB", MiB] : ["KiB", KiB];
  return `${bytes} bytes (${(bytes / size).toFixed(1)} ${unit})`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ignore(): void {
  // Deliberately empty: see each use.
}

// ---------------------------------------------------------------------------------------------
// CRC-32
// ---------------------------------------------------------------------------------------------

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
const crc32: Crc32 = typeof nativeCrc32 === "function" ? nativeCrc32 : tableCrc32;

// ---------------------------------------------------------------------------------------------
// The archive file
// ---------------------------------------------------------------------------------------------

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (error) {
    throw ioError("open the archive", path, error);
  }
}

async function sizeOf(handle: FileHandle, path: string): Promise<number> {
  try {
    return (await handle.stat()).size;
  } catch (error) {
    throw ioError("read the archive", path, error);
  }
}

/** Up to `length` bytes at `position`; fewer at the end of the file. */
async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  path: string,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  try {
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw ioError("read the archive", path, error);
  }
}

/**
 * yauzl reads through this, so that yauzl and our own header reads share one file descriptor
 * that we open and close ourselves: no second open that could see a replaced file, and no
 * descriptor closed behind our back.
 */
class HandleReader extends RandomAccessReader {
  readonly #handle: FileHandle;

  constructor(handle: FileHandle) {
    super();
    this.#handle = handle;
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return new RangeStream(this.#handle, start, end);
  }

  /**
   * yauzl reads each central directory record through this; the default goes through a stream
   * per read, several times slower. `bytesRead` is how yauzl detects the end of the file.
   */
  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (error: Error | null, bytesRead?: number) => void,
  ): void {
    this.#handle.read(buffer, offset, length, position).then(
      ({ bytesRead }) => {
        callback(null, bytesRead);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}

/**
 * Bytes [start, end) of the file by positional reads. Not `handle.createReadStream()`: a Node
 * file stream closes its handle when destroyed, whatever `autoClose` says, and yauzl destroys
 * its streams.
 */
class RangeStream extends Readable {
  readonly #handle: FileHandle;
  readonly #end: number;
  #position: number;

  constructor(handle: FileHandle, start: number, end: number) {
    super();
    this.#handle = handle;
    this.#position = start;
    this.#end = end;
  }

  override _read(size: number): void {
    const length = Math.min(size, this.#end - this.#position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    this.#handle.read(Buffer.allocUnsafe(length), 0, length, this.#position).then(
      ({ bytesRead, buffer }) => {
        // yauzl may destroy the stream while a read is in flight.
        if (this.destroyed) return;
        this.#position += bytesRead;
        // At the end of the file: yauzl's byte counter reports the missing bytes.
        this.push(bytesRead === 0 ? null : buffer.subarray(0, bytesRead));
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

const YAUZL_OPTIONS = {
  lazyEntries: true,
  autoClose: false,
  // We decode names ourselves: yauzl would decode every name without the UTF-8 flag as CP437.
  decodeStrings: false,
  // We count the bytes ourselves, so that a size lie is reported with the entry's name.
  validateEntrySizes: false,
  strictFileNames: true,
} as const;

async function openZip(handle: FileHandle, fileSize: number, path: string): Promise<ZipFile> {
  try {
    const zipfile = await new Promise<ZipFile>((resolvePromise, reject) => {
      fromRandomAccessReader(new HandleReader(handle), fileSize, YAUZL_OPTIONS, (error, opened) => {
        if (error === null) resolvePromise(opened);
        else reject(error);
      });
    });
    // yauzl emits 'error' once, on whatever call is running; we listen per call (nextEntry).
    // This listener only keeps a late error (closing the reader) from crashing the process.
    zipfile.on("error", ignore);
    return zipfile;
  } catch (error) {
    if (errorMessage(error).startsWith("End of central directory record signature not found")) {
      throw await notAZip(handle, fileSize, path);
    }
    throw structureError(path, error);
  }
}

const ZIP_SIGNATURES = [0x04034b50, 0x06054b50, 0x08074b50].map((signature) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(signature);
  return bytes;
});

/** No end record: a zip cut short (it starts like one), an HTML page, or something else. */
async function notAZip(handle: FileHandle, fileSize: number, path: string): Promise<CaisseError> {
  const head = await readAt(handle, 0, Math.min(fileSize, 512), path);
  if (ZIP_SIGNATURES.some((signature) => head.subarray(0, 4).equals(signature))) {
    return refuse(
      "E_ARCHIVE_TRUNCATED",
      "truncated",
      undefined,
      `the file starts like a zip but has no end-of-central-directory record: it is truncated (${describeBytes(fileSize)})`,
    );
  }
  const text = head
    .toString("latin1")
    .replace(/^(\xEF\xBB\xBF|\uFEFF)/u, "")
    .trimStart()
    .toLowerCase();
  if (text.startsWith("<")) {
    const kind =
      text.startsWith("<!doctype html") || text.startsWith("<html")
        ? "an HTML page"
        : "HTML or XML";
    return refuse(
      "E_ARCHIVE_NOT_ZIP",
      "not-zip",
      undefined,
      `the file is ${kind}, not a zip archive (it starts with '${oneLinePrefix(head)}')`,
    );
  }
  const hex = [...head.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
  return refuse(
    "E_ARCHIVE_NOT_ZIP",
    "not-zip",
    undefined,
    `the file is not a zip archive: it neither starts nor ends like one (first bytes: ${hex})`,
  );
}

function oneLinePrefix(head: Buffer): string {
  return head
    .subarray(0, 40)
    .toString("latin1")
    .replace(/[^\x20-\x7E]+/gu, " ")
    .trim();
}

/** A yauzl or file-system error about the zip's structure, translated at the edge. */
function structureError(path: string, error: unknown, entry?: string): CaisseError {
  if (error instanceof CaisseError) return error;
  if (systemErrorCode(error) !== undefined) return ioError("read the archive", path, error);
  const detail = errorMessage(error);
  const what = /unexpected EOF|not enough bytes|overflows file bounds/u.test(detail)
    ? "it is truncated or its offsets point past its end"
    : "its structure is corrupt";
  return refuse("E_ARCHIVE_TRUNCATED", "structure", entry, `${what} (${detail})`, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// Scanning the archive
// ---------------------------------------------------------------------------------------------

interface ScanContext {
  readonly archive: string;
  readonly handle: FileHandle;
  readonly zipfile: ZipFile;
  readonly limits: ArchiveLimits;
}

type EntryRole = "data" | "manifest" | "signature";

/** A central directory record that passed the per-entry checks. */
interface CheckedEntry {
  readonly entry: Entry;
  readonly info: ArchiveEntryInfo;
  readonly role: EntryRole;
}

/** A checked entry whose local header was read: where its data starts in the file. */
interface LocatedEntry extends CheckedEntry {
  readonly dataStart: number;
}

interface Scan {
  readonly entries: readonly LocatedEntry[];
  readonly manifest: { bytes: Buffer; value: Manifest } | undefined;
  readonly signature: string | undefined;
}

async function scanArchive(context: ScanContext): Promise<Scan> {
  const { zipfile, limits } = context;
  // Before iterating: an end record may declare billions of entries.
  if (zipfile.entryCount > limits.maxEntries) {
    throw refuse(
      "E_ARCHIVE_TOO_MANY_ENTRIES",
      "max-entries",
      undefined,
      `the archive has ${zipfile.entryCount} entries; the limit is ${limits.maxEntries} (limits.maxEntries)`,
    );
  }
  const centralDirectoryStart = entryCursor(zipfile);
  const checked = await readCentralDirectory(context);
  const located = await locateEntries(context, checked, centralDirectoryStart);
  checkDeclaredSizes(located, limits);
  const manifest = await readManifest(context, located);
  const signature = await readSignature(context, located, manifest !== undefined);
  const data = located.filter((entry) => entry.role === "data");
  if (manifest === undefined && !data.some((entry) => !entry.info.directory)) {
    throw refuse(
      "E_ARCHIVE_EMPTY",
      "empty",
      undefined,
      data.length === 0
        ? "the archive holds no entry: a legacy archive (without manifest) must hold at least one file"
        : "the archive holds only folders: a legacy archive (without manifest) must hold at least one file",
    );
  }
  return { entries: data, manifest, signature };
}

/**
 * yauzl keeps the position of the next central directory record in `readEntryCursor` (a public
 * field, typed wrongly as a boolean in @types/yauzl). Read before the first entry it is where
 * the central directory starts, which no entry's data may reach.
 */
function entryCursor(zipfile: ZipFile): number {
  const cursor: unknown = (zipfile as unknown as { readEntryCursor: unknown }).readEntryCursor;
  if (typeof cursor !== "number") {
    throw new CaisseError("E_INTERNAL", "yauzl no longer exposes readEntryCursor as a number");
  }
  return cursor;
}

/** The next central directory record, or undefined at the end. */
function nextEntry(zipfile: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolvePromise, reject) => {
    const onEntry = (entry: Entry): void => {
      stopListening();
      resolvePromise(entry);
    };
    const onEnd = (): void => {
      stopListening();
      resolvePromise(undefined);
    };
    const onError = (error: Error): void => {
      stopListening();
      reject(error);
    };
    const stopListening = (): void => {
      zipfile.off("entry", onEntry).off("end", onEnd).off("error", onError);
    };
    zipfile.on("entry", onEntry).on("end", onEnd).on("error", onError);
    zipfile.readEntry();
  });
}

async function readCentralDirectory(context: ScanContext): Promise<CheckedEntry[]> {
  const names = new NameIndex();
  const checked: CheckedEntry[] = [];
  for (;;) {
    let entry: Entry | undefined;
    try {
      entry = await nextEntry(context.zipfile);
    } catch (error) {
      throw await centralDirectoryError(context, error);
    }
    if (entry === undefined) return checked;
    checked.push(checkCentralEntry(entry, names));
  }
}

/**
 * yauzl stops at an entry with the strong-encryption flag before it reads the entry's name; read
 * the name ourselves (the record is at yauzl's cursor) so that the message can name it.
 */
async function centralDirectoryError(context: ScanContext, error: unknown): Promise<CaisseError> {
  if (errorMessage(error) !== "strong encryption is not supported") {
    return structureError(context.archive, error);
  }
  const cursor = entryCursor(context.zipfile);
  const record = await readAt(context.handle, cursor, 46, context.archive);
  const nameLength = record.length === 46 ? record.readUInt16LE(28) : 0;
  const name = new TextDecoder().decode(
    await readAt(context.handle, cursor + 46, nameLength, context.archive),
  );
  return refuse(
    "E_ARCHIVE_ENCRYPTED",
    "encrypted",
    name,
    "it uses strong encryption (general purpose flag bit 6); encrypted entries are refused",
    { cause: error },
  );
}

/** Every check on one central directory record, in the order a reader would meet the problems. */
function checkCentralEntry(entry: Entry, names: NameIndex): CheckedEntry {
  const name = entryName(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields);
  const directory = name.endsWith("/");
  checkEntryType(entry, name, directory);
  checkEncryption(entry.generalPurposeBitFlag, name);
  const method = checkMethod(entry.compressionMethod, name);
  if (method === "store" && entry.compressedSize !== entry.uncompressedSize) {
    throw refuse(
      "E_ARCHIVE_SIZE_MISMATCH",
      "stored-size",
      name,
      `it is stored without compression but declares ${entry.compressedSize} compressed and ${entry.uncompressedSize} uncompressed bytes`,
    );
  }
  const role = roleOf(name);
  names.add(name, directory);
  const info: ArchiveEntryInfo = {
    name,
    directory,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    crc32: entry.crc32,
    method,
  };
  return { entry, info, role };
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const FLAG_MASKED_HEADERS = 0x2000;
const UNICODE_PATH_FIELD = 0x7075;
const ZIP64_FIELD = 0x0001;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 if the bytes are valid UTF-8, undefined otherwise (overlong forms and surrogates too). */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** For messages only: never fails, never trusted. */
function lossyName(raw: Uint8Array): string {
  return new TextDecoder().decode(raw);
}

/**
 * The entry's name as the reader will use it, after every name check (E_ARCHIVE_UNSAFE_PATH).
 *
 * Decoding: flagged UTF-8 (bit 11) must be valid UTF-8; an unflagged name that is valid UTF-8 is
 * read as UTF-8, since many tools write UTF-8 without the flag; anything else is CP437, as the
 * zip specification says. A valid Info-ZIP Unicode Path field (0x7075) gives the name when the
 * name itself is CP437 (its purpose); when the name is UTF-8 the two must agree.
 */
function entryName(flags: number, raw: Buffer, extraFields: readonly ExtraField[]): string {
  // On the raw bytes, before decoding: CP437 would turn control bytes into glyphs (0x0A -> ◙).
  const control = raw.findIndex((byte) => byte < 0x20 || byte === 0x7f);
  if (control >= 0) {
    const code = (raw[control] ?? 0).toString(16).toUpperCase().padStart(4, "0");
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "unsafe-name",
      lossyName(raw),
      `the name contains the control character U+${code}`,
    );
  }
  const decoded = decodeRawName(flags, raw);
  const unicode = unicodePath(raw, extraFields, decoded.name);
  if (unicode === undefined || unicode === decoded.name) return checkedName(decoded.name);
  if (decoded.encoding === "utf8") {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "unicode-path",
      decoded.name,
      `the Info-ZIP Unicode Path field names it ${quoteName(unicode)} instead`,
    );
  }
  // Both readings must be safe: another tool may well use the CP437 one.
  checkedName(decoded.name);
  return checkedName(unicode);
}

function decodeRawName(flags: number, raw: Buffer): { name: string; encoding: "utf8" | "cp437" } {
  const name = decodeUtf8(raw);
  if (name !== undefined) return { name, encoding: "utf8" };
  if ((flags & FLAG_UTF8) !== 0) {
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "name-encoding",
      lossyName(raw),
      "the name is flagged as UTF-8 (general purpose flag bit 11) but its bytes are not valid UTF-8",
    );
  }
  // yauzl's CP437 table: flags 0 (not UTF-8), no extra fields, no backslash rewriting.
  return { name: getFileNameLowLevel(0, raw, [], true), encoding: "cp437" };
}

/** The name an Info-ZIP Unicode Path field gives, or undefined when there is none. */
function unicodePath(
  raw: Buffer,
  extraFields: readonly ExtraField[],
  name: string,
): string | undefined {
  const fields = extraFields.filter((field) => field.id === UNICODE_PATH_FIELD);
  const [field] = fields;
  if (field === undefined) return undefined;
  const mismatch = (problem: string): CaisseError =>
    refuse("E_ARCHIVE_HEADER_MISMATCH", "unicode-path", name, problem);
  if (fields.length > 1) throw mismatch("it has two Info-ZIP Unicode Path fields");
  if (field.data.length < 5 || field.data[0] !== 1) {
    throw mismatch("it has an Info-ZIP Unicode Path field of an unknown version");
  }
  // Readers that honour the field's CRC would ignore it; those that do not would use another
  // name than ours. No till writes a stale field, so it is refused rather than guessed about.
  if (field.data.readUInt32LE(1) !== crc32(raw)) {
    throw mismatch(
      "the Info-ZIP Unicode Path field is stale: its CRC does not match the name (renamed afterwards?)",
    );
  }
  const unicode = decodeUtf8(field.data.subarray(5));
  if (unicode === undefined) {
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "name-encoding",
      name,
      "the Info-ZIP Unicode Path field is not valid UTF-8",
    );
  }
  return unicode;
}

function checkedName(name: string): string {
  const reason = unsafeNameReason(name);
  if (reason !== undefined) throw refuse("E_ARCHIVE_UNSAFE_PATH", "unsafe-name", name, reason);
  return name;
}

/**
 * The manifest and signature are reserved at the root only; any other use of those names at the
 * root (another case, a folder) is refused, `sub/caisse-manifest.json` is an ordinary file.
 */
function roleOf(name: string): EntryRole {
  if (name === MANIFEST_NAME) return "manifest";
  if (name === SIGNATURE_NAME) return "signature";
  const [first = name] = name.split("/");
  if (isReservedName(first)) {
    throw refuse(
      "E_ARCHIVE_RESERVED_NAME",
      "reserved-name",
      name,
      `'${first}' at the root is reserved: only the files '${MANIFEST_NAME}' and '${SIGNATURE_NAME}', spelled exactly so, may use it`,
    );
  }
  return "data";
}

/**
 * Finds names that would land on the same file: the same name after case folding and NFC, a
 * file and a folder of the same name, a file used as a folder by another entry (`a` and `a/b`).
 */
class NameIndex {
  /** Collision key of each entry (without a folder's final `/`) to the entry. */
  readonly #entries = new Map<string, { name: string; directory: boolean }>();
  /** Collision key of every folder some entry lies in, to the first such entry. */
  readonly #impliedFolders = new Map<string, string>();

  add(name: string, directory: boolean): void {
    const components = (directory ? name.slice(0, -1) : name).split("/").map(collisionKey);
    const key = components.join("/");
    const same = this.#entries.get(key);
    if (same !== undefined) throw duplicate(name, sameNameProblem(same, name, directory));
    const below = this.#impliedFolders.get(key);
    if (!directory && below !== undefined) {
      throw duplicate(name, `it is a file, but ${quoteName(below)} uses the same name as a folder`);
    }
    for (let depth = 1; depth < components.length; depth += 1) {
      const folderKey = components.slice(0, depth).join("/");
      const existing = this.#entries.get(folderKey);
      if (existing !== undefined && !existing.directory) {
        throw duplicate(name, `it uses ${quoteName(existing.name)}, a file, as a folder`);
      }
      if (!this.#impliedFolders.has(folderKey)) this.#impliedFolders.set(folderKey, name);
    }
    this.#entries.set(key, { name, directory });
  }
}

function sameNameProblem(
  existing: { name: string; directory: boolean },
  name: string,
  directory: boolean,
): string {
  if (existing.name === name) return "the name appears twice";
  if (existing.directory !== directory) {
    const kind = existing.directory ? "folder" : "file";
    return `${quoteName(existing.name)} is a ${kind} of the same name: a file and a folder cannot share a name`;
  }
  return `it is the same ${directory ? "folder" : "file"} as ${quoteName(existing.name)} once case and Unicode normalisation are ignored`;
}

function duplicate(name: string, problem: string): CaisseError {
  return refuse("E_ARCHIVE_DUPLICATE_NAME", "duplicate-name", name, problem);
}

// ---------------------------------------------------------------------------------------------
// Entry types, encryption, methods
// ---------------------------------------------------------------------------------------------

const HOST_UNIX = 3;
const HOST_DARWIN = 19;
const DOS_DIRECTORY = 0x10;
const DOS_REPARSE_POINT = 0x400;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const SPECIAL_TYPES: Readonly<Record<number, string>> = {
  0o010000: "a FIFO",
  0o020000: "a character device",
  0o060000: "a block device",
  0o140000: "a socket",
};

/**
 * Links and special files are refused; so is an entry whose attributes and name disagree on
 * being a folder, since extractors would then disagree on what to create. Unix mode bits are
 * read for Unix and macOS hosts; the link type and the Windows reparse-point attribute are
 * refused whatever the host claims.
 */
function checkEntryType(entry: Entry, name: string, directory: boolean): void {
  const attributes = entry.externalFileAttributes >>> 0;
  const mode = attributes >>> 16;
  const type = mode & S_IFMT;
  const host = entry.versionMadeBy >>> 8;
  const octal = mode.toString(8).padStart(6, "0");
  if (type === S_IFLNK) {
    throw refuse(
      "E_ARCHIVE_LINK",
      "link",
      name,
      `it is a symbolic link (Unix mode ${octal}); links are refused`,
    );
  }
  if ((attributes & DOS_REPARSE_POINT) !== 0) {
    throw refuse(
      "E_ARCHIVE_LINK",
      "link",
      name,
      "it has the Windows reparse-point attribute (a link or junction); links are refused",
    );
  }
  const wrongType = (problem: string): CaisseError =>
    refuse("E_ARCHIVE_ENTRY_TYPE", "entry-type", name, problem);
  if ((host === HOST_UNIX || host === HOST_DARWIN) && type !== 0) {
    const special = SPECIAL_TYPES[type];
    if (type !== S_IFREG && type !== S_IFDIR) {
      throw wrongType(
        `it is ${special ?? "of an unknown type"} (Unix mode ${octal}); only regular files and folders are accepted`,
      );
    }
    if (type === S_IFDIR && !directory)
      throw wrongType(`its Unix mode (${octal}) says folder but its name does not end with '/'`);
    if (type === S_IFREG && directory)
      throw wrongType(`its Unix mode (${octal}) says regular file but its name ends with '/'`);
  }
  if ((attributes & DOS_DIRECTORY) !== 0 && !directory) {
    throw wrongType("it has the folder attribute but its name does not end with '/'");
  }
  if (directory && entry.uncompressedSize > 0) {
    throw wrongType(`it is a folder but declares ${entry.uncompressedSize} bytes of content`);
  }
}

function checkEncryption(flags: number, name: string): void {
  const bits = [
    [FLAG_ENCRYPTED, 0],
    [FLAG_STRONG_ENCRYPTION, 6],
    [FLAG_MASKED_HEADERS, 13],
  ].filter(([flag = 0]) => (flags & flag) !== 0);
  if (bits.length > 0) {
    throw refuse(
      "E_ARCHIVE_ENCRYPTED",
      "encrypted",
      name,
      `it is encrypted (general purpose flag bit ${bits.map(([, bit]) => bit).join(", ")}); encrypted entries are refused`,
    );
  }
}

const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: "shrink",
  2: "reduce",
  3: "reduce",
  4: "reduce",
  5: "reduce",
  6: "implode",
  9: "deflate64",
  10: "PKWARE implode",
  12: "bzip2",
  14: "LZMA",
  18: "IBM TERSE",
  19: "IBM LZ77",
  93: "Zstandard",
  94: "MP3",
  95: "XZ",
  96: "JPEG",
  97: "WavPack",
  98: "PPMd",
  99: "AES",
};

function checkMethod(method: number, name: string): "store" | "deflate" {
  if (method === 0) return "store";
  if (method === 8) return "deflate";
  const known = METHOD_NAMES[method];
  throw refuse(
    "E_ARCHIVE_METHOD",
    "method",
    name,
    `it uses compression method ${method}${known === undefined ? "" : ` (${known})`}; only 0 (store) and 8 (deflate) are accepted`,
  );
}

// ---------------------------------------------------------------------------------------------
// Local headers and overlapping data
// ---------------------------------------------------------------------------------------------

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_MARK = 0xffffffff;

interface LocalHeader {
  readonly signature: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly name: Buffer;
  readonly extra: Buffer;
}

/** The byte range an entry occupies: from its local header to the end of its data. */
interface ByteRange {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Reads every local header, then checks that no two entries share bytes and none reaches the
 * central directory (what catches Fifield's overlapping zip bombs), then that each local header
 * agrees with its central record. Overlaps come first: in a bomb they are the real problem.
 */
async function locateEntries(
  context: ScanContext,
  entries: readonly CheckedEntry[],
  centralDirectoryStart: number,
): Promise<LocatedEntry[]> {
  const located: { entry: LocatedEntry; local: LocalHeader }[] = [];
  for (const entry of entries) {
    const local = await readLocalHeader(context, entry, centralDirectoryStart);
    const dataStart =
      entry.entry.relativeOffsetOfLocalHeader +
      LOCAL_HEADER_BYTES +
      local.name.length +
      local.extra.length;
    located.push({ entry: { ...entry, dataStart }, local });
  }
  checkRanges(
    located.map(({ entry }) => ({
      name: entry.info.name,
      start: entry.entry.relativeOffsetOfLocalHeader,
      end: entry.dataStart + entry.info.compressedSize,
    })),
    centralDirectoryStart,
  );
  for (const { entry, local } of located) compareLocalHeader(entry, local);
  return located.map(({ entry }) => entry);
}

async function readLocalHeader(
  context: ScanContext,
  checked: CheckedEntry,
  centralDirectoryStart: number,
): Promise<LocalHeader> {
  const { name } = checked.info;
  const offset = checked.entry.relativeOffsetOfLocalHeader;
  if (offset + LOCAL_HEADER_BYTES > centralDirectoryStart) {
    throw refuse(
      "E_ARCHIVE_OVERLAP",
      "overlap",
      name,
      `its local header offset (${offset}) is not before the central directory (byte ${centralDirectoryStart})`,
    );
  }
  const fixed = await readAt(context.handle, offset, LOCAL_HEADER_BYTES, context.archive);
  const signature = fixed.readUInt32LE(0);
  if (signature !== LOCAL_HEADER_SIGNATURE) {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "local-header",
      name,
      `there is no local header at offset ${offset} (found 0x${signature.toString(16).padStart(8, "0")}, expected 0x04034b50)`,
    );
  }
  const nameLength = fixed.readUInt16LE(26);
  const extraLength = fixed.readUInt16LE(28);
  const variable = await readAt(
    context.handle,
    offset + LOCAL_HEADER_BYTES,
    nameLength + extraLength,
    context.archive,
  );
  if (variable.length < nameLength + extraLength) {
    throw refuse(
      "E_ARCHIVE_TRUNCATED",
      "truncated",
      name,
      `its local header at offset ${offset} runs past the end of the file`,
    );
  }
  return {
    signature,
    flags: fixed.readUInt16LE(6),
    method: fixed.readUInt16LE(8),
    crc32: fixed.readUInt32LE(14),
    compressedSize: fixed.readUInt32LE(18),
    uncompressedSize: fixed.readUInt32LE(22),
    name: variable.subarray(0, nameLength),
    extra: variable.subarray(nameLength),
  };
}

function checkRanges(ranges: readonly ByteRange[], centralDirectoryStart: number): void {
  const overlap = (name: string, problem: string): CaisseError =>
    refuse(
      "E_ARCHIVE_OVERLAP",
      "overlap",
      name,
      `${problem}; entries must not share bytes (a zip bomb construction)`,
    );
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  let furthest: ByteRange | undefined;
  for (const range of sorted) {
    if (range.end > centralDirectoryStart) {
      throw overlap(
        range.name,
        `its data [${range.start}, ${range.end}) runs into the central directory (byte ${centralDirectoryStart})`,
      );
    }
    if (furthest !== undefined && range.start < furthest.end) {
      throw overlap(
        range.name,
        `its bytes [${range.start}, ${range.end}) overlap those of ${quoteName(furthest.name)} [${furthest.start}, ${furthest.end})`,
      );
    }
    if (furthest === undefined || range.end > furthest.end) furthest = range;
  }
}

// Encryption and name-encoding bits must agree; bit 3 (data descriptor) may legitimately differ.
const COMPARED_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_UTF8 | FLAG_MASKED_HEADERS;

/**
 * A local header that disagrees with the central directory means two readers of the same zip
 * would see two different archives (a streaming unzip reads local headers only).
 */
function compareLocalHeader(located: LocatedEntry, local: LocalHeader): void {
  const { entry, info } = located;
  const differences: string[] = [];
  const differ = (field: string, central: string | number, found: string | number): void => {
    differences.push(`${field}: central directory ${central}, local header ${found}`);
  };
  if (!local.name.equals(entry.fileNameRaw)) {
    differ("name", quoteName(info.name), quoteName(lossyName(local.name)));
  }
  if (local.method !== entry.compressionMethod) {
    differ("method", entry.compressionMethod, local.method);
  }
  if ((local.flags & COMPARED_FLAGS) !== (entry.generalPurposeBitFlag & COMPARED_FLAGS)) {
    differ("flags", hex16(entry.generalPurposeBitFlag), hex16(local.flags));
  }
  const localFields = localExtraFields(local, info.name);
  // With a data descriptor (bit 3) the local CRC and sizes are zeros by design.
  if ((local.flags & FLAG_DATA_DESCRIPTOR) === 0) {
    const sizes = localSizes(local, localFields);
    if (local.crc32 !== entry.crc32) differ("CRC-32", hex32(entry.crc32), hex32(local.crc32));
    if (sizes.compressed !== entry.compressedSize) {
      differ("compressed size", entry.compressedSize, sizes.compressed);
    }
    if (sizes.uncompressed !== entry.uncompressedSize) {
      differ("uncompressed size", entry.uncompressedSize, sizes.uncompressed);
    }
  }
  if (differences.length === 0 && localFields.some((field) => field.id === UNICODE_PATH_FIELD)) {
    const localName = entryName(local.flags, local.name, localFields);
    if (localName !== info.name) {
      differ("Unicode Path field", quoteName(info.name), quoteName(localName));
    }
  }
  if (differences.length > 0) {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "local-header",
      info.name,
      `the local header disagrees with the central directory (${differences.join("; ")})`,
      { details: { differences } },
    );
  }
}

function localExtraFields(local: LocalHeader, name: string): ExtraField[] {
  try {
    return parseExtraFields(local.extra);
  } catch (error) {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "local-header",
      name,
      `the local header's extra field is malformed (${errorMessage(error)})`,
      {
        cause: error,
      },
    );
  }
}

/** The local sizes, from the Zip64 extra field when the 32-bit fields hold 0xFFFFFFFF. */
function localSizes(
  local: LocalHeader,
  fields: readonly ExtraField[],
): { compressed: number; uncompressed: number } {
  let { compressedSize: compressed, uncompressedSize: uncompressed } = local;
  const zip64 = fields.find((field) => field.id === ZIP64_FIELD)?.data;
  if (zip64 === undefined) return { compressed, uncompressed };
  // In a local header the field holds both sizes, uncompressed first (APPNOTE 4.5.3).
  if (uncompressed === ZIP64_MARK && zip64.length >= 8) {
    uncompressed = Number(zip64.readBigUInt64LE(0));
  }
  if (compressed === ZIP64_MARK && zip64.length >= 16) {
    compressed = Number(zip64.readBigUInt64LE(8));
  }
  return { compressed, uncompressed };
}

function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, "0")}`;
}

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// Declared sizes against the limits
// ---------------------------------------------------------------------------------------------

/**
 * Declared sizes are checked before extraction so that a bomb is refused without inflating a
 * byte; extraction then refuses any entry whose actual content differs from its declared size,
 * so the declared sizes bound the actual ones.
 */
function checkDeclaredSizes(entries: readonly LocatedEntry[], limits: ArchiveLimits): void {
  let total = 0;
  for (const { info } of entries) {
    const { name, uncompressedSize: size, compressedSize: compressed } = info;
    if (size > limits.maxEntryBytes) {
      throw refuse(
        "E_ARCHIVE_ENTRY_TOO_LARGE",
        "max-entry-bytes",
        name,
        `it declares ${describeBytes(size)}; the limit is ${describeBytes(limits.maxEntryBytes)} (limits.maxEntryBytes)`,
      );
    }
    if (size >= RATIO_EXEMPT_BYTES && size > limits.maxRatio * compressed) {
      const ratio =
        compressed === 0 ? "an infinite ratio" : `a ratio of ${Math.floor(size / compressed)}:1`;
      throw refuse(
        "E_ARCHIVE_RATIO",
        "max-ratio",
        name,
        `it declares ${describeBytes(size)} from ${describeBytes(compressed)} of compressed data, ${ratio}; the limit is ${limits.maxRatio}:1 (limits.maxRatio)`,
      );
    }
    total += size;
    if (total > limits.maxTotalBytes) {
      throw refuse(
        "E_ARCHIVE_TOO_LARGE",
        "max-total-bytes",
        name,
        `with this entry the archive declares ${describeBytes(total)} in all; the limit is ${describeBytes(limits.maxTotalBytes)} (limits.maxTotalBytes)`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading entry content
// ---------------------------------------------------------------------------------------------

/**
 * Counts, CRCs and hashes an entry's content on its way through, and fails as soon as the content
 * is longer than declared: the declared size (already within the limits) caps what is inflated.
 */
class ContentCheck extends Transform {
  readonly #info: ArchiveEntryInfo;
  readonly #hash = createHash("sha256");
  #size = 0;
  #crc = 0;

  constructor(info: ArchiveEntryInfo) {
    super();
    this.#info = info;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.#info.uncompressedSize) {
      callback(
        refuse(
          "E_ARCHIVE_SIZE_MISMATCH",
          "size",
          this.#info.name,
          `its content is larger than the ${this.#info.uncompressedSize} bytes its headers declare (stopped after ${this.#size} bytes)`,
        ),
      );
      return;
    }
    this.#crc = crc32(chunk, this.#crc);
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { name, uncompressedSize, crc32: declared } = this.#info;
    if (this.#size !== uncompressedSize) {
      callback(
        refuse(
          "E_ARCHIVE_SIZE_MISMATCH",
          "size",
          name,
          `its content is ${this.#size} bytes but its headers declare ${uncompressedSize}`,
        ),
      );
    } else if (this.#crc !== declared) {
      callback(
        refuse(
          "E_ARCHIVE_CRC",
          "crc",
          name,
          `its content has CRC-32 ${hex32(this.#crc)} but its headers declare ${hex32(declared)}`,
        ),
      );
    } else {
      callback();
    }
  }

  /** SHA-256 of the content; once the stream has ended. */
  digest(): string {
    return this.#hash.digest("hex");
  }
}

/** The entry's compressed bytes, from where our own reading of its local header says they start. */
function openRawStream(zipfile: ZipFile, located: LocatedEntry): Promise<Readable> {
  const { compressedSize } = located.info;
  return new Promise((resolvePromise, reject) => {
    zipfile.openReadStreamLowLevel(
      located.dataStart,
      compressedSize,
      0,
      compressedSize,
      false,
      null,
      (error, stream) => {
        if (error === null) resolvePromise(stream);
        else reject(error);
      },
    );
  });
}

/**
 * Streams one entry through inflate (if deflated) and the content checks into `sink`. `target`
 * names the destination in I/O error messages. Every stream has an error listener and pipeline()
 * destroys them all on the first failure, so no promise waits on a dead stream.
 */
async function streamEntry(
  zipfile: ZipFile,
  located: LocatedEntry,
  sink: Writable,
  target: string,
): Promise<{ size: number; sha256: string }> {
  const { info } = located;
  let raw: Readable;
  try {
    raw = await openRawStream(zipfile, located);
  } catch (error) {
    throw structureError(target, error, info.name);
  }
  const check = new ContentCheck(info);
  const inflate = info.method === "deflate" ? zlib.createInflateRaw() : undefined;
  // yauzl forwards errors between its inner streams with setImmediate: one can arrive after
  // pipeline() has settled, and an 'error' without listener would crash the process.
  for (const stream of [raw, inflate, check, sink]) stream?.on("error", ignore);
  try {
    if (inflate === undefined) await pipeline(raw, check, sink);
    else await pipeline(raw, inflate, check, sink);
  } catch (error) {
    throw contentError(error, info.name, target);
  }
  return { size: info.uncompressedSize, sha256: check.digest() };
}

function contentError(error: unknown, name: string, target: string): CaisseError {
  if (error instanceof CaisseError) return error;
  const code = systemErrorCode(error);
  if (code?.startsWith("Z_") === true) {
    return refuse(
      "E_ARCHIVE_TRUNCATED",
      "deflate",
      name,
      `its compressed data is corrupt or cut short (zlib: ${errorMessage(error)})`,
      {
        cause: error,
      },
    );
  }
  if (code !== undefined) return ioError(`extract entry ${quoteName(name)} to`, target, error);
  return structureError(target, error, name);
}

/** Reads a small entry (manifest, signature) into memory, capped at `cap` bytes. */
async function readSmallEntry(
  context: ScanContext,
  located: LocatedEntry,
  cap: number,
  code: ErrorCode,
): Promise<Buffer> {
  const { name, uncompressedSize } = located.info;
  if (uncompressedSize > cap) {
    throw refuse(
      code,
      "small-entry-size",
      name,
      `it declares ${describeBytes(uncompressedSize)}; at most ${describeBytes(cap)} is read`,
    );
  }
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      chunks.push(chunk);
      callback();
    },
  });
  await streamEntry(context.zipfile, located, sink, `${context.archive} (${name})`);
  return Buffer.concat(chunks);
}

async function readManifest(
  context: ScanContext,
  entries: readonly LocatedEntry[],
): Promise<Scan["manifest"]> {
  const entry = entries.find((candidate) => candidate.role === "manifest");
  if (entry === undefined) return undefined;
  const bytes = await readSmallEntry(context, entry, MAX_MANIFEST_BYTES, "E_MANIFEST_INVALID");
  return { bytes, value: parseManifest(bytes) };
}

async function readSignature(
  context: ScanContext,
  entries: readonly LocatedEntry[],
  hasManifest: boolean,
): Promise<string | undefined> {
  const entry = entries.find((candidate) => candidate.role === "signature");
  if (entry === undefined) return undefined;
  if (!hasManifest) {
    throw refuse(
      "E_MANIFEST_INVALID",
      "signature-without-manifest",
      SIGNATURE_NAME,
      `the archive has a signature but no '${MANIFEST_NAME}' for it to sign`,
    );
  }
  const bytes = await readSmallEntry(context, entry, MAX_SIGNATURE_BYTES, "E_ARCHIVE_SIGNATURE");
  const line = decodeUtf8(bytes)?.trim();
  if (line === undefined || line === "" || /\p{Cc}/u.test(line)) {
    throw refuse(
      "E_ARCHIVE_SIGNATURE",
      "signature-format",
      SIGNATURE_NAME,
      "the signature file must hold exactly one line of UTF-8 text",
    );
  }
  return line;
}

// ---------------------------------------------------------------------------------------------
// The manifest against the entries
// ---------------------------------------------------------------------------------------------

interface ManifestDifference {
  path: string;
  problem: "listed-twice" | "missing" | "extra" | "size" | "sha256";
  message: string;
}

/** File names and declared sizes, before anything is written. */
function compareListing(
  manifest: Manifest,
  files: readonly ArchiveEntryInfo[],
): ManifestDifference[] {
  const differences: ManifestDifference[] = [];
  const listed = new Map<string, number>();
  for (const file of manifest.files) {
    if (listed.has(file.path)) {
      differences.push({
        path: file.path,
        problem: "listed-twice",
        message: `${quoteName(file.path)} is listed twice in the manifest`,
      });
    }
    listed.set(file.path, file.size);
  }
  const present = new Set(files.map((file) => file.name));
  for (const path of listed.keys()) {
    if (!present.has(path)) {
      differences.push({
        path,
        problem: "missing",
        message: `${quoteName(path)} is in the manifest but not in the archive`,
      });
    }
  }
  for (const file of files) {
    const size = listed.get(file.name);
    if (size === undefined) {
      differences.push({
        path: file.name,
        problem: "extra",
        message: `${quoteName(file.name)} is in the archive but not in the manifest`,
      });
    } else if (size !== file.uncompressedSize) {
      differences.push({
        path: file.name,
        problem: "size",
        message: `${quoteName(file.name)}: the manifest says ${size} bytes, the entry holds ${file.uncompressedSize}`,
      });
    }
  }
  return differences;
}

/** SHA-256 sums, once the content has been read. */
function compareSums(manifest: Manifest, files: readonly ExtractedFile[]): ManifestDifference[] {
  const sums = new Map(manifest.files.map((file) => [file.path, file.sha256]));
  return files.flatMap((file) => {
    const expected = sums.get(file.path);
    if (expected === undefined || expected === file.sha256) return [];
    return [
      {
        path: file.path,
        problem: "sha256" as const,
        message: `${quoteName(file.path)}: the manifest says SHA-256 ${expected}, the content has ${file.sha256}`,
      },
    ];
  });
}

const SHOWN_DIFFERENCES = 10;

function manifestMismatch(differences: readonly ManifestDifference[]): CaisseError {
  const shown = differences.slice(0, SHOWN_DIFFERENCES).map((difference) => difference.message);
  const more =
    differences.length > SHOWN_DIFFERENCES
      ? `; and ${differences.length - SHOWN_DIFFERENCES} more`
      : "";
  return new CaisseError(
    "E_MANIFEST_MISMATCH",
    `the manifest does not match the archive: ${shown.join("; ")}${more}`,
    {
      details: { entry: differences[0]?.path, rule: "manifest-match", differences },
      hint: DEFAULT_HINT,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

const FILE_MODE = 0o644;
const FOLDER_MODE = 0o755;

/** Creates the staging folder, or accepts an existing empty one (not a link). */
async function prepareStaging(stagingDir: string): Promise<string> {
  const root = resolve(stagingDir);
  try {
    await mkdir(dirname(root), { recursive: true, mode: FOLDER_MODE });
    await mkdir(root, { mode: FOLDER_MODE });
    return root;
  } catch (error) {
    if (systemErrorCode(error) !== "EEXIST") {
      throw ioError("create the staging folder", root, error);
    }
  }
  if (!(await isEmptyFolder(root))) {
    throw new CaisseError("E_IO", `cannot extract into ${root}: it is not an empty folder`, {
      details: { path: root, operation: "extract" },
      hint: "the staging folder must not exist yet, or be empty.",
    });
  }
  return root;
}

/** True for an empty folder; false for anything else, a link to a folder included. */
async function isEmptyFolder(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory() && (await readdir(path)).length === 0;
  } catch (error) {
    throw ioError("read the staging folder", path, error);
  }
}

/** Where an entry goes: inside `root`, re-checked here although every name was checked already. */
function targetPath(root: string, name: string): string {
  const path = name.endsWith("/") ? name.slice(0, -1) : name;
  const target = resolve(root, ...path.split("/"));
  const inside = relative(root, target);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "outside-staging",
      name,
      `it would be written outside the staging folder (${target})`,
    );
  }
  return target;
}

/** Creates folders one level at a time, never through a link, and remembers them for fsync. */
class FolderMaker {
  readonly #root: string;
  readonly #made = new Map<string, string>();

  constructor(root: string) {
    this.#root = root;
  }

  async ensure(path: string): Promise<void> {
    if (path === "") return;
    const components = path.split("/");
    for (let depth = 1; depth <= components.length; depth += 1) {
      const folder = components.slice(0, depth).join("/");
      if (this.#made.has(folder)) continue;
      const absolute = targetPath(this.#root, folder);
      try {
        await mkdir(absolute, { mode: FOLDER_MODE });
      } catch (error) {
        // Names were checked for collisions, so only a folder made earlier may already be there.
        const existing = systemErrorCode(error) === "EEXIST" ? await lstat(absolute) : undefined;
        if (existing?.isDirectory() !== true) throw ioError("create the folder", absolute, error);
      }
      this.#made.set(folder, absolute);
    }
  }

  /** Flushes every folder's entry table, deepest first, then the root's. */
  async syncAll(): Promise<void> {
    const folders = [...this.#made.values()].sort((a, b) => b.length - a.length);
    for (const folder of [...folders, this.#root]) await syncDirectory(folder);
  }
}

/**
 * Writes to an open file. Not `handle.createWriteStream()`: with `autoClose: false` its pipeline
 * never settles (it waits for a 'close' that never comes), and without it the handle is closed
 * before we can fsync.
 */
function fileSink(handle: FileHandle): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      writeAll(handle, chunk).then(
        () => {
          callback();
        },
        (error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        },
      );
    },
  });
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    if (bytesWritten === 0) throw new Error("the file system accepted no bytes");
    offset += bytesWritten;
  }
}

async function extractFile(
  zipfile: ZipFile,
  located: LocatedEntry,
  target: string,
): Promise<ExtractedFile> {
  let handle: FileHandle;
  try {
    // 'wx': created here or not at all, so never through or over an existing file or link.
    handle = await open(target, "wx", FILE_MODE);
  } catch (error) {
    throw ioError("create", target, error);
  }
  let counted: { size: number; sha256: string };
  try {
    counted = await streamEntry(zipfile, located, fileSink(handle), target);
    // Durable before the caller swaps the staging folder in.
    await handle.sync();
  } catch (error) {
    await handle.close().catch(ignore);
    throw error instanceof CaisseError ? error : ioError("write", target, error);
  }
  try {
    await handle.close();
  } catch (error) {
    throw ioError("write", target, error);
  }
  return { path: located.info.name, size: counted.size, sha256: counted.sha256 };
}

function parentOf(name: string): string {
  const index = name.lastIndexOf("/");
  return index < 0 ? "" : name.slice(0, index);
}

/** What `openArchive` returns. */
class OpenedZip implements OpenedArchive {
  readonly path: string;
  readonly entries: readonly ArchiveEntryInfo[];
  readonly manifest: { bytes: Buffer; value: Manifest } | undefined;
  readonly signature: string | undefined;
  readonly #handle: FileHandle;
  readonly #zipfile: ZipFile;
  readonly #limits: ArchiveLimits;
  readonly #data: readonly LocatedEntry[];
  #state: "open" | "extracted" | "closed" = "open";

  constructor(
    path: string,
    handle: FileHandle,
    zipfile: ZipFile,
    limits: ArchiveLimits,
    scan: Scan,
  ) {
    this.path = path;
    this.#handle = handle;
    this.#zipfile = zipfile;
    this.#limits = limits;
    this.#data = scan.entries;
    this.entries = Object.freeze(scan.entries.map((entry) => Object.freeze({ ...entry.info })));
    this.manifest = scan.manifest;
    this.signature = scan.signature;
  }

  async extractTo(stagingDir: string): Promise<ExtractedFile[]> {
    if (this.#state !== "open") {
      throw new CaisseError(
        "E_INTERNAL",
        `extractTo() called on an archive that is already ${this.#state}: ${this.path}`,
      );
    }
    this.#state = "extracted";
    const manifest = this.manifest?.value;
    if (manifest !== undefined) {
      const differences = compareListing(
        manifest,
        this.entries.filter((entry) => !entry.directory),
      );
      if (differences.length > 0) throw manifestMismatch(differences);
    }
    const root = await prepareStaging(stagingDir);
    try {
      const files = await this.#extractAll(root);
      if (manifest !== undefined) {
        const differences = compareSums(manifest, files);
        if (differences.length > 0) throw manifestMismatch(differences);
      }
      return files;
    } catch (error) {
      // Everything in it is ours: it was absent or empty when we started.
      await rm(root, { recursive: true, force: true }).catch(ignore);
      throw error;
    }
  }

  async #extractAll(root: string): Promise<ExtractedFile[]> {
    const folders = new FolderMaker(root);
    const files: ExtractedFile[] = [];
    let total = 0;
    for (const located of this.#data) {
      const { name, directory } = located.info;
      if (directory) {
        await folders.ensure(name.slice(0, -1));
        continue;
      }
      await folders.ensure(parentOf(name));
      const file = await extractFile(this.#zipfile, located, targetPath(root, name));
      // Cannot trip after the declared-size checks (content = declared size); kept as a backstop.
      total += file.size;
      if (total > this.#limits.maxTotalBytes) {
        throw refuse(
          "E_ARCHIVE_TOO_LARGE",
          "max-total-bytes",
          name,
          `the content extracted so far exceeds ${describeBytes(this.#limits.maxTotalBytes)}`,
        );
      }
      files.push(file);
    }
    await folders.syncAll();
    return files;
  }

  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#zipfile.close();
    try {
      await this.#handle.close();
    } catch (error) {
      throw ioError("close the archive", this.path, error);
    }
  }
}

/**
 * What the reader's modules pass each other: the public shapes (re-exported by `../read.ts`),
 * then the stages of a scan, from a checked central directory record to a located entry.
 */
import type { FileHandle } from "node:fs/promises";
import type { Entry, ZipFile } from "yauzl";
import type { Manifest } from "../manifest.js";
import type { ArchiveLimits } from "./limits.js";

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

/** Options of `extractTo`. */
export interface ExtractOptions {
  /**
   * The files the manifest lists but the archive does not carry are allowed (an incremental
   * archive): the caller completes the staging folder with them. Without it, such an archive is
   * refused like any archive missing a listed file (E_MANIFEST_MISMATCH), which is what a central
   * that does not know incremental archives does.
   */
  partial?: boolean;
}

/**
 * An archive whose structure passed every check of docs/security.md#the-checks, ready to be
 * extracted.
 */
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
  extractTo(stagingDir: string, options?: ExtractOptions): Promise<ExtractedFile[]>;
  /** Releases the archive file. Safe to call more than once. */
  close(): Promise<void>;
}

export interface ScanContext {
  readonly archive: string;
  readonly handle: FileHandle;
  readonly zipfile: ZipFile;
  readonly limits: ArchiveLimits;
}

export type EntryRole = "data" | "manifest" | "signature";

/** A central directory record that passed the per-entry checks. */
export interface CheckedEntry {
  readonly entry: Entry;
  readonly info: ArchiveEntryInfo;
  readonly role: EntryRole;
}

/** A checked entry whose local header was read: where its data starts in the file. */
export interface LocatedEntry extends CheckedEntry {
  readonly dataStart: number;
}

export interface Scan {
  readonly entries: readonly LocatedEntry[];
  readonly manifest: { bytes: Buffer; value: Manifest } | undefined;
  readonly signature: string | undefined;
}

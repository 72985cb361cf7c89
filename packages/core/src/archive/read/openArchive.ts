import type { FileHandle } from "node:fs/promises";
import { fromRandomAccessReaderPromise, type ZipFile } from "yauzl";
import { errorMessage, ignore, notAZip, structureError } from "./errors.js";
import { resolveLimits, type ArchiveLimits } from "./limits.js";
import { OpenedZip } from "./openedZip.js";
import { HandleReader, openFile, sizeOf } from "./reader.js";
import { refuse } from "./refuse.js";
import { scanArchive } from "./scanArchive.js";
import type { OpenedArchive } from "./types.js";

/** Options of `openArchive`. */
export interface OpenArchiveOptions {
  /** Limits to apply; each one left out takes its value from `DEFAULT_LIMITS`. */
  limits?: Partial<ArchiveLimits>;
}

/**
 * Opens an untrusted archive and checks its whole structure (see docs/security.md#the-checks): that
 * it is a zip, every entry name, entry types, encryption, methods, collisions, reserved names,
 * local headers against the central directory, overlapping data, declared sizes against the limits.
 * Reads and parses the manifest and signature. Every refusal is a `CaisseError` with a specific
 * code (E_ARCHIVE_..., E_MANIFEST_...) and `details: { entry, rule }`; a file that cannot be read
 * is an E_IO. The caller must `close()` the result.
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
    const zipfile = await fromRandomAccessReaderPromise(
      new HandleReader(handle),
      fileSize,
      YAUZL_OPTIONS,
    );
    // yauzl emits 'error' once, on whatever call is running; we listen per call (nextEntry, in
    // centralDirectory.ts). This listener only keeps a late error (closing the reader) from
    // crashing the process.
    zipfile.on("error", ignore);
    return zipfile;
  } catch (error) {
    if (errorMessage(error).startsWith("End of central directory record signature not found")) {
      throw await notAZip(handle, fileSize, path);
    }
    throw structureError(path, error);
  }
}

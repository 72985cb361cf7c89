/**
 * Errors from below (yauzl, zlib, the file system) translated at the edge: into refusals that
 * say what is wrong with the archive and, where known, which entry, or into E_IO.
 */
import type { FileHandle } from "node:fs/promises";
import { CaisseError, isCaisseError, ioError, systemErrorCode } from "../../errors.js";
import { readAt } from "./reader.js";
import { describeBytes, quoteName, refuse } from "./refuse.js";

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ignore(): void {
  // Deliberately empty: see each use.
}

const ZIP_SIGNATURES = [0x04034b50, 0x06054b50, 0x08074b50].map((signature) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(signature);
  return bytes;
});

/** No end record: a zip cut short (it starts like one), an HTML page, or something else. */
export async function notAZip(
  handle: FileHandle,
  fileSize: number,
  path: string,
): Promise<CaisseError> {
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
export function structureError(path: string, error: unknown, entry?: string): CaisseError {
  if (isCaisseError(error)) return error;
  if (systemErrorCode(error) !== undefined) return ioError("read the archive", path, error);
  const detail = errorMessage(error);
  const what = /unexpected EOF|not enough bytes|overflows file bounds/u.test(detail)
    ? "it is truncated or its offsets point past its end"
    : "its structure is corrupt";
  return refuse("E_ARCHIVE_TRUNCATED", "structure", entry, `${what} (${detail})`, { cause: error });
}

/** An error while streaming an entry's content: corrupt deflate data is the archive's fault. */
export function contentError(error: unknown, name: string, target: string): CaisseError {
  if (isCaisseError(error)) return error;
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

import { open, type FileHandle } from "node:fs/promises";
import { Writable } from "node:stream";
import type { ZipFile } from "yauzl";
import { isCaisseError, ioError } from "../../errors.js";
import { ignore } from "./errors.js";
import { streamEntry } from "./streamEntry.js";
import type { ExtractedFile, LocatedEntry } from "./types.js";

const FILE_MODE = 0o644;

/**
 * Writes to an open file. Not `handle.createWriteStream()`: its own close cannot be awaited with
 * the errors of the last writes, and we close the file ourselves.
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

/**
 * Writes one file entry to `target`, which it creates. Not flushed to disk: the caller flushes
 * every file of the archive together before the staging folder counts (`syncFiles`).
 */
export async function extractFile(
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
  } catch (error) {
    await handle.close().catch(ignore);
    throw isCaisseError(error) ? error : ioError("write", target, error);
  }
  try {
    await handle.close();
  } catch (error) {
    throw ioError("write", target, error);
  }
  return { path: located.info.name, size: counted.size, sha256: counted.sha256 };
}

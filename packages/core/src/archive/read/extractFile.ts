import { open, type FileHandle } from "node:fs/promises";
import { Writable } from "node:stream";
import type { ZipFile } from "yauzl";
import { CaisseError, ioError } from "../../errors.js";
import { ignore } from "./errors.js";
import { streamEntry } from "./streamEntry.js";
import type { ExtractedFile, LocatedEntry } from "./types.js";

const FILE_MODE = 0o644;

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

/** Writes one file entry to `target`, which it creates, and flushes it to disk. */
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

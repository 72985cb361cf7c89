import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { open, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { ioError, systemErrorCode } from "../errors.js";

/** How `retryWhileBusy` behaves; both given by tests only. */
export interface BusyRetry {
  /** Default: this machine's. Only Windows retries. */
  platform?: NodeJS.Platform;
  /** Default: a real timer. */
  wait?: (ms: number) => Promise<void>;
}

// What Windows answers while an antivirus, an indexer or a backup tool holds the file open.
const BUSY_CODES = new Set(["EPERM", "EACCES", "EBUSY"]);
// The waits between attempts: 2 s in all, then the error stands.
export const BUSY_WAITS_MS = [10, 20, 40, 80, 150, 250, 400, 500, 550] as const;

/**
 * Runs a rename or a removal, retrying on Windows for about 2 s while it fails with EPERM, EACCES or
 * EBUSY: an antivirus or the search indexer opens new files for a moment, and Windows refuses to
 * rename or delete an open file (as graceful-fs does; see docs/decisions.md). Elsewhere these
 * errors are real and returned at once.
 */
export async function retryWhileBusy<T>(
  operation: () => Promise<T>,
  options: BusyRetry = {},
): Promise<T> {
  const platform = options.platform ?? process.platform;
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const delay = BUSY_WAITS_MS[attempt];
      const code = systemErrorCode(error);
      if (
        platform !== "win32" ||
        delay === undefined ||
        code === undefined ||
        !BUSY_CODES.has(code)
      )
        throw error;
      await wait(delay);
    }
  }
}

/** `rename`, retried while Windows says the file is busy. */
export function renameRetrying(from: string, to: string, options?: BusyRetry): Promise<void> {
  return retryWhileBusy(() => rename(from, to), options);
}

/** `renameRetrying`, a failure told as E_IO naming both paths. */
export async function moveRetrying(from: string, to: string): Promise<void> {
  try {
    await renameRetrying(from, to);
  } catch (error) {
    throw ioError(`rename ${from} to`, to, error);
  }
}

/** Whether something is at `path`; a failure other than "not there" is E_IO. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return false;
    throw ioError("look at", path, error);
  }
}

/** `rm` (`force`: a missing path is fine), retried while Windows says the file is busy. */
export function removeRetrying(
  path: string,
  options: { recursive?: boolean } & BusyRetry = {},
): Promise<void> {
  return retryWhileBusy(
    () => rm(path, { force: true, recursive: options.recursive === true }),
    options,
  );
}

/** `unlink`, retried while Windows says the file is busy. */
export function unlinkRetrying(path: string, options?: BusyRetry): Promise<void> {
  return retryWhileBusy(() => unlink(path), options);
}

/** A name beside `path` that no other writer uses: `.name.<random>.tmp`. */
export function temporarySibling(path: string, suffix = ".tmp"): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}${suffix}`);
}

/** Flushes a folder's entry table, so that a rename inside it survives a power cut. */
export async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch {
    // Windows cannot open a folder for syncing; its renames are journaled by NTFS anyway.
  } finally {
    await handle?.close();
  }
}

/** Flushes a finished file's content to disk, before it is renamed into place. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes many files, a few at a time. One fsync per file in a row costs a journal commit each on
 * most file systems; fsyncs in flight together share one (9,900 small files: see the archive
 * bench). E_IO naming the first file that could not be flushed.
 */
export async function syncFiles(paths: readonly string[], concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++] as string;
      try {
        await syncFile(path);
      } catch (error) {
        next = paths.length; // the other workers stop after their current file
        throw ioError("flush", path, error);
      }
    }
  };
  const workers = Array.from({ length: Math.min(concurrency, paths.length) }, worker);
  const outcomes = await Promise.allSettled(workers);
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

const openFile = promisify(fs.open);
const readInto = promisify(fs.read);
const closeFile = promisify(fs.close);

/** The read buffer of `sha256OfFile`. */
const HASH_CHUNK = 64 * 1024;
/** Read buffers of `sha256OfFile` calls that ended, for the next ones; at most this many. */
const SPARE_HASH_BUFFERS = 8;
const spareHashBuffers: Buffer[] = [];

/**
 * SHA-256 of a file's content, lower-case hex, streamed (E_IO when it cannot be read). The file
 * is read into a buffer that later calls use again: a new buffer per file or per chunk (a read
 * stream's) is memory outside V8's heap that it frees only at its next collection, and hashing
 * a till's thousand files one after the other then grew the process by 40 MiB.
 */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const buffer = spareHashBuffers.pop() ?? Buffer.allocUnsafeSlow(HASH_CHUNK);
  try {
    // A descriptor, as a read stream opens one, rather than a FileHandle.
    const fd = await openFile(path, "r");
    try {
      for (;;) {
        const { bytesRead } = await readInto(fd, buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
      }
    } finally {
      await closeFile(fd);
    }
  } catch (error) {
    throw ioError("read", path, error);
  } finally {
    if (spareHashBuffers.length < SPARE_HASH_BUFFERS) spareHashBuffers.push(buffer);
  }
  return hash.digest("hex");
}

/**
 * Writes a whole file so that readers see the old content or the new one, never a mix: write to a
 * temporary sibling, flush it to disk, rename it over the target, flush the folder.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const temporary = temporarySibling(path);
  try {
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameRetrying(temporary, path);
  } catch (error) {
    await removeRetrying(temporary);
    throw ioError("write", path, error);
  }
  await syncDirectory(dirname(path));
}

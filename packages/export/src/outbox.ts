import type { Logger, Progress, ProgressTask } from "@caisse/cli";
import {
  archiveTransportName,
  CaisseError,
  ioError,
  isCaisseError,
  openArchive,
  parseArchiveTransportName,
  syncDirectory,
  systemErrorCode,
  type Manifest,
  removeRetrying,
} from "@caisse/core";
import type { OutgoingArchive, Sender } from "@caisse/transports";
import { lstat, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * The outbox: archives built and not yet confirmed by the transport. An archive is named by its
 * transport name (`D01_20261127T230005_000042.zip`) and leaves the outbox only once the sender
 * has confirmed it, oldest sequence first.
 */

/** An archive waiting in the outbox. */
export interface OutboxArchive {
  name: string;
  /** Absolute path. */
  path: string;
  /** Size in bytes. */
  size: number;
  sequence: number;
  till: string;
  /** When it was built (the file's modification time). */
  modified: Date;
}

/** What the outbox folder holds. */
export interface OutboxListing {
  /** Archives by sequence, oldest first. */
  archives: OutboxArchive[];
  /** `.tmp` and `.part` files left by an interrupted build: never sent. */
  strays: { name: string; modified: Date }[];
  /** Anything else: never sent, never removed, shown by `status`. */
  others: string[];
}

/** Stray temporary files older than this are removed by `run` and `send`: 1 hour. */
export const STRAY_MAX_AGE_MS = 60 * 60 * 1000;

function isStray(name: string): boolean {
  return name.endsWith(".tmp") || name.endsWith(".part");
}

/** Lists the outbox; a missing outbox is an empty one. */
export async function listOutbox(dir: string): Promise<OutboxListing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return { archives: [], strays: [], others: [] };
    throw ioError("read the outbox", dir, error);
  }
  const listing: OutboxListing = { archives: [], strays: [], others: [] };
  for (const name of names.sort()) {
    const path = join(dir, name);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) continue; // removed meanwhile
    const parts = info.isFile() ? parseArchiveTransportName(name) : undefined;
    if (parts !== undefined) {
      listing.archives.push({
        name,
        path,
        size: info.size,
        sequence: parts.sequence,
        till: parts.till,
        modified: info.mtime,
      });
    } else if (info.isFile() && isStray(name)) listing.strays.push({ name, modified: info.mtime });
    else listing.others.push(name);
  }
  listing.archives.sort(
    (left, right) => left.sequence - right.sequence || left.name.localeCompare(right.name),
  );
  return listing;
}

/** Removes the stray temporary files older than `maxAgeMs`; returns their names. */
export async function cleanStrays(
  dir: string,
  listing: OutboxListing,
  now: Date,
  maxAgeMs = STRAY_MAX_AGE_MS,
): Promise<string[]> {
  const removed: string[] = [];
  for (const stray of listing.strays) {
    if (now.getTime() - stray.modified.getTime() < maxAgeMs) continue;
    await removeRetrying(join(dir, stray.name));
    removed.push(stray.name);
  }
  return removed;
}

/** The sequence the next archive gets: after the state's, and after any archive in the outbox. */
export function nextSequence(stateNext: number, listing: OutboxListing): number {
  const highest = listing.archives.reduce((most, archive) => Math.max(most, archive.sequence), 0);
  return Math.max(stateNext, highest + 1);
}

/** Reads an archive's manifest, checking the archive's structure on the way. */
export async function readArchiveManifest(path: string): Promise<Manifest> {
  const opened = await openArchive(path);
  try {
    if (opened.manifest === undefined) {
      throw new CaisseError(
        "E_MANIFEST_INVALID",
        `${path} has no caisse-manifest.json: it was not built by caisse-export`,
        {
          details: { path },
          hint: "send only archives built by 'caisse-export zip' or 'run'; an old plain zip goes to head office by hand ('caisse-central import FILE --till REF').",
        },
      );
    }
    return opened.manifest.value;
  } finally {
    await opened.close();
  }
}

/** What a sender needs to know about an archive file, from its manifest. */
export async function describeArchive(path: string): Promise<OutgoingArchive> {
  const manifest = await readArchiveManifest(path);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw ioError("read", path, error);
  }
  return {
    path,
    name: archiveTransportName(manifest.till, manifest.created, manifest.sequence),
    size,
    till: manifest.till,
    tillName: manifest.name,
    sequence: manifest.sequence,
    created: manifest.created,
  };
}

/** What `sendArchives` did. */
export interface SendReport {
  sent: { file: string; name: string; destination: string }[];
  /** Files not sent because an earlier one failed, the failed one first. */
  notSent: string[];
  failure: CaisseError | undefined;
}

/** A transport's byte counts (its env.onProgress), for the bar of the archive being sent. */
export type TransferProgress = (done: number, total: number) => void;

/** Opens the transport, its byte counts going to `onProgress`; called only when there is something to send. */
export type OpenSender = (onProgress?: TransferProgress) => Sender;

/**
 * The bytes of the archive being sent, as a bar of its own under the archives' bar: only at a
 * terminal (see docs/operations.md#logs); it appears with the transport's first count.
 */
export interface TransferMeter {
  readonly onProgress: TransferProgress;
  /** The archive sent from now on. */
  start(name: string): void;
  /** The send is over: its bar goes. */
  stop(): void;
}

export function transferMeter(progress: Progress): TransferMeter {
  let label = "";
  let task: ProgressTask | undefined;
  const stop = () => {
    task?.end();
    task = undefined;
  };
  return {
    onProgress(done, total) {
      if (!progress.shown) return;
      task ??= progress.task(label, total, "bytes");
      task.update(done);
    },
    start(name) {
      stop();
      label = `sending ${name}`;
    },
    stop,
  };
}

/** Options of `sendArchives`. */
export interface SendArchivesOptions {
  /** Remove each file once the sender confirmed it (the outbox); false leaves it (`send FILE`). */
  remove: boolean;
  log: Logger;
  /** Ctrl-C or a stop signal: no archive is started after it (the one being sent finishes). */
  signal?: AbortSignal | undefined;
  /** The bar of the bytes sent, fed by the sender's onProgress. */
  meter?: TransferMeter | undefined;
}

function asTransportFailure(error: unknown, file: string): CaisseError {
  if (isCaisseError(error)) return error;
  return new CaisseError(
    "E_TRANSPORT",
    `sending ${basename(file)} failed: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
      details: { file },
      hint: "the archive stays where it is; run again with --verbose for details.",
    },
  );
}

/**
 * Sends the files in the given order and stops at the first failure, so that the central never
 * receives a sequence after one that is missing. The sender is closed in every case.
 */
export async function sendArchives(
  files: readonly string[],
  sender: Sender,
  options: SendArchivesOptions,
): Promise<SendReport> {
  const report: SendReport = { sent: [], notSent: [], failure: undefined };
  const task = options.log.progress.task(`sending to ${sender.kind}`, files.length, "items");
  try {
    for (const [index, file] of files.entries()) {
      if (options.signal?.aborted === true) {
        report.failure = new CaisseError("E_INTERRUPTED", "the sending was stopped", {
          hint: "the archives not sent stay in the outbox; the next run sends them.",
        });
        report.notSent = files.slice(index);
        break;
      }
      task.update(index, basename(file));
      let sent = false;
      try {
        const archive = await describeArchive(file);
        options.meter?.start(archive.name);
        const receipt = await sender.send(archive).finally(() => options.meter?.stop());
        sent = true;
        options.log.info(
          `sent ${archive.name} (sequence ${archive.sequence}) to ${receipt.destination}`,
        );
        report.sent.push({ file, name: archive.name, destination: receipt.destination });
        if (options.remove) await removeSent(file);
      } catch (error) {
        report.failure = asTransportFailure(error, file);
        // A file sent but not removed is sent again next time: the dir transport and the central
        // both recognise the same bytes, so that is harmless.
        report.notSent = files.slice(sent ? index + 1 : index);
        break;
      }
    }
  } finally {
    task.end();
    await sender.close().catch((error: unknown) => {
      options.log.warn(
        `closing the ${sender.kind} transport failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
  return report;
}

async function removeSent(file: string): Promise<void> {
  try {
    await removeRetrying(file);
  } catch (error) {
    throw ioError("remove the sent archive", file, error);
  }
  await syncDirectory(dirname(file));
}

/**
 * Removes the temporary files an interrupted run left in the outbox, once they are old. Returns
 * the listing it read: removing strays leaves its archives as they were.
 */
export async function tidyOutbox(dir: string, now: Date, log: Logger): Promise<OutboxListing> {
  const listing = await listOutbox(dir);
  for (const name of await cleanStrays(dir, listing, now)) {
    log.info(`removed ${name} from the outbox, left by an interrupted run`);
  }
  return listing;
}

/** Sends every archive of an outbox listing, oldest sequence first, removing each once confirmed. */
export async function sendOutbox(
  listing: OutboxListing,
  openSender: OpenSender,
  log: Logger,
  signal?: AbortSignal,
): Promise<SendReport> {
  const files = listing.archives.map((archive) => archive.path);
  if (files.length === 0) return { sent: [], notSent: [], failure: undefined };
  const meter = transferMeter(log.progress);
  return sendArchives(files, openSender(meter.onProgress), { remove: true, log, signal, meter });
}

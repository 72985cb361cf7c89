import {
  ioError,
  removeRetrying,
  renameRetrying,
  syncDirectory,
  systemErrorCode,
} from "@caisse/core";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { tillDirectory } from "../config.js";
import type { Central } from "../context.js";
import { appendJournal, GENESIS, readJournal, type JournalEntry } from "../journal.js";
import { finishSwap, recoverSwap, swapPaths } from "../swap.js";
import type { SwapNote } from "./importArchive.js";

export interface RecoveredTill {
  till: string;
  /** `rolled-back`: the interrupted import left no trace; `rolled-forward`: it was completed. */
  kind: "rolled-back" | "rolled-forward";
}

function noteOf(note: unknown): SwapNote | undefined {
  if (typeof note !== "object" || note === null || !("record" in note)) return undefined;
  return note as SwapNote;
}

/** Puts in place the archive a decided swap kept under a temporary name (importArchive.ts). */
async function placeArchive(central: Central, note: SwapNote): Promise<void> {
  const { record, archive } = note;
  if (typeof archive !== "string" || typeof record.stored !== "string") return;
  const destination = join(central.paths.root, record.stored);
  const temporary = join(dirname(destination), basename(archive));
  try {
    await renameRetrying(temporary, destination);
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return; // already in place
    throw ioError("store the archive as", destination, error);
  }
  await syncDirectory(dirname(destination));
}

/**
 * Brings every till's directory back to a consistent state after an import that was interrupted
 * (crash, kill -9, power cut), and journals an import whose swap had been decided. Runs under the
 * central lock before any new import.
 */
export async function recoverInterruptedImports(central: Central): Promise<RecoveredTill[]> {
  const recovered: RecoveredTill[] = [];
  for (const till of central.config.tills) {
    const paths = swapPaths(tillDirectory(central.paths, till));
    const recovery = await recoverSwap(paths);
    if (recovery.kind === "clean") continue;
    if (recovery.kind === "rolled-forward") {
      const note = noteOf(recovery.note);
      if (note !== undefined) {
        await placeArchive(central, note);
        const { record } = note;
        const journal = await readJournal(central.paths.journal);
        const done = journal.some(
          (entry) =>
            entry.outcome === record.outcome &&
            entry.sha256 === record.sha256 &&
            entry.till === record.till &&
            // A restore may take the same archive again: its own entry is the one with its time.
            (record.outcome !== "restored" || entry.time === record.time),
        );
        if (!done) await appendJournal(central.paths.journal, record);
      }
      await finishSwap(paths);
    }
    recovered.push({ till: till.ref, kind: recovery.kind });
  }
  return recovered;
}

/**
 * The imports decided but not finished (a swap marker is there), as the journal entries the
 * recovery will write, numbered 0: for a dry run, which recovers nothing.
 */
export async function pendingImports(central: Central): Promise<JournalEntry[]> {
  const pending: JournalEntry[] = [];
  for (const till of central.config.tills) {
    const { marker } = swapPaths(tillDirectory(central.paths, till));
    let text: string;
    try {
      text = await readFile(marker, "utf8");
    } catch (error) {
      if (systemErrorCode(error) === "ENOENT") continue;
      throw ioError("read", marker, error);
    }
    let note: SwapNote | undefined;
    try {
      note = noteOf(JSON.parse(text));
    } catch {
      continue; // not a note: the recovery rolls the swap forward without one
    }
    if (note !== undefined) pending.push({ n: 0, ...note.record, prev: GENESIS });
  }
  return pending;
}

/** The prefix of the folders an archive is collected into before it is decided (run.ts). */
export const DOWNLOAD_PREFIX = "incoming-";

/**
 * Whether `name` is a temporary file of the central's making: `.<name>.<12 hex>.tmp`, as
 * temporarySibling (core) names them; with `of`, one for that file name only.
 */
export function isTemporaryName(name: string, of?: string): boolean {
  const match = /^\.(.+)\.[0-9a-f]{12}\.tmp$/u.exec(name);
  return match !== null && (of === undefined || match[1] === of);
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT" || systemErrorCode(error) === "ENOTDIR") return [];
    throw ioError("list", folder, error);
  }
}

async function removeLeftover(path: string): Promise<void> {
  try {
    await removeRetrying(path, { recursive: true });
  } catch (error) {
    throw ioError("remove the leftover", path, error);
  }
}

/**
 * Removes every temporary file and folder a crashed run of the central left (docs/central-layout.md
 * lists them), under the lock and after the interrupted swaps were recovered (which puts in place
 * the archive copies they decided on). None is the only copy of anything: an archive is given up
 * by its source only once stored under its own name, and a file written atomically keeps its
 * previous content until the rename.
 *
 * - `.caisse/incoming-*`: the folders archives are collected into;
 * - `archives/<TILL>/.*.tmp`: archive copies waiting for their swap;
 * - `quarantine/.*.tmp`: refused archives and their reason files being written;
 * - `.caisse-central.json.*.tmp`, `.journal.head.json.*.tmp`, `.journal.jsonl.*.tmp` at the
 *   root: the config, the head record and a repaired journal being written;
 * - `.<dir>.caisse-swap.json.*.tmp` beside a till's directory: its swap marker being written.
 *
 * A till's staging and old folders (`.caisse-new`, `.caisse-old`) are the swap recovery's.
 */
export async function removeLeftovers(central: Central): Promise<void> {
  const { paths } = central;
  const sweep = async (folder: string, leftover: (name: string) => boolean): Promise<void> => {
    for (const name of await namesIn(folder)) {
      if (leftover(name)) await removeLeftover(join(folder, name));
    }
  };
  await sweep(paths.work, (name) => name.startsWith(DOWNLOAD_PREFIX));
  for (const till of await namesIn(paths.archives)) {
    await sweep(join(paths.archives, till), (name) => isTemporaryName(name));
  }
  await sweep(paths.quarantine, (name) => isTemporaryName(name));
  const rootFiles = [basename(paths.config), basename(paths.journal), "journal.head.json"];
  await sweep(paths.root, (name) => rootFiles.some((file) => isTemporaryName(name, file)));
  for (const till of central.config.tills) {
    const marker = swapPaths(tillDirectory(paths, till)).marker;
    await sweep(dirname(marker), (name) => isTemporaryName(name, basename(marker)));
  }
}

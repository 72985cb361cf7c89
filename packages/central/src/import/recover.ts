import { ioError } from "@caisse/core";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { tillDirectory } from "../config.js";
import type { Central } from "../context.js";
import { appendJournal, readJournal, type JournalRecord } from "../journal.js";
import { finishSwap, recoverSwap, swapPaths } from "../swap.js";
import type { SwapNote } from "./importArchive.js";

export interface RecoveredTill {
  till: string;
  /** `rolled-back`: the interrupted import left no trace; `rolled-forward`: it was completed. */
  kind: "rolled-back" | "rolled-forward";
}

function noteRecord(note: unknown): JournalRecord | undefined {
  if (typeof note !== "object" || note === null || !("record" in note)) return undefined;
  return (note as SwapNote).record;
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
      const record = noteRecord(recovery.note);
      if (record !== undefined) {
        const journal = await readJournal(central.paths.journal);
        const done = journal.some(
          (entry) =>
            entry.outcome === "accepted" &&
            entry.sha256 === record.sha256 &&
            entry.till === record.till,
        );
        if (!done) await appendJournal(central.paths.journal, record);
      }
      await finishSwap(paths);
    }
    recovered.push({ till: till.ref, kind: recovery.kind });
  }
  return recovered;
}

/** The prefix of the folders an archive is collected into before it is decided (run.ts). */
export const DOWNLOAD_PREFIX = "incoming-";

/**
 * Removes the collection folders a crashed run left in the central's working folder. Under the
 * lock no other run is collecting, and nothing there is the only copy of an archive: a source
 * gives an item up only after its archives are stored under archives/ or quarantine/.
 */
export async function removeStaleDownloads(central: Central): Promise<void> {
  const folder = central.paths.work;
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    throw ioError("list", folder, error);
  }
  for (const name of names.filter((entry) => entry.startsWith(DOWNLOAD_PREFIX))) {
    try {
      await rm(join(folder, name), { recursive: true, force: true });
    } catch (error) {
      throw ioError("remove the leftover folder", join(folder, name), error);
    }
  }
}

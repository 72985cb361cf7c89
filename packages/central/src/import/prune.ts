import {
  ioError,
  parseInstant,
  syncDirectory,
  systemErrorCode,
  unlinkRetrying,
} from "@caisse/core";
import { dirname, join } from "node:path";
import type { Central } from "../context.js";
import { readJournal, type JournalEntry } from "../journal.js";

/**
 * `archives.keepDays` (see docs/central-layout.md#archivestill): accepted archives journaled more than
 * that many days ago are removed from archives/ after a fetch or an import, except the last one of
 * each till, so that `restore` can always rebuild every till's directory as it is now. Their
 * journal entries stay: the journal is the history; archives/ holds what can still be restored.
 */
export interface PrunedArchive {
  till: string;
  sequence: number | null;
  /** Relative to the root: `archives/D01/D01_20261127T230005_000042.zip`. */
  stored: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The accepted entry of each till's last archive: never removed. */
function lastOfEachTill(entries: readonly JournalEntry[]): Set<string> {
  const last = new Map<string, JournalEntry>();
  for (const entry of entries) {
    if (entry.outcome !== "accepted" || entry.till === null || typeof entry.stored !== "string")
      continue;
    const key = entry.till.toUpperCase();
    const before = last.get(key);
    // The highest sequence; a legacy archive (no sequence) counts by its place in the journal.
    if (before === undefined || (entry.sequence ?? Infinity) >= (before.sequence ?? -Infinity))
      last.set(key, entry);
  }
  return new Set([...last.values()].map((entry) => (entry.stored ?? "").toLowerCase()));
}

/** Removes the archives older than `archives.keepDays`; nothing when it is not set. */
export async function pruneArchives(central: Central, now: Date): Promise<PrunedArchive[]> {
  const { keepDays } = central.config.archives;
  if (keepDays === undefined) return [];
  const entries = await readJournal(central.paths.journal);
  const kept = lastOfEachTill(entries);
  const limit = now.getTime() - keepDays * DAY_MS;
  const pruned: PrunedArchive[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const { stored, till } = entry;
    if (entry.outcome !== "accepted" || till === null || typeof stored !== "string") continue;
    const key = stored.toLowerCase();
    if (!key.startsWith("archives/") || kept.has(key) || seen.has(key)) continue;
    seen.add(key);
    const time = parseInstant(entry.time);
    if (time === undefined || time.getTime() >= limit) continue;
    const path = join(central.paths.root, stored);
    try {
      await unlinkRetrying(path);
    } catch (error) {
      if (systemErrorCode(error) === "ENOENT") continue;
      throw ioError("remove the old archive", path, error);
    }
    await syncDirectory(dirname(path));
    pruned.push({ till, sequence: entry.sequence, stored });
  }
  return pruned;
}

import {
  CaisseError,
  isoWithOffset,
  openArchive,
  sha256Hex,
  sha256OfFile,
  type OpenedArchive,
} from "@caisse/core";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { requireTill, tillDirectory } from "../config.js";
import type { Central } from "../context.js";
import { appendJournal, type JournalEntry, type JournalRecord } from "../journal.js";
import {
  commitSwap,
  discardStaging,
  finishSwap,
  freshStaging,
  swapPaths,
  type PauseHook,
} from "../swap.js";
import { checkTrust } from "./checks.js";
import type { SwapNote } from "./importArchive.js";
import { withTrustedJournal } from "./run.js";

/**
 * `caisse-central restore REF --sequence N` (see docs/operations.md#restoring-a-till): rebuilds a
 * till's directory from an archive kept under archives/, through the import's own path: the
 * archive is checked again as untrusted input (structure, signature, every byte against its
 * manifest), extracted into the staging folder and swapped in all or nothing, and the restore
 * is journaled. The till's sequence is not changed: its next archive is taken as usual.
 */

/** The source name of the journal entries a restore writes. */
export const RESTORE_SOURCE = "restore";

export interface RestoreResult {
  till: string;
  sequence: number;
  /** The archive, relative to the root. */
  stored: string;
  /** The till's directory. */
  target: string;
  files: number;
  /** The journal entry's number. */
  entry: number;
}

export interface RestoreOptions {
  now: () => Date;
  pause?: PauseHook | undefined;
}

/** The accepted entries of a till whose archive is still under archives/, by sequence. */
async function keptArchives(
  central: Central,
  till: string,
  entries: readonly JournalEntry[],
): Promise<Map<number, JournalEntry>> {
  const kept = new Map<number, JournalEntry>();
  for (const entry of entries) {
    if (entry.outcome !== "accepted" || entry.till?.toUpperCase() !== till.toUpperCase()) continue;
    if (entry.sequence === null || typeof entry.stored !== "string") continue;
    const info = await stat(join(central.paths.root, entry.stored)).catch(() => undefined);
    if (info?.isFile() === true) kept.set(entry.sequence, entry);
  }
  return kept;
}

function notKept(
  till: string,
  sequence: number,
  kept: ReadonlyMap<number, JournalEntry>,
): CaisseError {
  const sequences = [...kept.keys()].sort((a, b) => a - b);
  return new CaisseError(
    "E_RESTORE_NOT_KEPT",
    `till ${till}: no archive #${sequence} is kept under archives/ (${sequences.length === 0 ? "none is kept" : `kept: #${sequences.join(", #")}`})`,
    {
      details: { till, sequence, kept: sequences },
      hint: "restore one of the archives kept; archives older than archives.keepDays are removed, except the last one of each till. 'caisse-central journal --till REF' shows what was received.",
    },
  );
}

export async function restoreTill(
  central: Central,
  ref: string,
  sequence: number,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const till = requireTill(central.config, ref);
  return withTrustedJournal(central, "caisse-central restore", async (entries) => {
    const kept = await keptArchives(central, till.ref, entries);
    const entry = kept.get(sequence);
    if (entry?.stored === null || entry?.stored === undefined)
      throw notKept(till.ref, sequence, kept);
    const stored = entry.stored;
    const path = join(central.paths.root, stored);
    const sha256 = await sha256OfFile(path);
    if (sha256 !== entry.sha256) {
      throw new CaisseError(
        "E_JOURNAL_DAMAGED",
        `${stored} is not the archive journaled in entry ${entry.n}: its SHA-256 differs; nothing was restored`,
        {
          details: { path, entry: entry.n },
          hint: "the kept archive was replaced or damaged; restore another sequence, and see docs/security.md.",
        },
      );
    }
    const target = tillDirectory(central.paths, till);
    const staging = swapPaths(target);
    let archive: OpenedArchive | undefined;
    try {
      archive = await openArchive(path, { limits: central.config.limits });
      // The key registered now: an archive signed with a key since replaced is refused.
      checkTrust(till, archive, undefined);
      const manifest = archive.manifest;
      const files = await archive.extractTo(await freshStaging(staging));
      await archive.close();
      const record: JournalRecord = {
        time: isoWithOffset(options.now()),
        source: RESTORE_SOURCE,
        file: basename(stored),
        till: till.ref,
        sequence,
        sha256,
        size: (await stat(path)).size,
        outcome: "restored",
        code: null,
        reason: `directory rebuilt from archive #${sequence} by hand`,
        stored,
        gap: null,
        manifest: manifest === undefined ? null : sha256Hex(manifest.bytes),
      };
      await commitSwap(staging, { record, archive: null } satisfies SwapNote, options.pause);
      const journaled = await appendJournal(central.paths.journal, record);
      await finishSwap(staging, options.pause);
      return { till: till.ref, sequence, stored, target, files: files.length, entry: journaled.n };
    } catch (error) {
      await archive?.close();
      await discardStaging(staging);
      throw error;
    }
  });
}

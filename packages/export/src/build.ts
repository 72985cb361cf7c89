import {
  archiveTransportName,
  buildArchive,
  isoWithOffset,
  planArchive,
  type ArchivePlan,
  type BuiltArchive,
} from "@caisse/core";
import { basename, join } from "node:path";
import type { Logger, Progress } from "@caisse/cli";
import {
  decideMode,
  readBase,
  unchangedSinceBase,
  writeBase,
  type ArchiveDecision,
} from "./base.js";
import { nextSequence, type OutboxListing } from "./outbox.js";
import { checkBeforeActing } from "./preflight.js";
import type { Signer } from "./signing.js";
import { writeState, type StatePaths } from "./state.js";

/** Options of `buildNextArchive`. */
export interface BuildNextOptions {
  paths: StatePaths;
  /** Absolute path of the config file; undefined when running without one. */
  configFile: string | undefined;
  till: string;
  name: string;
  /** Absolute path of the data directory. */
  data: string;
  /** Absolute path of the private key; undefined: unsigned. */
  key: string | undefined;
  /** Absolute path of the archive to write; undefined: into the outbox under its transport name. */
  out: string | undefined;
  now: Date;
  /** Time limit of the build in milliseconds; default that of `buildArchive` (10 minutes). */
  timeoutMs?: number;
  /** The outbox as the caller has just listed it (`run` tidies it first); listed here otherwise. */
  outbox?: OutboxListing;
  /** Where to show the bytes read into the archive (a bar at a terminal). */
  progress?: Progress;
  /** Ctrl-C: the build stops and removes its temporary file (E_INTERRUPTED). */
  signal?: AbortSignal | undefined;
  /**
   * `run` only: full or incremental archives, and the base kept for them (see base.ts). Without
   * it (`zip`) the archive is full and the base is left as it is.
   */
  chain?: { fullEveryDays: number; forceFull: boolean; log: Logger };
}

export interface BuildNextResult {
  plan: ArchivePlan;
  archive: BuiltArchive;
  /** The file name written: the transport name in the outbox, or the name given with --out. */
  fileName: string;
  /** Files packed: all of them in a full archive, those changed since the base otherwise. */
  carried: number;
  /** Why the archive is full, or its base. */
  decision: ArchiveDecision;
}

/** What the next archive will be, before anything is written (for `--dry-run` and the build). */
export interface NextArchivePlan {
  plan: ArchivePlan;
  sequence: number;
  /** SHA-256 of the previous manifest, or null for the till's first archive. */
  previous: string | null;
  /** Where it will be written. */
  outPath: string;
  /** The outbox as read for the sequence: the archives already waiting. */
  outbox: OutboxListing;
  /** The signing function, the key read and checked; undefined when unsigned. */
  sign: Signer | undefined;
  /** Full, and why, or incremental on which base. */
  decision: ArchiveDecision;
}

/**
 * Makes every check of `checkBeforeActing`, lists the data directory, and reads the next sequence.
 * Writes nothing.
 */
export async function planNextArchive(options: BuildNextOptions): Promise<NextArchivePlan> {
  const { paths, data } = options;
  const { state, outbox: listed, sign } = await checkBeforeActing(options);
  const plan = await planArchive(data);
  // An outbox archive newer than the state (a state file restored from an old backup) still
  // keeps its sequence for itself.
  const outbox = options.outbox ?? listed;
  const sequence = nextSequence(state.nextSequence, outbox);
  const outPath =
    options.out ?? join(paths.outbox, archiveTransportName(options.till, options.now, sequence));
  const { chain } = options;
  const decision: ArchiveDecision =
    chain === undefined
      ? { mode: "full", reason: "caisse-export zip builds full archives" }
      : decideMode({
          base: await readBase(paths, chain.log),
          fullEveryDays: chain.fullEveryDays,
          forceFull: chain.forceFull,
          now: options.now,
          outbox,
        });
  return { plan, sequence, previous: state.lastManifestSha256, outPath, outbox, sign, decision };
}

/**
 * Builds the till's next archive and commits its sequence. The caller holds the state lock.
 *
 * The sequence is never reused: the archive is built under a temporary name, then state.json is
 * written (next sequence, this manifest's hash), then the archive is renamed into place. A crash
 * before the state is written leaves only a temporary file and the same sequence is built again,
 * since no archive with it was ever visible; a crash between the state and the rename loses this
 * archive, which the central reports as a gap. No order of events gives two archives one sequence.
 */
export async function buildNextArchive(options: BuildNextOptions): Promise<BuildNextResult> {
  const { plan, sequence, previous, outPath, sign, decision } = await planNextArchive(options);
  const { paths } = options;
  const unchanged =
    decision.mode === "incremental" ? await unchangedSinceBase(plan, decision.base) : undefined;
  // Nothing left to build on (every file changed): a full archive says so more simply.
  const incremental =
    decision.mode === "incremental" && unchanged !== undefined && unchanged.size > 0
      ? { base: decision.base.sequence, unchanged }
      : undefined;
  const task = options.progress?.task(`building ${basename(outPath)}`, plan.totalBytes, "bytes");
  const archive = await buildArchive(plan, {
    outPath,
    till: options.till,
    name: options.name,
    sequence,
    previous,
    created: options.now,
    sign,
    incremental,
    timeoutMs: options.timeoutMs,
    beforeRename: async (built) => {
      await writeState(paths, {
        nextSequence: sequence + 1,
        lastSequence: sequence,
        lastManifestSha256: built.manifestSha256,
        till: options.till,
        lastArchive: basename(outPath),
        updated: isoWithOffset(options.now),
      });
      // After the state: a crash in between leaves the older base, which is still sound (the
      // central checks every file an incremental archive does not carry).
      if (options.chain !== undefined && incremental === undefined) {
        await writeBase(paths, {
          sequence,
          archive: basename(outPath),
          created: built.manifest.created,
          sent: false,
          files: built.manifest.files,
        });
      }
    },
    onProgress: (bytesRead, file) => {
      task?.update(bytesRead, file);
    },
    signal: options.signal,
  }).finally(() => task?.end());
  return {
    plan,
    archive,
    fileName: basename(outPath),
    carried: plan.files.length - (incremental?.unchanged.size ?? 0),
    decision,
  };
}

/** Logs what the plan left out: links are never followed, special files never read. */
export function warnSkipped(plan: ArchivePlan, log: Logger): void {
  for (const entry of plan.skipped) {
    const what = entry.reason === "link" ? "a symbolic link, never followed" : "not a regular file";
    log.warn(`left out of the archive: ${entry.relative} (${what})`);
  }
}

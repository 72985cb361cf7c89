import {
  CaisseError,
  ioError,
  isCaisseError,
  parseArchiveTransportName,
  removeRetrying,
  withLock,
} from "@caisse/core";
import type { Source, SourceItem } from "@caisse/transports";
import { mkdir, mkdtemp } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Central } from "../context.js";
import { createSource } from "../sources.js";
import { readJournal, type JournalEntry } from "../journal.js";
import { archiveProblems, journalDamaged, readCheckedJournal } from "../journalCheck.js";
import { emptyHistory, noteAccepted, tillHistories } from "../tillHistory.js";
import {
  applyImport,
  planImport,
  resultOfPlan,
  type ImportOptions,
  type ImportResult,
  type IncomingArchive,
} from "./importArchive.js";
import { ExaminationGuard } from "./examining.js";
import { refuseItem } from "./refusedItem.js";
import { pruneArchives, type PrunedArchive } from "./prune.js";
import {
  DOWNLOAD_PREFIX,
  pendingImports,
  recoverInterruptedImports,
  removeLeftovers,
  type RecoveredTill,
} from "./recover.js";

/** Something that went wrong with a source or the disk; the run went on with the rest. */
export interface RunFailure {
  source: string;
  item: string | null;
  error: unknown;
}

export interface RunSummary {
  /** Nothing was changed: the results say what a real run would do. */
  dryRun: boolean;
  recovered: RecoveredTill[];
  results: ImportResult[];
  failures: RunFailure[];
  /** Archives removed under archives.keepDays after the run (see prune.ts). */
  pruned?: PrunedArchive[] | undefined;
}

export interface RunOptions extends ImportOptions {
  /** Check and plan only: no import, no quarantine, no journal entry, nothing settled at a source. */
  dryRun?: boolean | undefined;
  /**
   * Ctrl-C or a stop signal: the archive being imported is finished, no other is started, and the
   * run ends with an E_INTERRUPTED failure. What is left stays at its source for the next run.
   */
  signal?: AbortSignal | undefined;
  /** The environment sources read their passwords from (`passwordEnv`); default: none. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Keeps a failure for the summary and tells the observer. */
function recordFailure(summary: RunSummary, observer: RunObserver, failure: RunFailure): void {
  summary.failures.push(failure);
  observer.onFailure?.(failure);
}

/** The failure a stopped run ends with, once. */
function interrupted(summary: RunSummary, source: string, observer: RunObserver): void {
  if (summary.failures.some((failure) => isCaisseError(failure.error, "E_INTERRUPTED"))) return;
  recordFailure(summary, observer, {
    source,
    item: null,
    error: new CaisseError("E_INTERRUPTED", "the run was stopped", {
      hint: "the archives not yet imported stay where they are; the next run imports them.",
    }),
  });
}

/**
 * Whether the journal could not be written: the run then stops at once, whatever is left. An
 * import not journaled is not guarded against replay, and the next import of any till would be
 * swapped in without its entry too.
 */
function journalFailed(summary: RunSummary): boolean {
  return summary.failures.some((failure) => isCaisseError(failure.error, "E_JOURNAL_WRITE"));
}

/** Imports one archive; or, in a dry run, says what importing it would do. */
type Importer = (incoming: IncomingArchive) => Promise<ImportResult>;

/**
 * Imports archives one after the other; in a dry run, says what importing them would do. The
 * journal is read once, after recovery, and the tills' histories then follow each acceptance in
 * memory: a real run holds the lock, so nothing else writes the journal meanwhile, and a dry run
 * plans #42 then #43 as a real run would import them.
 */
async function createImporter(
  central: Central,
  options: ImportOptions,
  dryRun: boolean,
  journal: readonly JournalEntry[],
): Promise<Importer> {
  const histories = tillHistories(journal);
  // A dry run changes nothing, the marker included.
  const guard = dryRun ? undefined : await ExaminationGuard.load(central);
  return async (incoming) => {
    try {
      return await importOne(incoming);
    } finally {
      await guard?.end();
    }
  };

  async function importOne(incoming: IncomingArchive): Promise<ImportResult> {
    const plan = await planImport(central, incoming, options, histories, guard);
    let result: ImportResult;
    if (dryRun) {
      result = resultOfPlan(plan);
      await plan.archive?.close();
    } else result = await applyImport(central, plan, options);
    if (result.outcome !== "duplicate" && result.till !== null) {
      const key = result.till.toUpperCase();
      const history = histories.get(key) ?? emptyHistory();
      if (result.outcome === "rejected") {
        if (result.sequence !== null) history.rejected.add(result.sequence);
      } else {
        noteAccepted(history, {
          sha256: plan.base.sha256,
          stored: result.stored,
          sequence: result.sequence,
          manifest: plan.decision.kind === "import" ? plan.decision.manifestSha256 : null,
        });
      }
      histories.set(key, history);
    }
    return result;
  }
}

/** The source name of archives given by hand to `caisse-central import`, in the journal too. */
export const HAND_SOURCE = "import";

/** Progress events, for the log and the progress bar. */
export interface RunObserver {
  onResult?(result: ImportResult): void;
  onFailure?(failure: RunFailure): void;
  onRecovered?(recovered: RecoveredTill): void;
  /** A source listed its items (`import` for files given by hand). */
  onSource?(source: string, items: number): void;
  /** Work starts on the item at `index` (from 0) of the source's list. */
  onItem?(source: string, index: number, label: string): void;
  /** The source is done with, whatever happened. */
  onSourceEnd?(source: string): void;
  /** An archive was removed under archives.keepDays. */
  onPruned?(archive: PrunedArchive): void;
}

/**
 * Runs `task` with a fresh summary and an importer: under the central lock and after recovering
 * interrupted imports; or, for a dry run, read-only (no lock, no recovery).
 */
async function underLock(
  central: Central,
  purpose: string,
  options: RunOptions,
  observer: RunObserver,
  task: (summary: RunSummary, importer: Importer) => Promise<void>,
): Promise<RunSummary> {
  try {
    await mkdir(central.paths.work, { recursive: true });
  } catch (error) {
    throw ioError("create the folder", central.paths.work, error);
  }
  if (options.dryRun === true) {
    const summary: RunSummary = { dryRun: true, recovered: [], results: [], failures: [] };
    const journal = await trustedJournal(central);
    await task(summary, await createImporter(central, options, true, journal));
    return summary;
  }
  return withTrustedJournal(central, purpose, async (entries, recovered) => {
    const summary: RunSummary = { dryRun: false, recovered, results: [], failures: [] };
    summary.recovered.forEach((till) => observer.onRecovered?.(till));
    await task(summary, await createImporter(central, options, false, entries));
    if (!journalFailed(summary)) {
      summary.pruned = await pruneArchives(central, options.now());
      summary.pruned.forEach((archive) => observer.onPruned?.(archive));
    }
    return summary;
  });
}

/**
 * Runs `task` under the central lock once the journal is checked and interrupted imports are
 * recovered, with the journal's entries: what every command that changes a till's directory or
 * archives/ starts from (import, fetch, restore).
 */
export async function withTrustedJournal<T>(
  central: Central,
  purpose: string,
  task: (entries: JournalEntry[], recovered: RecoveredTill[]) => Promise<T>,
): Promise<T> {
  return withLock(central.paths.lock, purpose, async () => {
    // Checked before the recovery, which may journal an import a crash left undecided.
    const { journal } = central.paths;
    const checked = await readCheckedJournal(journal);
    if (checked.problems.length > 0) throw journalDamaged(journal, checked.problems);
    const recovered = await recoverInterruptedImports(central);
    await removeLeftovers(central);
    const entries = recovered.some((till) => till.kind === "rolled-forward")
      ? await readJournal(journal)
      : checked.entries;
    const problems = await archiveProblems(central.paths.archives, entries);
    if (problems.length > 0) throw journalDamaged(journal, problems);
    return task(entries, recovered);
  });
}

/**
 * The journal's entries once it is checked (readCheckedJournal, archiveProblems): the replay
 * guard is not used when it does not hold. E_JOURNAL_DAMAGED says what is wrong.
 */
async function trustedJournal(central: Central): Promise<JournalEntry[]> {
  const { journal } = central.paths;
  const checked = await readCheckedJournal(journal);
  // A dry run recovers nothing: an archive an interrupted import put in place is not journaled
  // yet, but its swap marker names it, and the next real run journals it.
  const pending = await pendingImports(central);
  const problems = [
    ...checked.problems,
    ...(await archiveProblems(central.paths.archives, [...checked.entries, ...pending])),
  ];
  if (problems.length > 0) throw journalDamaged(journal, problems);
  return checked.entries;
}

/** `caisse-central import FILE...`: the files stay where they are; copies are kept. */
export async function importFiles(
  central: Central,
  files: readonly string[],
  options: RunOptions,
  observer: RunObserver = {},
): Promise<RunSummary> {
  return underLock(
    central,
    "caisse-central import",
    options,
    observer,
    async (summary, importer) => {
      observer.onSource?.(HAND_SOURCE, files.length);
      try {
        for (const [index, file] of files.entries()) {
          if (options.signal?.aborted === true) {
            interrupted(summary, HAND_SOURCE, observer);
            break;
          }
          observer.onItem?.(HAND_SOURCE, index, basename(file));
          const result = await importer({
            path: file,
            name: basename(file),
            source: HAND_SOURCE,
            owned: false,
          });
          summary.results.push(result);
          observer.onResult?.(result);
        }
      } finally {
        observer.onSourceEnd?.(HAND_SOURCE);
      }
    },
  );
}

/** A failure of one item or source, kept for the summary; errors that are bugs are not hidden. */
function asFailure(source: string, item: string | null, error: unknown): RunFailure {
  if (isCaisseError(error) && error.errorClass === "failure") return { source, item, error };
  throw error;
}

/**
 * Items in the order their archives must be imported: by till, then by sequence, read from the
 * transport name (`D01_20261127T230005_000042.zip`), so that a till whose clock went back still has
 * #41 imported before #42. Other names come after, in name order.
 */
export function inSequenceOrder(items: readonly SourceItem[]): SourceItem[] {
  const keyed = items.map((item) => ({
    item,
    parts: parseArchiveTransportName(basename(item.archiveName ?? item.id)),
  }));
  keyed.sort((a, b) => {
    if (a.parts === undefined || b.parts === undefined) {
      if (a.parts !== b.parts) return a.parts === undefined ? 1 : -1;
      return a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0;
    }
    const till = a.parts.till.toUpperCase().localeCompare(b.parts.till.toUpperCase());
    return till !== 0 ? till : a.parts.sequence - b.parts.sequence;
  });
  return keyed.map(({ item }) => item);
}

async function collectFrom(
  central: Central,
  source: Source,
  importer: Importer,
  observer: RunObserver,
  summary: RunSummary,
  options: RunOptions,
): Promise<void> {
  const { signal } = options;
  const items = inSequenceOrder(await source.list());
  observer.onSource?.(source.name, items.length);
  for (const [index, item] of items.entries()) {
    if (journalFailed(summary)) return;
    if (signal?.aborted === true) {
      interrupted(summary, source.name, observer);
      return;
    }
    observer.onItem?.(source.name, index, item.label);
    if (item.settled !== undefined) {
      // An earlier run stored its archives but could not settle it: only settle it now.
      try {
        if (!summary.dryRun) await source.settle(item, item.settled);
      } catch (error) {
        recordFailure(summary, observer, asFailure(source.name, item.label, error));
      }
      continue;
    }
    const folder = await mkdtemp(join(central.paths.work, DOWNLOAD_PREFIX));
    try {
      let files: string[];
      try {
        files = await source.download(item, folder);
      } catch (error) {
        // The source refused the item as a whole (a mail without archive): journaled, settled.
        if (!isCaisseError(error) || error.errorClass !== "rejected") throw error;
        const result = await refuseItem(central, source.name, item, error, options, summary.dryRun);
        summary.results.push(result);
        observer.onResult?.(result);
        if (!summary.dryRun) await source.settle(item, "rejected");
        continue;
      }
      let rejected = files.length === 0;
      for (const file of files) {
        const result = await importer({
          path: file,
          name: basename(file),
          source: source.name,
          owned: true,
        });
        summary.results.push(result);
        observer.onResult?.(result);
        rejected ||= result.outcome === "rejected";
      }
      // Only now is every archive of the item stored at the central.
      if (!summary.dryRun) await source.settle(item, rejected ? "rejected" : "imported");
    } catch (error) {
      recordFailure(summary, observer, asFailure(source.name, item.label, error));
    } finally {
      await removeRetrying(folder, { recursive: true });
    }
  }
}

/** `caisse-central fetch`: every configured source (or the named ones), then import. */
export async function fetchSources(
  central: Central,
  sourceNames: readonly string[] | undefined,
  options: RunOptions,
  observer: RunObserver = {},
): Promise<RunSummary> {
  const selected = central.config.sources.filter(
    (source) => sourceNames === undefined || sourceNames.includes(source.name),
  );
  return underLock(
    central,
    "caisse-central fetch",
    options,
    observer,
    async (summary, importer) => {
      for (const config of selected) {
        if (journalFailed(summary)) break;
        if (options.signal?.aborted === true) {
          interrupted(summary, config.name, observer);
          break;
        }
        const source = createSource(
          config,
          central.config,
          central.paths,
          options.env ?? {},
          options.signal,
        );
        try {
          await collectFrom(central, source, importer, observer, summary, options);
        } catch (error) {
          // A source that cannot be reached is reported and skipped; the others still run.
          recordFailure(summary, observer, asFailure(source.name, null, error));
        } finally {
          observer.onSourceEnd?.(source.name);
          await source.close();
        }
      }
    },
  );
}

import {
  CaisseError,
  isCaisseError,
  isIncremental,
  isoWithOffset,
  openArchive,
  removeRetrying,
  sha256Hex,
  sha256OfFile,
  truncated,
  type ErrorCode,
  type OpenedArchive,
} from "@caisse/core";
import { stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { tillDirectory } from "../config.js";
import type { Central } from "../context.js";
import { appendJournal, type JournalRecord } from "../journal.js";
import { rejectedIn, type TillHistory } from "../tillHistory.js";
import {
  commitSwap,
  discardStaging,
  finishSwap,
  freshStaging,
  swapPaths,
  type PauseHook,
} from "../swap.js";
import {
  canonicalName,
  chainOf,
  checkCreated,
  checkSequence,
  checkTrust,
  identifyTill,
  legacyName,
} from "./checks.js";
import { CHECK_FAILED_HINT, type ExaminationGuard } from "./examining.js";
import { checkBase, completeFromCurrent } from "./incremental.js";
import {
  placeFile,
  safeReceivedName,
  stageFile,
  storeFile,
  writeReason,
  type StagedFile,
} from "./store.js";

/** An archive file at the central, ready to be checked. */
export interface IncomingArchive {
  /** Local file. */
  path: string;
  /** Its name as received, for the journal and the stored copy. */
  name: string;
  /** The source's name, or `import` for files given on the command line. */
  source: string;
  /** True when the file is a copy the central made and may move; false for a user's file. */
  owned: boolean;
}

export interface ImportOptions {
  /** `--till REF`: the till the archive must belong to; required for a legacy archive. */
  till?: string | undefined;
  now: () => Date;
  /** Test hook: called at each step of the directory swap. */
  pause?: PauseHook | undefined;
}

/** What happened to one archive (or would happen, in a dry run); the facts of its journal entry. */
export interface ImportResult {
  file: string;
  outcome: "accepted" | "duplicate" | "rejected";
  till: string | null;
  sequence: number | null;
  code: ErrorCode | null;
  reason: string | null;
  /** For a rejected archive: what to do about it, as in the quarantine's text file. */
  hint: string | null;
  /** Where the archive is kept, relative to the root. */
  stored: string | null;
  gap: [number, number] | null;
  /** The sequences of the gap that arrived and were refused (in quarantine/). */
  gapRejected: number[];
  /** Whether an accepted archive continues its till's history (see JournalRecord.chain). */
  chain: "linked" | "broken" | null;
  /** Files now in the till's directory (accepted archives); in a dry run, files it holds. */
  files: number;
  /** The till's directory the archive goes into (accepted archives). */
  target: string | null;
}

/** The journal entry of an archive (a `repair` entry is the journal's own). */
type ImportRecord = JournalRecord & { outcome: ImportResult["outcome"] };

/** The reason given for an archive already imported, in the journal and the summary. */
const DUPLICATE_REASON = "already imported (same bytes)";

/** The marker note of a swap: enough to journal the import if the process dies after the swap. */
export interface SwapNote {
  record: JournalRecord;
  /** The archive's temporary name beside `record.stored`, renamed into place once decided. */
  archive?: string | null;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

type RecordBase = Pick<JournalRecord, "source" | "file" | "till" | "sequence" | "sha256" | "size">;

/** What importing one archive will do, decided before anything changes (STYLE: plan, then act). */
export interface ImportPlan {
  incoming: IncomingArchive;
  base: RecordBase;
  /** Still open when the decision is `import`: `applyImport` extracts from it, then closes it. */
  archive: OpenedArchive | undefined;
  decision:
    | {
        kind: "import";
        /** The till's directory. */
        target: string;
        /** Name under archives/<TILL>/. */
        storedName: string;
        gap: [number, number] | null;
        gapRejected: number[];
        chain: "linked" | "broken" | null;
        manifestSha256: string | null;
      }
    | { kind: "duplicate"; stored: string | null }
    | { kind: "reject"; error: CaisseError };
}

/**
 * Reads and checks an archive as untrusted input, against the journal's history of its till:
 * structure, till, signature, sequence. Checks of the content itself (CRCs, sizes, manifest sums)
 * happen while extracting, in `applyImport`. Errors of the machine are thrown.
 */
export async function planImport(
  central: Central,
  incoming: IncomingArchive,
  options: ImportOptions,
  histories: ReadonlyMap<string, TillHistory>,
  guard?: ExaminationGuard,
): Promise<ImportPlan> {
  const sha256 = await sha256OfFile(incoming.path);
  const { size } = await stat(incoming.path);
  const base: RecordBase = {
    source: incoming.source,
    file: safeReceivedName(incoming.name, sha256),
    till: null,
    sequence: null,
    sha256,
    size,
  };
  const died = guard?.refusal(sha256);
  if (died !== undefined) {
    return { incoming, base, archive: undefined, decision: { kind: "reject", error: died } };
  }
  await guard?.begin(sha256);
  let archive: OpenedArchive | undefined;
  try {
    archive = await openArchive(incoming.path, { limits: central.config.limits });
    const manifest = archive.manifest?.value;
    // Journaled whatever happens next: the manifest was read, even if it is not trusted yet.
    base.sequence = manifest?.sequence ?? null;
    const till = identifyTill(central, archive, options.till);
    base.till = till.ref;
    checkTrust(till, archive, options.till);
    checkCreated(manifest, options.now());
    const history = histories.get(till.ref.toUpperCase());
    const verdict = checkSequence(manifest, history, sha256);
    if (manifest !== undefined && verdict.kind === "new") checkBase(manifest, history);
    if (verdict.kind === "duplicate") {
      // Released now: an open handle would keep a source from removing the file (Windows).
      await archive.close();
      return {
        incoming,
        base,
        archive: undefined,
        decision: { kind: "duplicate", stored: history?.accepted.get(sha256) ?? null },
      };
    }
    return {
      incoming,
      base,
      archive,
      decision: {
        kind: "import",
        target: tillDirectory(central.paths, till),
        storedName:
          manifest === undefined
            ? legacyName(till, options.now(), sha256)
            : canonicalName(manifest),
        gap: verdict.gap,
        gapRejected: rejectedIn(verdict.gap, history),
        chain: chainOf(manifest, history),
        manifestSha256: archive.manifest === undefined ? null : sha256Hex(archive.manifest.bytes),
      },
    };
  } catch (caught) {
    await archive?.close();
    const error = unexpectedAsRejection(caught);
    if (!isCaisseError(error) || error.errorClass !== "rejected") throw error;
    return { incoming, base, archive: undefined, decision: { kind: "reject", error } };
  }
}

/**
 * An error met while examining an archive that is neither a refusal nor a failure of the machine
 * (a bug in a check, a check that ran out of stack on a hostile input) becomes the refusal
 * E_ARCHIVE_CHECK_FAILED: the archive is quarantined and journaled once, and the run goes on with
 * the next one, instead of stopping on it at every run. Other errors are returned as they are.
 */
function unexpectedAsRejection(error: unknown): unknown {
  if (isCaisseError(error) && error.code !== "E_INTERNAL") return error;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new CaisseError(
    "E_ARCHIVE_CHECK_FAILED",
    `examining the archive failed unexpectedly (${truncated(what, 200)})`,
    {
      cause: error,
      hint: CHECK_FAILED_HINT,
    },
  );
}

/** The result a plan announces, for a dry run: nothing is stored, journaled or swapped. */
export function resultOfPlan(plan: ImportPlan): ImportResult {
  const { base, decision } = plan;
  const common = { file: base.file, till: base.till, sequence: base.sequence, stored: null };
  switch (decision.kind) {
    case "import":
      return {
        ...common,
        outcome: "accepted",
        code: null,
        reason: null,
        hint: null,
        gap: decision.gap,
        gapRejected: decision.gapRejected,
        chain: decision.chain,
        files:
          plan.archive?.manifest?.value.files.length ??
          plan.archive?.entries.filter((entry) => !entry.directory).length ??
          0,
        target: decision.target,
      };
    case "duplicate":
      return {
        ...common,
        ...NOTHING,
        outcome: "duplicate",
        reason: DUPLICATE_REASON,
      };
    case "reject":
      return {
        ...common,
        ...NOTHING,
        outcome: "rejected",
        code: decision.error.code,
        reason: decision.error.message,
        hint: decision.error.hint ?? null,
      };
  }
}

const NOTHING = {
  code: null,
  reason: null,
  hint: null,
  gap: null,
  gapRejected: [],
  chain: null,
  files: 0,
  target: null,
};

/**
 * Carries out a plan: extracts into the staging folder (checking every byte), keeps the archive
 * under archives/<TILL>/, swaps the till's directory and journals; or quarantines the archive
 * with its reason. Errors of the machine (disk, permissions) are thrown: the archive then stays
 * where it was, for the next run.
 */
export async function applyImport(
  central: Central,
  plan: ImportPlan,
  options: ImportOptions,
): Promise<ImportResult> {
  const { paths } = central;
  const { incoming, base, decision } = plan;
  if (decision.kind === "reject") return quarantine(central, plan, decision.error, options);
  if (decision.kind === "duplicate") {
    const record: ImportRecord = {
      ...base,
      time: isoWithOffset(options.now()),
      outcome: "duplicate",
      code: null,
      reason: DUPLICATE_REASON,
      stored: decision.stored,
      gap: null,
      manifest: null,
    };
    await appendJournal(paths.journal, record);
    return resultOf(record, 0);
  }
  let archive = plan.archive;
  const staging = swapPaths(decision.target);
  let stored: StagedFile | undefined;
  try {
    if (archive === undefined) throw new Error("an import plan without its open archive");
    const stagingDir = await freshStaging(staging);
    const manifest = archive.manifest?.value;
    const incremental = manifest !== undefined && isIncremental(manifest);
    const files = await archive
      .extractTo(stagingDir, { partial: incremental })
      .catch((error: unknown) => {
        throw unexpectedAsRejection(error);
      });
    await archive.close();
    const kept =
      manifest !== undefined && incremental
        ? await completeFromCurrent(stagingDir, decision.target, manifest, files)
        : 0;
    archive = undefined;
    // The archive waits under a temporary name until the swap is decided: an archive under
    // archives/ is always journaled, which the journal check relies on (journalCheck.ts).
    stored = await stageFile(
      incoming.path,
      join(paths.archives, base.till ?? ""),
      decision.storedName,
      base.sha256,
      incoming.owned,
    );
    const record: ImportRecord = {
      ...base,
      time: isoWithOffset(options.now()),
      outcome: "accepted",
      code: null,
      reason: null,
      stored: rootRelative(central, join(stored.folder, stored.name)),
      gap: decision.gap,
      manifest: decision.manifestSha256,
      chain: decision.chain,
    };
    const note: SwapNote = {
      record,
      archive: stored.temporary === undefined ? null : basename(stored.temporary),
    };
    await commitSwap(staging, note, options.pause);
    await placeFile(stored);
    await appendJournal(paths.journal, record);
    await finishSwap(staging, options.pause);
    return {
      ...resultOf(record, files.length + kept),
      gapRejected: decision.gapRejected,
      target: decision.target,
    };
  } catch (error) {
    await archive?.close();
    await discardStaging(staging);
    // Not decided: the archive's temporary copy goes with the staging folder. Decided: the
    // recovery puts it in place and journals it.
    if (stored?.temporary !== undefined && !(await exists(staging.marker)))
      await removeRetrying(stored.temporary);
    if (!isCaisseError(error) || error.errorClass !== "rejected") throw error;
    return quarantine(central, plan, error, options);
  }
}

function rootRelative(central: Central, path: string): string {
  return relative(central.paths.root, path).replaceAll("\\", "/");
}

function resultOf(record: ImportRecord, files: number, hint: string | null = null): ImportResult {
  return {
    file: record.file,
    outcome: record.outcome,
    till: record.till,
    sequence: record.sequence,
    code: record.code,
    reason: record.reason,
    hint,
    stored: record.stored,
    gap: record.gap,
    gapRejected: [],
    chain: record.chain ?? null,
    files,
    target: null,
  };
}

async function quarantine(
  central: Central,
  plan: ImportPlan,
  error: CaisseError,
  options: ImportOptions,
): Promise<ImportResult> {
  const { paths } = central;
  const { incoming, base } = plan;
  const time = isoWithOffset(options.now());
  const hint = error.hint ?? "see docs/errors.md for this code.";
  const storedName = await storeFile(
    incoming.path,
    paths.quarantine,
    base.file,
    base.sha256,
    incoming.owned,
  );
  await writeReason(join(paths.quarantine, `${storedName}.txt`), {
    archive: storedName,
    received: time,
    source: incoming.source,
    "received as": incoming.name,
    till: base.till,
    sequence: base.sequence,
    sha256: base.sha256,
    size: base.size,
    code: error.code,
    reason: error.message,
    "what to do": hint,
  });
  const record: ImportRecord = {
    ...base,
    time,
    outcome: "rejected",
    code: error.code,
    reason: error.message,
    stored: rootRelative(central, join(paths.quarantine, storedName)),
    gap: null,
    manifest: null,
  };
  await appendJournal(paths.journal, record);
  return resultOf(record, 0, hint);
}

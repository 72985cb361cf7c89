import {
  CaisseError,
  isoWithOffset,
  openArchive,
  sha256Hex,
  sha256OfFile,
  tillNameProblem,
  verifyManifest,
  type ErrorCode,
  type Manifest,
  type OpenedArchive,
} from "@caisse/core";
import { stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { findTill, tillDirectory, type TillRecord } from "../config.js";
import type { Central } from "../context.js";
import {
  appendJournal,
  readJournal,
  tillHistories,
  type JournalRecord,
  type TillHistory,
} from "../journal.js";
import {
  commitSwap,
  discardStaging,
  finishSwap,
  freshStaging,
  swapPaths,
  type PauseHook,
} from "../swap.js";
import { safeReceivedName, storeFile, writeReason } from "./store.js";

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

/** What happened to one archive; the same facts as its journal entry. */
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
  /** Files now in the till's directory (accepted archives). */
  files: number;
}

/** The marker note of a swap: enough to journal the import if the process dies after the swap. */
export interface SwapNote {
  record: JournalRecord;
}

function reject(code: ErrorCode, message: string, hint?: string): CaisseError {
  return new CaisseError(code, message, hint === undefined ? {} : { hint });
}

/**
 * The manifest's till name as an argument of a command people will copy into a shell: it comes
 * from an untrusted archive, so only when no shell (sh, cmd, PowerShell) can read anything into it.
 */
function nameArgument(name: string): string {
  return tillNameProblem(name) === undefined && /^[\p{L}\p{N} .,'_-]+$/u.test(name)
    ? `"${name}"`
    : '"NAME"';
}

/** Which till an archive belongs to: the manifest's, or --till for a legacy archive. */
function identifyTill(
  central: Central,
  archive: OpenedArchive,
  forced: string | undefined,
): TillRecord {
  const manifest = archive.manifest?.value;
  if (manifest === undefined) {
    if (forced === undefined) {
      throw reject(
        "E_ARCHIVE_LEGACY",
        "the archive has no caisse-manifest.json (a legacy archive)",
        "import it by hand for the till it belongs to: caisse-central import FILE --till REF",
      );
    }
    const till = findTill(central.config, forced);
    if (till === undefined)
      throw reject("E_ARCHIVE_UNKNOWN_TILL", `no till '${forced}' is registered`);
    return till;
  }
  if (manifest.kind !== "sales") {
    throw reject(
      "E_MANIFEST_INVALID",
      `the archive is a '${manifest.kind}' archive, not a till's sales data`,
    );
  }
  const till = findTill(central.config, manifest.till);
  if (till === undefined) {
    throw reject(
      "E_ARCHIVE_UNKNOWN_TILL",
      `the archive comes from till '${manifest.till}' (${manifest.name}), which is not registered`,
      `if this store is yours, register it: caisse-central tills add ${manifest.till} --name ${nameArgument(manifest.name)} --path ${manifest.till}`,
    );
  }
  return till;
}

/**
 * Whether the archive may speak for `till`: the one given by --till, signed with its key. Run once
 * the till is known, so that a refusal is journaled under the till it concerns.
 */
function checkTrust(till: TillRecord, archive: OpenedArchive, forced: string | undefined): void {
  const manifest = archive.manifest?.value;
  if (manifest === undefined) {
    if (till.key !== undefined) {
      throw reject(
        "E_ARCHIVE_LEGACY",
        `till ${till.ref} has a registered key, so its archives must carry a signed manifest; this one has none`,
      );
    }
    return;
  }
  if (forced !== undefined && forced.toUpperCase() !== till.ref.toUpperCase()) {
    throw reject(
      "E_ARCHIVE_TILL_MISMATCH",
      `the archive comes from till ${manifest.till}, not from ${forced} as given by --till`,
    );
  }
  checkSignature(till, archive);
}

function checkSignature(till: TillRecord, archive: OpenedArchive): void {
  if (till.key === undefined || archive.manifest === undefined) return;
  if (archive.signature === undefined) {
    throw reject(
      "E_ARCHIVE_SIGNATURE",
      `till ${till.ref} has a registered key but the archive has no caisse-manifest.sig`,
      'the till must sign its archives: set "key" in its caisse-export.json.',
    );
  }
  if (!verifyManifest(archive.manifest.bytes, archive.signature, till.key)) {
    throw reject(
      "E_ARCHIVE_SIGNATURE",
      `the signature does not verify with the key registered for till ${till.ref}`,
      "the archive was altered, or signed by another till's key; check 'caisse-central tills' against 'caisse-export keygen' on the till.",
    );
  }
}

type SequenceVerdict = { kind: "new"; gap: [number, number] | null } | { kind: "duplicate" };

function checkSequence(
  manifest: Manifest | undefined,
  history: TillHistory | undefined,
  sha256: string,
): SequenceVerdict {
  if (history?.accepted.has(sha256) === true) return { kind: "duplicate" };
  if (manifest === undefined) return { kind: "new", gap: null };
  const last = history?.lastSequence ?? null;
  if (last === null) return { kind: "new", gap: null };
  if (manifest.sequence <= last) {
    throw reject(
      "E_ARCHIVE_SEQUENCE",
      `till ${manifest.till}: sequence ${manifest.sequence} is not newer than ${last}, the last one imported`,
      "an old or replayed archive, or the till's state was reset; if the till was reinstalled, see docs/errors.md#e_archive_sequence.",
    );
  }
  return {
    kind: "new",
    gap: manifest.sequence > last + 1 ? [last + 1, manifest.sequence - 1] : null,
  };
}

/** `D01_20261127T230005_000042.zip`, from the manifest as the till wrote it. */
function canonicalName(manifest: Manifest): string {
  const local = manifest.created.slice(0, 19).replaceAll("-", "").replaceAll(":", "");
  return `${manifest.till}_${local}_${String(manifest.sequence).padStart(6, "0")}.zip`;
}

function legacyName(till: TillRecord, now: Date, sha256: string): string {
  const stamp = isoWithOffset(now).slice(0, 19).replaceAll("-", "").replaceAll(":", "");
  return `${till.ref}_legacy_${stamp}_${sha256.slice(0, 12)}.zip`;
}

/**
 * Checks one archive as untrusted input and, when every rule passes, replaces its till's directory
 * with its content; otherwise moves it to quarantine with the reason. Either way the journal gets
 * one entry. Errors of the machine (disk, permissions) are thrown: the archive then stays where it
 * was, for the next run.
 */
export async function importArchive(
  central: Central,
  incoming: IncomingArchive,
  options: ImportOptions,
): Promise<ImportResult> {
  const { paths } = central;
  const sha256 = await sha256OfFile(incoming.path);
  const { size } = await stat(incoming.path);
  const name = safeReceivedName(incoming.name, sha256);
  const base: Omit<
    JournalRecord,
    "outcome" | "code" | "reason" | "stored" | "gap" | "manifest" | "time"
  > = {
    source: incoming.source,
    file: name,
    till: null,
    sequence: null,
    sha256,
    size,
  };
  let archive: OpenedArchive | undefined;
  let staging: ReturnType<typeof swapPaths> | undefined;
  let till: TillRecord | undefined;
  let sequence: number | null = null;
  try {
    archive = await openArchive(incoming.path, { limits: central.config.limits });
    const manifest = archive.manifest?.value;
    // Journaled whatever happens next: the manifest was read, even if it is not trusted yet.
    sequence = manifest?.sequence ?? null;
    till = identifyTill(central, archive, options.till);
    checkTrust(till, archive, options.till);
    const manifestSha256 =
      archive.manifest === undefined ? null : sha256Hex(archive.manifest.bytes);
    const history = tillHistories(await readJournal(paths.journal)).get(till.ref.toUpperCase());
    const verdict = checkSequence(manifest, history, sha256);
    if (verdict.kind === "duplicate") {
      // Released now: an open handle would keep a source from removing the file (Windows).
      await archive.close();
      archive = undefined;
      const record: JournalRecord = {
        ...base,
        time: isoWithOffset(options.now()),
        till: till.ref,
        sequence,
        outcome: "duplicate",
        code: null,
        reason: "already imported (same bytes)",
        stored: history?.accepted.get(sha256) ?? null,
        gap: null,
        manifest: null,
      };
      await appendJournal(paths.journal, record);
      return { ...resultOf(record), files: 0 };
    }
    staging = swapPaths(tillDirectory(paths, till));
    const files = await archive.extractTo(await freshStaging(staging));
    await archive.close();
    archive = undefined;
    const storedName = await storeFile(
      incoming.path,
      join(paths.archives, till.ref),
      manifest === undefined ? legacyName(till, options.now(), sha256) : canonicalName(manifest),
      sha256,
      incoming.owned,
    );
    const record: JournalRecord = {
      ...base,
      time: isoWithOffset(options.now()),
      till: till.ref,
      sequence,
      outcome: "accepted",
      code: null,
      reason: null,
      stored: relative(paths.root, join(paths.archives, till.ref, storedName)).replaceAll(
        "\\",
        "/",
      ),
      gap: verdict.gap,
      manifest: manifestSha256,
    };
    const note: SwapNote = { record };
    await commitSwap(staging, note, options.pause);
    await appendJournal(paths.journal, record);
    await finishSwap(staging, options.pause);
    return { ...resultOf(record), files: files.length };
  } catch (error) {
    await archive?.close();
    if (staging !== undefined) await discardStaging(staging);
    if (!(error instanceof CaisseError) || error.errorClass !== "rejected") throw error;
    return quarantine(
      central,
      incoming,
      { ...base, till: till?.ref ?? null, sequence },
      name,
      error,
      options,
    );
  }
}

function resultOf(record: JournalRecord, hint: string | null = null): Omit<ImportResult, "files"> {
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
  };
}

async function quarantine(
  central: Central,
  incoming: IncomingArchive,
  base: Omit<JournalRecord, "outcome" | "code" | "reason" | "stored" | "gap" | "manifest" | "time">,
  name: string,
  error: CaisseError,
  options: ImportOptions,
): Promise<ImportResult> {
  const { paths } = central;
  const time = isoWithOffset(options.now());
  const hint = error.hint ?? "see docs/errors.md for this code.";
  const storedName = await storeFile(
    incoming.path,
    paths.quarantine,
    name,
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
  const record: JournalRecord = {
    ...base,
    time,
    outcome: "rejected",
    code: error.code,
    reason: error.message,
    stored: relative(paths.root, join(paths.quarantine, storedName)).replaceAll("\\", "/"),
    gap: null,
    manifest: null,
  };
  await appendJournal(paths.journal, record);
  return { ...resultOf(record, hint), files: 0 };
}

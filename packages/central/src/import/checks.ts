import {
  archiveTransportName,
  CaisseError,
  compactLocalTime,
  isoWithOffset,
  parseInstant,
  escapeUnprintable,
  truncated,
  tillNameProblem,
  verifyManifest,
  type ErrorCode,
  type Manifest,
  type OpenedArchive,
} from "@caisse/core";
import { findTill, type TillRecord } from "../config.js";
import type { Central } from "../context.js";
import type { TillHistory } from "../tillHistory.js";

/**
 * The rules that decide whether an opened archive may be imported, and for which till (see
 * docs/security.md#the-checks): each one throws the refusal, with its code, a message and a hint.
 */

export function reject(code: ErrorCode, message: string, hint?: string): CaisseError {
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
export function identifyTill(
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
      `the archive comes from till '${manifest.till}' (${escapeUnprintable(truncated(manifest.name, 64))}), which is not registered`,
      `if this store is yours, register it: caisse-central tills add ${manifest.till} --name ${nameArgument(manifest.name)} --path ${manifest.till}`,
    );
  }
  return till;
}

/**
 * Whether the archive may speak for `till`: the one given by --till, signed with its key. Run once
 * the till is known, so that a refusal is journaled under the till it concerns.
 */
export function checkTrust(
  till: TillRecord,
  archive: OpenedArchive,
  forced: string | undefined,
): void {
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

export type SequenceVerdict = { kind: "new"; gap: [number, number] | null } | { kind: "duplicate" };

export function checkSequence(
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

/**
 * Whether the archive continues the history the central holds for its till: checked only when it
 * directly follows the last one imported (no gap) and that one's manifest is known. A broken
 * chain is not a refusal: the sequence and the signature already decide whether the archive is
 * taken; it is recorded in the journal for the monitor (see docs/archive-format.md).
 */
export function chainOf(
  manifest: Manifest | undefined,
  history: TillHistory | undefined,
): "linked" | "broken" | null {
  const last = history?.lastSequence ?? null;
  const lastManifest = history?.lastManifest ?? null;
  if (manifest === undefined || last === null || lastManifest === null) return null;
  if (manifest.sequence !== last + 1) return null;
  return manifest.previous === lastManifest ? "linked" : "broken";
}

/** How far ahead of the central's clock a manifest's `created` may be: a day. */
export const MAX_CREATED_AHEAD_MS = 24 * 60 * 60 * 1000;

/**
 * Refuses an archive created more than a day after the central's clock (a year 2999, a till whose
 * date is wrong): its name and the history built on it would be wrong. A date that is not a real
 * one was refused with the manifest.
 */
export function checkCreated(manifest: Manifest | undefined, now: Date): void {
  if (manifest === undefined) return;
  const created = parseInstant(manifest.created);
  if (created !== undefined && created.getTime() <= now.getTime() + MAX_CREATED_AHEAD_MS) return;
  throw reject(
    "E_ARCHIVE_CLOCK",
    `till ${manifest.till}: the archive says it was created at ${manifest.created}, more than a day after the central's time ${isoWithOffset(now)}`,
    "set the till's date and time right (or the central's), then run 'caisse-export run' on the till; this archive stays in quarantine.",
  );
}

/** `D01_20261127T230005_000042.zip`, from the manifest as the till wrote it. */
export function canonicalName(manifest: Manifest): string {
  return archiveTransportName(manifest.till, manifest.created, manifest.sequence);
}

export function legacyName(till: TillRecord, now: Date, sha256: string): string {
  return `${till.ref}_legacy_${compactLocalTime(now)}_${sha256.slice(0, 12)}.zip`;
}

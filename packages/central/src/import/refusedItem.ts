import { isoWithOffset, type CaisseError } from "@caisse/core";
import type { SourceItem } from "@caisse/transports";
import type { Central } from "../context.js";
import { appendJournal, type JournalRecord } from "../journal.js";
import type { ImportOptions, ImportResult } from "./importArchive.js";

/**
 * An item a source refused as a whole before any archive was taken from it (a mail without a zip
 * attachment, or too large to hold an acceptable archive): journaled as `rejected` with its code
 * and reason, `file` being the item's label, no SHA-256 (nothing was read) and nothing stored (the
 * item itself goes to the source's rejected folder). In a dry run, only said.
 */
export async function refuseItem(
  central: Central,
  source: string,
  item: SourceItem,
  error: CaisseError,
  options: ImportOptions,
  dryRun: boolean,
): Promise<ImportResult> {
  const size = error.details.size;
  const sha256 = error.details.sha256;
  const record: JournalRecord = {
    time: isoWithOffset(options.now()),
    source,
    file: item.label,
    till: null,
    sequence: null,
    sha256: typeof sha256 === "string" ? sha256 : "",
    size: typeof size === "number" ? size : 0,
    outcome: "rejected",
    code: error.code,
    reason: error.message,
    stored: null,
    gap: null,
    manifest: null,
  };
  if (!dryRun) await appendJournal(central.paths.journal, record);
  return {
    file: item.label,
    outcome: "rejected",
    till: null,
    sequence: null,
    code: error.code,
    reason: error.message,
    hint: error.hint ?? null,
    stored: null,
    gap: null,
    gapRejected: [],
    chain: null,
    files: 0,
    target: null,
  };
}

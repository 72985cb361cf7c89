/**
 * Refusals: every check of the reader throws a `CaisseError` made here, with a specific code,
 * `details: { entry, rule }` and a hint on what to do next; and how messages show the names,
 * sizes and numbers they quote.
 */
import { CaisseError, type ErrorCode } from "../../errors.js";
import { escapeUnprintable, truncated } from "../../text.js";
import { GiB, KiB, MiB } from "./limits.js";

const HINTS: Partial<Record<ErrorCode, string>> = {
  E_ARCHIVE_NOT_ZIP:
    "check what the source delivered: an HTML page usually means a wrong URL or an expired login.",
  E_ARCHIVE_TRUNCATED: "the file was probably cut short on the way; let the store send it again.",
  E_ARCHIVE_TOO_MANY_ENTRIES:
    "if the archive is genuine, raise limits.maxEntries in caisse-central.json.",
  E_ARCHIVE_ENTRY_TOO_LARGE:
    "if the archive is genuine, raise limits.maxEntryBytes in caisse-central.json.",
  E_ARCHIVE_TOO_LARGE:
    "if the archive is genuine, raise limits.maxTotalBytes in caisse-central.json.",
  E_ARCHIVE_RATIO: "if the archive is genuine, raise limits.maxRatio in caisse-central.json.",
  E_ARCHIVE_PATH_TOO_LONG:
    "if the archive is genuine, move the till's files to shorter paths or raise limits.maxPathLength or limits.maxPathDepth in caisse-central.json.",
};

export const DEFAULT_HINT =
  "nothing was extracted. Ask the store to run 'caisse-export run' again; if the new archive is refused too, it is being damaged or altered on the way.";

/** A refusal: `entry` is the entry's name when the rule is about one entry. */
export function refuse(
  code: ErrorCode,
  rule: string,
  entry: string | undefined,
  message: string,
  more: { cause?: unknown; details?: Record<string, unknown> } = {},
): CaisseError {
  const where = entry === undefined ? "" : `entry ${quoteName(entry)}: `;
  return new CaisseError(code, `${where}${message}`, {
    cause: more.cause,
    details: { entry, rule, ...more.details },
    hint: HINTS[code] ?? DEFAULT_HINT,
  });
}

/**
 * A name between quotes for a message, with unprintable characters escaped so that a hostile
 * name can neither drive the terminal that shows the message nor read differently from what it
 * is; a name longer than a path may be is cut (the limits have bounded it before it is quoted).
 */
export function quoteName(name: string): string {
  return `'${escapeUnprintable(truncated(name, QUOTED_NAME_MAX))}'`;
}

/** Longest part of a name quoted in a message. */
const QUOTED_NAME_MAX = 1024;

export function describeBytes(bytes: number): string {
  if (bytes < 10 * KiB) return `${bytes} bytes`;
  const [unit, size] = bytes >= GiB ? ["GiB", GiB] : bytes >= MiB ? ["MiB", MiB] : ["KiB", KiB];
  return `${bytes} bytes (${(bytes / size).toFixed(1)} ${unit})`;
}

export function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, "0")}`;
}

export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

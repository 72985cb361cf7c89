import { CaisseError } from "../errors.js";
import type { CsvUnreadableDetails } from "./types.js";

/** A whole-file problem: the file is left out whole (E_CSV_UNREADABLE). */
export function unreadable(
  details: CsvUnreadableDetails,
  message: string,
  extra: { hint?: string | undefined; cause?: unknown } = {},
): CaisseError {
  const where = details.line === undefined ? details.file : `${details.file}, line ${details.line}`;
  return new CaisseError("E_CSV_UNREADABLE", `${where}: ${message}`, { details, ...extra });
}

/**
 * Overlapping data: no two entries may share bytes and none may reach the central directory,
 * which is what catches Fifield's overlapping zip bombs.
 */
import type { CaisseError } from "../../errors.js";
import { quoteName, refuse } from "./refuse.js";

/** The byte range an entry occupies: from its local header to the end of its data. */
export interface ByteRange {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export function checkRanges(ranges: readonly ByteRange[], centralDirectoryStart: number): void {
  const overlap = (name: string, problem: string): CaisseError =>
    refuse(
      "E_ARCHIVE_OVERLAP",
      "overlap",
      name,
      `${problem}; entries must not share bytes (a zip bomb construction)`,
    );
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  let furthest: ByteRange | undefined;
  for (const range of sorted) {
    if (range.end > centralDirectoryStart) {
      throw overlap(
        range.name,
        `its data [${range.start}, ${range.end}) runs into the central directory (byte ${centralDirectoryStart})`,
      );
    }
    if (furthest !== undefined && range.start < furthest.end) {
      throw overlap(
        range.name,
        `its bytes [${range.start}, ${range.end}) overlap those of ${quoteName(furthest.name)} [${furthest.start}, ${furthest.end})`,
      );
    }
    if (furthest === undefined || range.end > furthest.end) furthest = range;
  }
}

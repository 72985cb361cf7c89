import { RATIO_EXEMPT_BYTES, type ArchiveLimits } from "./limits.js";
import { describeBytes, refuse } from "./refuse.js";
import type { LocatedEntry } from "./types.js";

/**
 * Declared sizes are checked before extraction so that a bomb is refused without inflating a
 * byte; extraction then refuses any entry whose actual content differs from its declared size,
 * so the declared sizes bound the actual ones.
 */
export function checkDeclaredSizes(entries: readonly LocatedEntry[], limits: ArchiveLimits): void {
  let total = 0;
  for (const { info } of entries) {
    const { name, uncompressedSize: size, compressedSize: compressed } = info;
    if (size > limits.maxEntryBytes) {
      throw refuse(
        "E_ARCHIVE_ENTRY_TOO_LARGE",
        "max-entry-bytes",
        name,
        `it declares ${describeBytes(size)}; the limit is ${describeBytes(limits.maxEntryBytes)} (limits.maxEntryBytes)`,
      );
    }
    if (size >= RATIO_EXEMPT_BYTES && size > limits.maxRatio * compressed) {
      const ratio =
        compressed === 0 ? "an infinite ratio" : `a ratio of ${Math.floor(size / compressed)}:1`;
      throw refuse(
        "E_ARCHIVE_RATIO",
        "max-ratio",
        name,
        `it declares ${describeBytes(size)} from ${describeBytes(compressed)} of compressed data, ${ratio}; the limit is ${limits.maxRatio}:1 (limits.maxRatio)`,
      );
    }
    total += size;
    if (total > limits.maxTotalBytes) {
      throw refuse(
        "E_ARCHIVE_TOO_LARGE",
        "max-total-bytes",
        name,
        `with this entry the archive declares ${describeBytes(total)} in all; the limit is ${describeBytes(limits.maxTotalBytes)} (limits.maxTotalBytes)`,
      );
    }
  }
}

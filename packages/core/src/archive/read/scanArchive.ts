import { entryCursor, readCentralDirectory } from "./centralDirectory.js";
import { checkDeclaredSizes } from "./declaredSizes.js";
import { locateEntries } from "./localHeaders.js";
import { refuse } from "./refuse.js";
import { readManifest, readSignature } from "./smallEntries.js";
import type { Scan, ScanContext } from "./types.js";

/**
 * The structural checks of `openArchive`, in order: the entry count, each central directory
 * record, local headers and overlaps, declared sizes, then the manifest and signature.
 */
export async function scanArchive(context: ScanContext): Promise<Scan> {
  const { zipfile, limits } = context;
  // Before iterating: an end record may declare billions of entries.
  if (zipfile.entryCount > limits.maxEntries) {
    throw refuse(
      "E_ARCHIVE_TOO_MANY_ENTRIES",
      "max-entries",
      undefined,
      `the archive has ${zipfile.entryCount} entries; the limit is ${limits.maxEntries} (limits.maxEntries)`,
    );
  }
  const centralDirectoryStart = entryCursor(zipfile);
  const checked = await readCentralDirectory(context);
  const located = await locateEntries(context, checked, centralDirectoryStart);
  checkDeclaredSizes(located, limits);
  const manifest = await readManifest(context, located);
  const signature = await readSignature(context, located, manifest !== undefined);
  const data = located.filter((entry) => entry.role === "data");
  if (manifest === undefined && !data.some((entry) => !entry.info.directory)) {
    throw refuse(
      "E_ARCHIVE_EMPTY",
      "empty",
      undefined,
      data.length === 0
        ? "the archive holds no entry: a legacy archive (without manifest) must hold at least one file"
        : "the archive holds only folders: a legacy archive (without manifest) must hold at least one file",
    );
  }
  return { entries: data, manifest, signature };
}

/**
 * The manifest against the entries: names and declared sizes before anything is written,
 * SHA-256 sums once the content has been read. Every difference is reported, not the first.
 */
import { CaisseError } from "../../errors.js";
import type { Manifest } from "../manifest.js";
import { DEFAULT_HINT, quoteName } from "./refuse.js";
import type { ArchiveEntryInfo, ExtractedFile } from "./types.js";

interface ManifestDifference {
  path: string;
  problem: "listed-twice" | "missing" | "extra" | "folder" | "size" | "sha256";
  message: string;
}

/**
 * File names and declared sizes, before anything is written; and folder entries, which the
 * signature does not cover otherwise: each must be a folder of a file the manifest lists.
 */
export function compareListing(
  manifest: Manifest,
  entries: readonly ArchiveEntryInfo[],
): ManifestDifference[] {
  const files = entries.filter((entry) => !entry.directory);
  const differences: ManifestDifference[] = folderDifferences(
    manifest,
    entries.filter((entry) => entry.directory),
  );
  const listed = new Map<string, number>();
  for (const file of manifest.files) {
    if (listed.has(file.path)) {
      differences.push({
        path: file.path,
        problem: "listed-twice",
        message: `${quoteName(file.path)} is listed twice in the manifest`,
      });
    }
    listed.set(file.path, file.size);
  }
  const present = new Set(files.map((file) => file.name));
  for (const path of listed.keys()) {
    if (!present.has(path)) {
      differences.push({
        path,
        problem: "missing",
        message: `${quoteName(path)} is in the manifest but not in the archive`,
      });
    }
  }
  for (const file of files) {
    const size = listed.get(file.name);
    if (size === undefined) {
      differences.push({
        path: file.name,
        problem: "extra",
        message: `${quoteName(file.name)} is in the archive but not in the manifest`,
      });
    } else if (size !== file.uncompressedSize) {
      differences.push({
        path: file.name,
        problem: "size",
        message: `${quoteName(file.name)}: the manifest says ${size} bytes, the entry holds ${file.uncompressedSize}`,
      });
    }
  }
  return differences;
}

/** Folder entries that hold no file the manifest lists. */
function folderDifferences(
  manifest: Manifest,
  folders: readonly ArchiveEntryInfo[],
): ManifestDifference[] {
  if (folders.length === 0) return [];
  const listedFolders = new Set<string>();
  for (const { path } of manifest.files) {
    for (let end = path.lastIndexOf("/"); end > 0; end = path.lastIndexOf("/", end - 1)) {
      const folder = `${path.slice(0, end)}/`;
      if (listedFolders.has(folder)) break;
      listedFolders.add(folder);
    }
  }
  return folders
    .filter((folder) => !listedFolders.has(folder.name))
    .map((folder) => ({
      path: folder.name,
      problem: "folder" as const,
      message: `folder ${quoteName(folder.name)} is in the archive but holds no file the manifest lists`,
    }));
}

/** SHA-256 sums, once the content has been read. */
export function compareSums(
  manifest: Manifest,
  files: readonly ExtractedFile[],
): ManifestDifference[] {
  const sums = new Map(manifest.files.map((file) => [file.path, file.sha256]));
  return files.flatMap((file) => {
    const expected = sums.get(file.path);
    if (expected === undefined || expected === file.sha256) return [];
    return [
      {
        path: file.path,
        problem: "sha256" as const,
        message: `${quoteName(file.path)}: the manifest says SHA-256 ${expected}, the content has ${file.sha256}`,
      },
    ];
  });
}

const SHOWN_DIFFERENCES = 10;

export function manifestMismatch(differences: readonly ManifestDifference[]): CaisseError {
  const shown = differences.slice(0, SHOWN_DIFFERENCES).map((difference) => difference.message);
  const more =
    differences.length > SHOWN_DIFFERENCES
      ? `; and ${differences.length - SHOWN_DIFFERENCES} more`
      : "";
  return new CaisseError(
    "E_MANIFEST_MISMATCH",
    `the manifest does not match the archive: ${shown.join("; ")}${more}`,
    {
      details: { entry: differences[0]?.path, rule: "manifest-match", differences },
      hint: DEFAULT_HINT,
    },
  );
}

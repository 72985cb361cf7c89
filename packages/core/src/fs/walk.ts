import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ioError } from "../errors.js";

export interface WalkedFile {
  /** Path relative to the walked folder, with `/` separators. */
  relative: string;
  absolute: string;
  stats: Stats;
}

export interface SkippedEntry {
  relative: string;
  /** `link`, `special` (socket, device, fifo) */
  reason: "link" | "special";
}

/**
 * Every regular file below `root`, depth first in name order, without following links. Links and
 * special files are passed to `onSkip`. Entry names are sorted so that archives are reproducible.
 */
export async function* walkFiles(
  root: string,
  onSkip?: (entry: SkippedEntry) => void,
  relativeDir = "",
): AsyncGenerator<WalkedFile> {
  const absoluteDir = relativeDir === "" ? root : join(root, relativeDir);
  let names: string[];
  try {
    names = (await readdir(absoluteDir)).sort();
  } catch (error) {
    throw ioError("read the folder", absoluteDir, error);
  }
  for (const name of names) {
    const relative = relativeDir === "" ? name : `${relativeDir}/${name}`;
    const absolute = join(absoluteDir, name);
    let stats: Stats;
    try {
      stats = await lstat(absolute);
    } catch (error) {
      throw ioError("read", absolute, error);
    }
    if (stats.isSymbolicLink()) onSkip?.({ relative, reason: "link" });
    else if (stats.isDirectory()) yield* walkFiles(root, onSkip, relative);
    else if (stats.isFile()) yield { relative, absolute, stats };
    else onSkip?.({ relative, reason: "special" });
  }
}

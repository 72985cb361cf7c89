import { stat } from "node:fs/promises";
import { ioError, systemErrorCode } from "../errors.js";

/** A folder to read, as found at one moment: its path and its identity on the disk. */
export interface FolderSnapshot {
  path: string;
  device: number;
  inode: number;
}

/** The folder at `path` as it is now; undefined when there is none (or a file stands there). */
export async function folderAt(path: string): Promise<FolderSnapshot | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? { path, device: info.dev, inode: info.ino } : undefined;
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw ioError("read the folder", path, error);
  }
}

/** Whether two looks found the same folder: nothing replaced it in between. */
export function sameFolder(a: FolderSnapshot | undefined, b: FolderSnapshot | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.path === b.path && a.device === b.device && a.inode === b.inode;
}

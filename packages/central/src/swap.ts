import {
  CaisseError,
  folderAt,
  type FolderSnapshot,
  ioError,
  syncDirectory,
  writeFileAtomic,
  removeRetrying,
  moveRetrying,
  pathExists,
} from "@caisse/core";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Replaces a till's directory by a fully extracted new one, all or nothing (see
 * docs/central-layout.md#the-till-directory-swap).
 *
 * Two renames cannot be one atomic step, so a marker file records the decision in between:
 *
 *   1. extract into `<dir>.caisse-new` (the staging folder), flush every file;
 *   2. write `<dir>.caisse-swap.json`: from here on the new data wins;
 *   3. rename `<dir>` to `<dir>.caisse-old`;
 *   4. rename `<dir>.caisse-new` to `<dir>`;
 *   5. (the caller journals the import);
 *   6. delete the marker, then `<dir>.caisse-old`.
 *
 * Recovery after a crash at any point: with a marker, finish steps 3 to 6 (roll forward); without
 * one, delete a staging folder (roll back) and a leftover old folder (the swap had completed).
 * Either way the directory ends exactly as before or exactly as after the import.
 */
export interface SwapPaths {
  target: string;
  staging: string;
  old: string;
  marker: string;
}

export const SWAP_SUFFIXES = [".caisse-new", ".caisse-old", ".caisse-swap.json"] as const;

export function swapPaths(target: string): SwapPaths {
  const parent = dirname(target);
  const name = basename(target);
  return {
    target,
    staging: join(parent, `${name}.caisse-new`),
    old: join(parent, `${name}.caisse-old`),
    marker: join(parent, `${name}.caisse-swap.json`),
  };
}

/** Named moments of the swap, where tests stop the process to prove the recovery. */
export type SwapPoint = "staged" | "marked" | "moved-old" | "moved-new" | "journaled";

export type PauseHook = (point: SwapPoint) => Promise<void>;

async function remove(path: string): Promise<void> {
  try {
    await removeRetrying(path, { recursive: true });
  } catch (error) {
    throw ioError("remove", path, error);
  }
}

/**
 * An empty staging folder path for a new import: whatever an earlier crash left there is gone.
 * Refused while a swap of this directory is decided but unfinished (it failed earlier in this
 * run): its staging folder holds the data it decided on, which only the recovery may move.
 */
export async function freshStaging(paths: SwapPaths): Promise<string> {
  if (await pathExists(paths.marker)) {
    throw new CaisseError(
      "E_IO",
      `cannot import into ${paths.target}: an earlier import of it is not finished (${paths.marker})`,
      {
        details: { path: paths.marker },
        hint: "run the command again: it first finishes the interrupted import, then takes this archive.",
      },
    );
  }
  await remove(paths.staging);
  return paths.staging;
}

/**
 * Throws away a staging folder after a refusal or a failure. Not once the marker is written: the
 * swap is then decided and the staging folder may be the only copy of the till's data (the old
 * directory goes once the swap is finished), so it stays for the recovery to roll forward.
 */
export async function discardStaging(paths: SwapPaths): Promise<void> {
  if (await pathExists(paths.marker)) return;
  await remove(paths.staging);
}

/**
 * Steps 2 to 4: after this the new data is in place. `note` is kept in the marker so that a
 * recovery can finish what the caller does after the swap (its journal entry).
 */
export async function commitSwap(
  paths: SwapPaths,
  note: unknown,
  pause?: PauseHook,
): Promise<void> {
  await pause?.("staged");
  await writeFileAtomic(paths.marker, `${JSON.stringify(note)}\n`);
  await pause?.("marked");
  await rollForward(paths, pause);
}

async function rollForward(paths: SwapPaths, pause?: PauseHook): Promise<void> {
  const parent = dirname(paths.target);
  if (await pathExists(paths.staging)) {
    if ((await pathExists(paths.target)) && !(await pathExists(paths.old))) {
      await moveRetrying(paths.target, paths.old);
      await syncDirectory(parent);
      await pause?.("moved-old");
    }
    await moveRetrying(paths.staging, paths.target);
    await syncDirectory(parent);
    await pause?.("moved-new");
  }
}

/** Step 6: the swap is complete and journaled. */
export async function finishSwap(paths: SwapPaths, pause?: PauseHook): Promise<void> {
  await pause?.("journaled");
  await remove(paths.marker);
  await syncDirectory(dirname(paths.marker));
  await remove(paths.old);
}

/**
 * Where a till's current data is to be read without taking the lock: its directory; or, between
 * steps 3 and 4 of a swap (for an instant, or until the recovery after a crash there), the staging
 * folder the marker has decided on. Undefined when the till has no data yet.
 */
export async function currentFolder(target: string): Promise<FolderSnapshot | undefined> {
  const paths = swapPaths(target);
  const found = await folderAt(target);
  if (found !== undefined) return found;
  if (await pathExists(paths.marker)) {
    const staging = await folderAt(paths.staging);
    if (staging !== undefined) return staging;
  }
  // The swap may have finished between the two looks.
  return folderAt(target);
}

export type Recovery =
  | { kind: "clean" }
  | { kind: "rolled-back" }
  /** The swap was decided: the caller must make sure the import it records is journaled. */
  | { kind: "rolled-forward"; note: unknown };

/** Brings a till's directory back to "before" or "after" an interrupted import. */
export async function recoverSwap(paths: SwapPaths): Promise<Recovery> {
  if (await pathExists(paths.marker)) {
    let note: unknown = null;
    try {
      note = JSON.parse(await readFile(paths.marker, "utf8"));
    } catch {
      // The marker is written atomically, so this is a marker from someone else's hand; the
      // swap decision stands, only the journal note is lost.
    }
    await rollForward(paths);
    return { kind: "rolled-forward", note };
  }
  let changed = false;
  if (await pathExists(paths.staging)) {
    await remove(paths.staging);
    changed = true;
  }
  if (await pathExists(paths.old)) {
    if (!(await pathExists(paths.target))) {
      // Only possible if the old folder was renamed back by hand; keep the data.
      await moveRetrying(paths.old, paths.target);
    } else await remove(paths.old);
    changed = true;
  }
  return changed ? { kind: "rolled-back" } : { kind: "clean" };
}

import { CaisseError, sameFolder, type FolderSnapshot } from "@caisse/core";
import { currentFolder } from "../swap.js";

/** How many times a till is read again when imports keep replacing its directory meanwhile. */
export const TILL_READ_ATTEMPTS = 5;

/**
 * Runs a reading of the folder `before`; false when it failed because a swap replaced the folder
 * under it (a file vanished), true when it completed. A failure no swap explains is thrown.
 */
async function readsOneSnapshot(
  before: FolderSnapshot,
  target: string,
  read: () => Promise<void>,
): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (sameFolder(before, await currentFolder(target))) throw error;
    return false;
  }
}

/** The error when imports kept replacing a till's directory while a report read it. */
export function replacedTooOften(target: string, till: string, attempts: number): CaisseError {
  return new CaisseError(
    "E_IO",
    `cannot read ${target} for ${till}: imports replaced it ${attempts} times while the report read it`,
    {
      details: { path: target },
      hint: "run the report again once the imports are done.",
    },
  );
}

/** What `readSnapshot` read, and the folder it read it from. */
export interface SnapshotRead<T> {
  value: T;
  folder: FolderSnapshot;
}

/**
 * Reads one till's directory `target` as one snapshot, without the central's lock: an import may
 * swap its directory in while the report reads it (docs/central-layout.md#the-till-directory-swap:
 * the swap is all or nothing, not the reading). The folder is looked at before and after; when
 * another folder stands there afterwards, what was read may mix the old data with the new, or have
 * lost files, so it is read again (`read` starts from nothing each time). Undefined when the till
 * has no directory.
 */
export async function readSnapshot<T>(
  target: string,
  till: string,
  read: (dir: string) => Promise<T>,
  afterRead?: (attempt: number) => Promise<void>,
): Promise<SnapshotRead<T> | undefined> {
  for (let attempt = 1; ; attempt++) {
    const before = await currentFolder(target);
    if (before === undefined) return undefined;
    let value: T | undefined;
    const done = await readsOneSnapshot(before, target, async () => {
      value = await read(before.path);
    });
    if (done) {
      await afterRead?.(attempt);
      if (value !== undefined && sameFolder(before, await currentFolder(target))) {
        return { value, folder: before };
      }
    }
    if (attempt === TILL_READ_ATTEMPTS) throw replacedTooOften(target, till, attempt);
  }
}

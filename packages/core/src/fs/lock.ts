import { readFile, rm, stat } from "node:fs/promises";
import { open } from "node:fs/promises";
import { hostname } from "node:os";
import { CaisseError, ioError, systemErrorCode } from "../errors.js";

/** What a lock file holds, so that the message can say who holds it. */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** What the holder is doing, e.g. `caisse-export run`. */
  purpose: string;
}

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

// A lock file that cannot be parsed is a crash in the middle of writing it, once it is this old.
const UNREADABLE_STALE_MS = 10_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return systemErrorCode(error) === "EPERM";
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const value = JSON.parse(await readFile(path, "utf8")) as Partial<LockOwner>;
    if (typeof value.pid === "number" && typeof value.host === "string") return value as LockOwner;
  } catch {
    // Unreadable: decided by age below.
  }
  return undefined;
}

/** True when the lock was left by a run that is gone: same host, process no longer alive. */
async function isStale(path: string): Promise<boolean> {
  const owner = await readOwner(path);
  if (owner === undefined) {
    const info = await stat(path).catch(() => undefined);
    return info === undefined || Date.now() - info.mtimeMs > UNREADABLE_STALE_MS;
  }
  return owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid);
}

/**
 * Takes an exclusive lock by creating `path`. A lock left by a crashed run on this machine is taken
 * over; one held by a live process, or by another machine sharing the folder, is an E_LOCK_HELD.
 */
export async function acquireLock(path: string, purpose: string): Promise<Lock> {
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    purpose,
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(path, "wx", 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
      } finally {
        await handle.close();
      }
      return {
        path,
        release: async () => {
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if (systemErrorCode(error) !== "EEXIST") throw ioError("create the lock", path, error);
      if (await isStale(path)) {
        await rm(path, { force: true });
        continue;
      }
      const holder = await readOwner(path);
      const who =
        holder === undefined
          ? "another run"
          : `${holder.purpose} (process ${holder.pid} on ${holder.host}, since ${holder.since})`;
      throw new CaisseError("E_LOCK_HELD", `another run holds the lock ${path}: ${who}`, {
        details: { path, ...(holder ?? {}) },
        hint: "wait for it to finish. If no such run exists (for example after a crash on another machine), delete the lock file.",
      });
    }
  }
  throw new CaisseError("E_LOCK_HELD", `could not take the lock ${path}: it keeps coming back`, {
    details: { path },
  });
}

/** Runs `task` while holding the lock, and releases it whatever happens. */
export async function withLock<T>(
  path: string,
  purpose: string,
  task: () => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(path, purpose);
  try {
    return await task();
  } finally {
    await lock.release();
  }
}

import { randomBytes } from "node:crypto";
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rmdir,
  unlink,
  writeFile,
} from "node:fs/promises";
import { readFileSync } from "node:fs";
import { hostname, uptime } from "node:os";
import { basename, dirname, join } from "node:path";
import { CaisseError, ioError, systemErrorCode } from "../errors.js";

/** What a lock holds, so that the message can say who holds it. */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** What the holder is doing, e.g. `caisse-export run`. */
  purpose: string;
  /**
   * When the process started, as the system counts it (Linux: clock ticks since boot); absent
   * where the system does not say. With `since`, it tells a holder from a later process that
   * reuses its pid.
   */
  start?: string;
}

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

/*
 * The lock is a folder holding one file, `owner.<token>.json`, where the token is random and
 * names this holding only (see docs/decisions.md, "The lock is a folder").
 *
 * - Taking it: the folder is made complete beside it (`lock.<token>.new/owner.<token>.json`) and
 *   renamed to `lock`. A rename never replaces a folder that holds something, so the lock appears
 *   whole and only one of several takers gets it.
 * - Taking over a lock whose holder died: remove that holder's owner file by its token's name, then
 *   the emptied folder. Removing a file by name succeeds for one process only, and the name of a
 *   dead holder's file is never the name of a live one's: a taker that judged from a stale reading
 *   finds nothing to remove. The takers then race for the free name as above: one wins.
 * - A crash at any step leaves an empty folder (removed by the next taker: an empty `lock` is
 *   never held) or a `.new` folder beside it (removed once its process is gone); nothing blocks.
 */

// An owner file that cannot be parsed (damaged by hand or by the disk) is stale once this old.
const UNREADABLE_STALE_MS = 10_000;
const OWNER = /^owner\.([0-9a-f]+)\.json$/u;
// Rounds of "try the name, look at what holds it" before giving up on a lock that keeps changing.
const ATTEMPTS = 100;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return systemErrorCode(error) === "EPERM";
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === "number" && typeof value.host === "string") return value as LockOwner;
  } catch {
    // Unreadable: decided by age.
  }
  return undefined;
}

/**
 * When a process of this machine started (Linux: field 22 of /proc/PID/stat, clock ticks since
 * boot); undefined elsewhere, or when the process does not exist.
 */
function processStart(pid: number): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

// Clocks drift and `uptime` is rounded: a lock taken this close before the boot time is not
// judged by it.
const BOOT_MARGIN_MS = 60_000;

/**
 * True when the owner is a process of this machine that no longer runs. A pid alone is not
 * enough: after a power cut and a reboot, or months later, the dead holder's pid may belong to
 * another process, and the lock would be held forever. So a lock taken before this machine last
 * started is dead, and so is one whose pid now belongs to a process started at another time.
 */
function isDead(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  const since = Date.parse(owner.since);
  if (Number.isFinite(since) && since < Date.now() - uptime() * 1000 - BOOT_MARGIN_MS) return true;
  if (owner.start !== undefined) {
    const start = processStart(owner.pid);
    if (start !== undefined && start !== owner.start) return true;
  }
  return owner.pid !== process.pid && !isAlive(owner.pid);
}

/** What is at the lock's path now. */
type Found =
  | { kind: "free" }
  /** An empty lock folder: a crash or a takeover between its two steps; never a holding. */
  | { kind: "empty" }
  /** A lock folder with its owner file (`owner` undefined when the file cannot be parsed). */
  | { kind: "held"; file: string; owner: LockOwner | undefined; stale: boolean }
  /** A lock file written by a version before the lock was a folder. */
  | { kind: "legacy"; owner: LockOwner | undefined; stale: boolean }
  /** A folder holding something else: only a person can say what. */
  | { kind: "unknown" };

async function isOld(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > UNREADABLE_STALE_MS;
}

async function inspect(path: string): Promise<Found> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "ENOENT") return { kind: "free" };
    if (code !== "ENOTDIR") throw ioError("read the lock", path, error);
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text === undefined) return { kind: "free" };
    const owner = parseOwner(text);
    return {
      kind: "legacy",
      owner,
      stale: owner === undefined ? await isOld(path) : isDead(owner),
    };
  }
  if (names.length === 0) return { kind: "empty" };
  const name = names.find((entry) => OWNER.test(entry));
  if (name === undefined || names.length > 1) return { kind: "unknown" };
  const file = join(path, name);
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return { kind: "free" }; // removed meanwhile: look again
  const owner = parseOwner(text);
  return {
    kind: "held",
    file,
    owner,
    stale: owner === undefined ? await isOld(file) : isDead(owner),
  };
}

/** Who holds the lock at `path` now, without taking it (for `status`); undefined when free. */
export async function readLockOwner(
  path: string,
): Promise<{ owner: LockOwner | undefined } | undefined> {
  const found = await inspect(path);
  if (found.kind === "free" || found.kind === "empty") return undefined;
  return { owner: found.kind === "unknown" ? undefined : found.owner };
}

/** Removes `path` unless it is gone already; false when another process removed it first. */
async function removeOnce(
  remove: () => Promise<void>,
  what: string,
  path: string,
): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (error) {
    const code = systemErrorCode(error);
    // ENOTEMPTY/EEXIST: a taker renamed its complete lock onto the emptied folder first.
    if (code === "ENOENT" || code === "ENOTEMPTY" || code === "EEXIST") return false;
    // A folder where a lock file was: a new lock was taken after the file was judged stale.
    if (code === "EISDIR" || code === "EPERM" || code === "ENOTDIR") return false;
    throw ioError(what, path, error);
  }
}

/** Removes a dead holder's lock, by its owner file's own name; false when another taker did. */
async function takeOver(path: string, found: Found): Promise<boolean> {
  if (found.kind === "held") {
    if (!(await removeOnce(() => unlink(found.file), "remove the stale lock", found.file)))
      return false;
    await removeOnce(() => rmdir(path), "remove the stale lock", path);
    return true;
  }
  if (found.kind === "legacy") return removeOnce(() => unlink(path), "remove the stale lock", path);
  if (found.kind === "empty") return removeOnce(() => rmdir(path), "remove the empty lock", path);
  return false;
}

function heldError(path: string, owner: LockOwner | undefined): CaisseError {
  const who =
    owner === undefined
      ? "another run"
      : `${owner.purpose} (process ${owner.pid} on ${owner.host}, since ${owner.since})`;
  return new CaisseError("E_LOCK_HELD", `another run holds the lock ${path}: ${who}`, {
    details: { path, ...(owner ?? {}) },
    hint: "wait for it to finish. If no such run exists (for example after a crash on another machine), delete the lock folder.",
  });
}

/** Removes the `.new` folders beside the lock left by takers that died before their rename. */
async function sweepUnfinished(path: string): Promise<void> {
  const folder = dirname(path);
  const prefix = `${basename(path)}.`;
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".new")) continue;
    const found = await inspect(join(folder, name)).catch(() => undefined);
    if (found?.kind === "held" && found.stale) await takeOver(join(folder, name), found);
    else if (found?.kind === "empty" && (await isOld(join(folder, name))))
      await takeOver(join(folder, name), found);
  }
}

/**
 * Takes an exclusive lock at `path` (a folder). A lock left by a crashed run on this machine is
 * taken over, by one process only however many try at once; one held by a live process, or by
 * another machine sharing the folder, is an E_LOCK_HELD.
 */
export async function acquireLock(path: string, purpose: string): Promise<Lock> {
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    purpose,
  };
  const start = processStart(process.pid);
  if (start !== undefined) owner.start = start;
  const token = randomBytes(12).toString("hex");
  const ownerName = `owner.${token}.json`;
  const staging = `${path}.${token}.new`;
  try {
    await mkdir(staging);
    await writeFile(join(staging, ownerName), `${JSON.stringify(owner)}\n`, { flag: "wx" });
  } catch (error) {
    await rmStaging(staging, ownerName);
    throw ioError("create the lock", path, error);
  }
  try {
    await sweepUnfinished(path);
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      try {
        await rename(staging, path);
        return { path, release: () => rmStaging(path, ownerName) };
      } catch (error) {
        const code = systemErrorCode(error);
        // Held, or a file there (ENOTDIR, EISDIR); Windows says EPERM/EACCES for a folder there.
        const occupied = ["EEXIST", "ENOTEMPTY", "ENOTDIR", "EISDIR", "EPERM", "EACCES"];
        if (code === undefined || !occupied.includes(code))
          throw ioError("create the lock", path, error);
      }
      const found = await inspect(path);
      if (found.kind === "free") continue; // released meanwhile: try again
      if (found.kind === "empty" || (found.kind !== "unknown" && found.stale)) {
        // Whether this process or another removed it, the name is free again: race for it.
        await takeOver(path, found);
        continue;
      }
      throw heldError(path, found.kind === "unknown" ? undefined : found.owner);
    }
    throw new CaisseError("E_LOCK_HELD", `could not take the lock ${path}: it keeps changing`, {
      details: { path },
      hint: "another program keeps creating it; run again once it has finished.",
    });
  } finally {
    // Still there unless the rename took it: this attempt's folder goes.
    await rmStaging(staging, ownerName);
  }
}

/** Removes a lock folder of ours: our owner file, then the folder if nothing else is in it. */
async function rmStaging(folder: string, ownerName: string): Promise<void> {
  await unlink(join(folder, ownerName)).catch(() => undefined);
  await rmdir(folder).catch(() => undefined);
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

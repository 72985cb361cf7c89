/**
 * The staging folder: created fresh (or found empty), filled one level at a time without ever
 * going through a link, and flushed to disk before the caller swaps it in.
 */
import { lstat, mkdir, readdir } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { CaisseError, ioError, systemErrorCode } from "../../errors.js";
import { syncDirectory } from "../../fs/atomic.js";
import { refuse } from "./refuse.js";

const FOLDER_MODE = 0o755;

/** Creates the staging folder, or accepts an existing empty one (not a link). */
export async function prepareStaging(stagingDir: string): Promise<string> {
  const root = resolve(stagingDir);
  try {
    await mkdir(dirname(root), { recursive: true, mode: FOLDER_MODE });
    await mkdir(root, { mode: FOLDER_MODE });
    return root;
  } catch (error) {
    if (systemErrorCode(error) !== "EEXIST") {
      throw ioError("create the staging folder", root, error);
    }
  }
  if (!(await isEmptyFolder(root))) {
    throw new CaisseError("E_IO", `cannot extract into ${root}: it is not an empty folder`, {
      details: { path: root, operation: "extract" },
      hint: "the staging folder must not exist yet, or be empty.",
    });
  }
  return root;
}

/** True for an empty folder; false for anything else, a link to a folder included. */
async function isEmptyFolder(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory() && (await readdir(path)).length === 0;
  } catch (error) {
    throw ioError("read the staging folder", path, error);
  }
}

/** Where an entry goes: inside `root`, re-checked here although every name was checked already. */
export function targetPath(root: string, name: string): string {
  const path = name.endsWith("/") ? name.slice(0, -1) : name;
  const target = resolve(root, ...path.split("/"));
  const inside = relative(root, target);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "outside-staging",
      name,
      `it would be written outside the staging folder (${target})`,
    );
  }
  return target;
}

/** Creates folders one level at a time, never through a link, and remembers them for fsync. */
export class FolderMaker {
  readonly #root: string;
  readonly #made = new Map<string, string>();

  constructor(root: string) {
    this.#root = root;
  }

  async ensure(path: string): Promise<void> {
    if (path === "") return;
    const components = path.split("/");
    for (let depth = 1; depth <= components.length; depth += 1) {
      const folder = components.slice(0, depth).join("/");
      if (this.#made.has(folder)) continue;
      const absolute = targetPath(this.#root, folder);
      try {
        await mkdir(absolute, { mode: FOLDER_MODE });
      } catch (error) {
        // Names were checked for collisions, so only a folder made earlier may already be there.
        const existing = systemErrorCode(error) === "EEXIST" ? await lstat(absolute) : undefined;
        if (existing?.isDirectory() !== true) throw ioError("create the folder", absolute, error);
      }
      this.#made.set(folder, absolute);
    }
  }

  /** Flushes every folder's entry table, deepest first, then the root's. */
  async syncAll(): Promise<void> {
    const folders = [...this.#made.values()].sort((a, b) => b.length - a.length);
    for (const folder of [...folders, this.#root]) await syncDirectory(folder);
  }
}

export function parentOf(name: string): string {
  const index = name.lastIndexOf("/");
  return index < 0 ? "" : name.slice(0, index);
}

import { CaisseError, foreignPathProblem } from "@caisse/core";
import { isAbsolute, join, parse as parsePath, resolve, sep } from "node:path";
import { SWAP_SUFFIXES } from "../swap.js";
import { CONFIG_FILE, type TillRecord } from "./types.js";

/** The layout of a central root (see docs/central-layout.md#caisse-centraljson). */
export interface CentralPaths {
  root: string;
  config: string;
  inbox: string;
  tills: string;
  archives: string;
  quarantine: string;
  catalog: string;
  /** Working folders of the central itself: staging of downloads, locks. */
  work: string;
  journal: string;
  lock: string;
}

export function centralPaths(root: string): CentralPaths {
  const work = join(root, ".caisse");
  return {
    root,
    config: join(root, CONFIG_FILE),
    inbox: join(root, "inbox"),
    tills: join(root, "tills"),
    archives: join(root, "archives"),
    quarantine: join(root, "quarantine"),
    catalog: join(root, "catalog"),
    work,
    journal: join(root, "journal.jsonl"),
    lock: join(work, "central.lock"),
  };
}

/**
 * The till's directory. A relative path is under `<root>/tills/`. A Windows path such as
 * `c:\caisse1\` is absolute on Windows; elsewhere it cannot be a folder of this machine.
 */
export function tillDirectory(paths: CentralPaths, till: Pick<TillRecord, "path" | "ref">): string {
  const given = till.path.trim();
  if (isAbsolute(given)) return resolve(given);
  if (foreignPathProblem(given) !== undefined) {
    throw new CaisseError(
      "E_TILL_PATH",
      `till ${till.ref}: the path '${given}' is a Windows path, and this machine is not Windows`,
      {
        details: { ref: till.ref, path: given },
        hint: "give a path with '/' separators, relative to tills/ or absolute.",
      },
    );
  }
  return resolve(paths.tills, given);
}

function isInside(parent: string, child: string): boolean {
  const prefix = parent.endsWith(sep) ? parent : parent + sep;
  return child.startsWith(prefix);
}

/**
 * Every till has a folder of its own: not the root of a disk, not the central root or above it,
 * not inside the central's own folders, not inside or around another till's folder.
 */
export function checkTillPaths(tills: readonly TillRecord[], paths: CentralPaths): void {
  const problems: string[] = [];
  const resolved: { ref: string; dir: string; shown: string }[] = [];
  /** The first till with a problem, to show the fix on it. */
  let culprit: string | undefined;
  for (const till of tills) {
    const before = problems.length;
    let dir: string;
    try {
      dir = tillDirectory(paths, till);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    const key =
      process.platform === "win32" || process.platform === "darwin" ? dir.toLowerCase() : dir;
    if (SWAP_SUFFIXES.some((suffix) => key.endsWith(suffix))) {
      problems.push(
        `till ${till.ref}: the path '${till.path}' ends like the central's own working folders`,
      );
    } else if (parsePath(dir).root === dir)
      problems.push(`till ${till.ref}: the path '${till.path}' is the root of a disk`);
    else if (key === paths.root || isInside(key, paths.root)) {
      problems.push(`till ${till.ref}: the path '${till.path}' contains the central root`);
    } else if (isInside(paths.root, key) && !isInside(paths.tills, key)) {
      problems.push(
        `till ${till.ref}: the path '${till.path}' is inside the central root but not under tills/`,
      );
    }
    for (const other of resolved) {
      if (other.dir === key) {
        problems.push(`tills ${other.ref} and ${till.ref} share the folder ${dir}`);
      } else if (isInside(other.dir, key) || isInside(key, other.dir)) {
        problems.push(
          `the folders of tills ${other.ref} (${other.shown}) and ${till.ref} (${dir}) are one inside the other`,
        );
      }
    }
    if (problems.length > before) culprit ??= till.ref;
    resolved.push({ ref: till.ref, dir: key, shown: dir });
  }
  if (problems.length > 0) {
    const ref = culprit ?? "D01";
    throw new CaisseError("E_TILL_PATH", problems.join("; "), {
      details: { problems },
      hint: `give each till a folder of its own, for example its reference: caisse-central tills set ${ref} --path ${ref}`,
    });
  }
}

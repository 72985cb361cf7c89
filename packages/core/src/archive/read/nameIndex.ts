import type { CaisseError } from "../../errors.js";
import { collisionKey } from "../names.js";
import { quoteName, refuse } from "./refuse.js";

/**
 * Finds names that would land on the same file: the same name after case folding and NFC, a
 * file and a folder of the same name, a file used as a folder by another entry (`a` and `a/b`).
 */
export class NameIndex {
  /** Collision key of each entry (without a folder's final `/`) to the entry. */
  readonly #entries = new Map<string, { name: string; directory: boolean }>();
  /** Collision key of every folder some entry lies in, to the first such entry. */
  readonly #impliedFolders = new Map<string, string>();

  add(name: string, directory: boolean): void {
    const components = (directory ? name.slice(0, -1) : name).split("/").map(collisionKey);
    const key = components.join("/");
    const same = this.#entries.get(key);
    if (same !== undefined) throw duplicate(name, sameNameProblem(same, name, directory));
    const below = this.#impliedFolders.get(key);
    if (!directory && below !== undefined) {
      throw duplicate(name, `it is a file, but ${quoteName(below)} uses the same name as a folder`);
    }
    for (let depth = 1; depth < components.length; depth += 1) {
      const folderKey = components.slice(0, depth).join("/");
      const existing = this.#entries.get(folderKey);
      if (existing !== undefined && !existing.directory) {
        throw duplicate(name, `it uses ${quoteName(existing.name)}, a file, as a folder`);
      }
      if (!this.#impliedFolders.has(folderKey)) this.#impliedFolders.set(folderKey, name);
    }
    this.#entries.set(key, { name, directory });
  }
}

function sameNameProblem(
  existing: { name: string; directory: boolean },
  name: string,
  directory: boolean,
): string {
  if (existing.name === name) return "the name appears twice";
  if (existing.directory !== directory) {
    const kind = existing.directory ? "folder" : "file";
    return `${quoteName(existing.name)} is a ${kind} of the same name: a file and a folder cannot share a name`;
  }
  return `it is the same ${directory ? "folder" : "file"} as ${quoteName(existing.name)} once case and Unicode normalisation are ignored`;
}

function duplicate(name: string, problem: string): CaisseError {
  return refuse("E_ARCHIVE_DUPLICATE_NAME", "duplicate-name", name, problem);
}

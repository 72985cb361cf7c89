import { ioError, systemErrorCode, writeFileAtomic } from "@caisse/core";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { StatePaths } from "../state.js";

/**
 * What the till remembers of the catalogue it applied last, `catalog.json` in the state folder
 * (see docs/catalogue.md): the replay guard of `catalog import` and `catalog fetch`.
 */
export interface CatalogState {
  sequence: number;
  /** SHA-256 of the catalogue's manifest bytes. */
  manifest: string;
  /** The archive's name, as published. */
  name: string;
  /** When head office built it (the manifest's `created`). */
  created: string;
  /** When this till applied it. */
  applied: string;
}

export function catalogStatePath(paths: StatePaths): string {
  return join(paths.dir, "catalog.json");
}

/** The last catalogue applied; undefined before the first one (or an unreadable record). */
export async function readCatalogState(paths: StatePaths): Promise<CatalogState | undefined> {
  const path = catalogStatePath(paths);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return undefined;
    throw ioError("read", path, error);
  }
  try {
    const value = JSON.parse(text) as Partial<CatalogState>;
    if (typeof value.sequence === "number" && typeof value.manifest === "string")
      return value as CatalogState;
  } catch {
    // Treated as no record: the catalogue is then taken as a first one, and the record rewritten.
  }
  return undefined;
}

export async function writeCatalogState(paths: StatePaths, state: CatalogState): Promise<void> {
  await writeFileAtomic(catalogStatePath(paths), `${JSON.stringify(state, null, 2)}\n`);
}

import { CaisseError, ioError, systemErrorCode, unlinkRetrying } from "@caisse/core";
import { copyFile, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { SettleOutcome, Source, SourceItem } from "../types.js";

export interface DirSourceOptions {
  /** The source's name in the config, for logs and the journal. */
  name: string;
  /** Absolute path of the folder the tills drop their archives into. */
  path: string;
}

/** Names a dir source takes: `*.zip`, not hidden, not a `.part` still being written. */
export function isCollectableName(name: string): boolean {
  return !name.startsWith(".") && name.toLowerCase().endsWith(".zip");
}

/**
 * Collects archives from a local folder (the central's `inbox/`, or a network share). An archive
 * is deleted from the folder only when settled, that is once the central has stored it under
 * `archives/` or `quarantine/`.
 */
export function createDirSource(options: DirSourceOptions): Source {
  const { name, path } = options;
  const fileOf = (item: SourceItem): string => join(path, item.id);
  return {
    name,
    kind: "dir",
    async list() {
      let names: string[];
      try {
        names = await readdir(path);
      } catch (error) {
        const missing = systemErrorCode(error) === "ENOENT";
        throw new CaisseError(
          "E_SOURCE",
          `source ${name}: cannot read the folder ${path}: ${missing ? "not found" : String(error)}`,
          {
            cause: error,
            details: { source: name, path },
            hint: missing
              ? "create the folder, or fix its path in caisse-central.json (sources)."
              : undefined,
          },
        );
      }
      const items: SourceItem[] = [];
      for (const entry of names.filter(isCollectableName).sort()) {
        // Links are not followed: a link in the inbox could point anywhere on the machine.
        const info = await lstat(join(path, entry)).catch(() => undefined);
        if (info?.isFile() === true) items.push({ id: entry, label: `${name}/${entry}` });
      }
      return items;
    },
    async download(item, intoDir) {
      const target = join(intoDir, item.id);
      try {
        await copyFile(fileOf(item), target);
      } catch (error) {
        throw ioError("copy", fileOf(item), error);
      }
      return [target];
    },
    async settle(item, _outcome: SettleOutcome) {
      try {
        await unlinkRetrying(fileOf(item));
      } catch (error) {
        if (systemErrorCode(error) !== "ENOENT") throw ioError("remove", fileOf(item), error);
      }
    },
    async close() {
      // Nothing held open.
    },
  };
}

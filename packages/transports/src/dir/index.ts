import { randomBytes } from "node:crypto";
import { rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TransportKind, VerifyStep } from "../kind.js";
import { createDirSender } from "./sender.js";
import { createDirSource } from "./source.js";

/** `{ "type": "dir", "path": "..." }`: a folder, a mounted network share, the central's inbox. */
export interface DirConfig {
  type: "dir";
  /** Absolute path of the folder (relative ones are resolved from the config's folder or root). */
  path: string;
}

export const dirKind: TransportKind<DirConfig> = {
  type: "dir",
  description: "a folder or a network share",
  parse(check, value, where) {
    check.knownKeys(value, where, ["type", "path", "name"]);
    const path = check.path(value, "path", where, true);
    return path === undefined ? undefined : { type: "dir", path };
  },
  describe: (config) => `dir ${config.path}`,
  createSender: (config) => createDirSender({ path: config.path }),
  createSource: (config, name) => createDirSource({ name, path: config.path }),
  async verify(config): Promise<VerifyStep[]> {
    const steps: VerifyStep[] = [];
    const info = await stat(config.path).catch(() => undefined);
    if (info?.isDirectory() !== true) {
      steps.push({
        step: "folder",
        ok: false,
        detail: `${config.path} ${info === undefined ? "does not exist or cannot be read" : "is not a folder"}`,
        fix: "mount the share or create the folder, or fix the path in the config.",
      });
      return steps;
    }
    steps.push({ step: "folder", ok: true, detail: config.path });
    // Ends in .part: a central collecting meanwhile never takes it.
    const probe = join(config.path, `.caisse-doctor-${randomBytes(4).toString("hex")}.part`);
    try {
      await writeFile(probe, "caisse doctor probe\n", { flag: "wx" });
      steps.push({ step: "write a probe file", ok: true, detail: probe });
    } catch (error) {
      steps.push({
        step: "write a probe file",
        ok: false,
        detail: `${probe}: ${error instanceof Error ? error.message : String(error)}`,
        fix: "give the user running this command the right to write in the folder.",
      });
      return steps;
    }
    try {
      await rm(probe);
      steps.push({ step: "remove the probe file", ok: true, detail: probe });
    } catch (error) {
      steps.push({
        step: "remove the probe file",
        ok: false,
        detail: `${probe}: ${error instanceof Error ? error.message : String(error)}`,
        fix: "give the user running this command the right to remove files in the folder.",
      });
    }
    return steps;
  },
};

import { parseConfigJson } from "@caisse/cli";
import {
  CaisseError,
  ioError,
  parseJsonDocument,
  systemErrorCode,
  writeFileAtomic,
} from "@caisse/core";
import { isRecord } from "@caisse/transports";
import { readFile } from "node:fs/promises";
import { checkTillPaths, type CentralPaths } from "./paths.js";
import { CONFIG_FILE, DEFAULT_SOURCES, type CentralConfig } from "./types.js";
import { CONFIG_DOCS, validateCentralConfig } from "./validate.js";

/** The config of a root, or E_CENTRAL_ROOT when the folder has none. */
export async function loadCentralConfig(paths: CentralPaths): Promise<CentralConfig> {
  let text: string;
  try {
    text = await readFile(paths.config, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") {
      throw new CaisseError(
        "E_CENTRAL_ROOT",
        `${paths.root} is not a caisse-central root: ${CONFIG_FILE} not found`,
        {
          details: { root: paths.root },
          hint: "run 'caisse-central init' there first, or give the root with --root DIR or CAISSE_CENTRAL_ROOT.",
        },
      );
    }
    throw ioError("read", paths.config, error);
  }
  const config = validateCentralConfig(
    parseConfigJson(text, paths.config, CONFIG_DOCS),
    paths.config,
  );
  checkTillPaths(config.tills, paths);
  return config;
}

/** Writes the config back, keeping the keys people wrote that this version does not know. */
export async function saveCentralConfig(
  paths: CentralPaths,
  config: Pick<CentralConfig, "tills" | "sources" | "limits" | "staleAfterHours">,
): Promise<void> {
  let previous: Record<string, unknown> = {};
  try {
    const document = parseJsonDocument(await readFile(paths.config, "utf8"));
    if (document.ok && isRecord(document.value)) previous = document.value;
  } catch {
    // A new root, or a config that load would have refused: write ours.
  }
  const tills = config.tills.map((till) =>
    Object.fromEntries(Object.entries(till).filter(([, field]) => field !== undefined)),
  );
  const next = {
    ...previous,
    tills,
    // Sources are written as people wrote them (relative paths, password variables); no command
    // changes them.
    sources: previous.sources ?? DEFAULT_SOURCES,
    limits: config.limits,
    staleAfterHours: config.staleAfterHours,
  };
  await writeFileAtomic(paths.config, `${JSON.stringify(next, null, 2)}\n`);
}

import { configFileError, parseConfigJson, type CliContext } from "@caisse/cli";
import {
  CaisseError,
  checkLocalPaths,
  ioError,
  systemErrorCode,
  tillNameProblem,
  tillRefProblem,
} from "@caisse/core";
import { ConfigChecker, isRecord, parseTransport, type TransportConfig } from "@caisse/transports";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CONFIG_ENV, CONFIG_FILE } from "./configNames.js";

/**
 * caisse-export.json (see docs/export.md#the-config-file): parse, normalise (paths made absolute,
 * relative to the file's folder; defaults filled in), validate, reporting every problem with its
 * key at once.
 */

export { CONFIG_ENV, CONFIG_FILE } from "./configNames.js";

/** `catalog`: where `catalog import` and `catalog fetch` apply head office's catalogue. */
export interface CatalogConfig {
  /** Absolute path of the folder the catalogue is applied to. */
  dir: string;
  /** Head office's public key, `ed25519:<base64>`; a catalogue is applied only when signed by it. */
  centralKey: string | undefined;
  /** Where `catalog fetch` looks; undefined: the `catalog` folder beside the transport's. */
  source: TransportConfig | undefined;
}

/** A valid caisse-export.json, every path absolute. */
export interface ExportConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Till reference (`D01`). */
  till: string;
  /** Till name (`Magasin 1`); default: the reference. */
  name: string;
  /** Absolute path of the till's data directory. */
  data: string;
  /** Absolute path of the till's Ed25519 private key (PKCS#8 PEM); undefined: archives unsigned. */
  key: string | undefined;
  /** Where `run` and `send` send archives; undefined: only `zip` works. */
  transport: TransportConfig | undefined;
  catalog: CatalogConfig | undefined;
  /**
   * `run` builds a full archive when the last full one is this many days old or more, and
   * incremental archives in between; 0: every archive is full. Default 7.
   */
  fullEveryDays: number;
}

/** Default of `fullEveryDays`: a full archive once a week. */
export const DEFAULT_FULL_EVERY_DAYS = 7;

export interface LoadedConfig {
  config: ExportConfig;
  /** Keys that are not errors but deserve a line in the log (unknown keys). */
  warnings: string[];
}

/** Where the config file is looked for, and who said so. */
export interface ConfigLocation {
  path: string;
  /** `--config`, `CAISSE_EXPORT_CONFIG`, or `default` (`./caisse-export.json`). */
  via: "--config" | typeof CONFIG_ENV | "default";
}

/** --config, else $CAISSE_EXPORT_CONFIG, else ./caisse-export.json; relative to the current folder. */
export function locateConfig(ctx: CliContext, flag: string | undefined): ConfigLocation {
  const fromEnv = ctx.env[CONFIG_ENV];
  checkLocalPaths({ "--config": flag, [CONFIG_ENV]: flag === undefined ? fromEnv : undefined });
  if (flag !== undefined) return { path: resolve(ctx.cwd, flag), via: "--config" };
  if (fromEnv !== undefined && fromEnv !== "")
    return { path: resolve(ctx.cwd, fromEnv), via: CONFIG_ENV };
  return { path: resolve(ctx.cwd, CONFIG_FILE), via: "default" };
}

const DOCS = { docs: "docs/export.md" };

function configError(file: string, problems: string[], notes: string[] = []): CaisseError {
  return configFileError(file, problems, { ...DOCS, notes });
}

const ED25519_PUBLIC_KEY = /^ed25519:[A-Za-z0-9+/]{43}=$/u;

/** The shared checker, with the keys only caisse-export.json has. */
class Checker extends ConfigChecker {
  transport(value: unknown): TransportConfig | undefined {
    if (value === undefined || value === null) return undefined;
    return parseTransport(this, value, "transport.", "transport");
  }

  catalog(value: unknown): CatalogConfig | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      this.problems.push(
        'catalog must be an object such as { "dir": "...", "centralKey": "ed25519:..." }',
      );
      return undefined;
    }
    this.knownKeys(value, "catalog.", ["dir", "centralKey", "source"]);
    const dir = this.path(value, "dir", "catalog.", true);
    const centralKey = this.string(value, "centralKey", "catalog.", false);
    if (centralKey !== undefined && !ED25519_PUBLIC_KEY.test(centralKey)) {
      this.problems.push(
        "catalog.centralKey must look like ed25519:<44 base64 characters>, the public key of head office's catalogue signing key",
      );
    }
    const source =
      value.source === undefined || value.source === null
        ? undefined
        : parseTransport(this, value.source, "catalog.source.", "source");
    return dir === undefined ? undefined : { dir, centralKey, source };
  }
}

const TOP_LEVEL_KEYS = [
  "$schema",
  "till",
  "name",
  "data",
  "key",
  "transport",
  "catalog",
  "fullEveryDays",
] as const;

/** Validates a parsed caisse-export.json; `file` is its absolute path (relative paths start there). */
export function validateExportConfig(value: unknown, file: string): LoadedConfig {
  if (!isRecord(value)) throw configError(file, ["the file must hold a JSON object"]);
  const check = new Checker(dirname(file));
  check.knownKeys(value, "", TOP_LEVEL_KEYS);
  const till = check.string(value, "till", "", true);
  if (till !== undefined) {
    const problem = tillRefProblem(till);
    if (problem !== undefined) check.problems.push(`till: ${problem}`);
  }
  const name = check.string(value, "name", "", false);
  if (name !== undefined) {
    const problem = tillNameProblem(name);
    if (problem !== undefined) check.problems.push(`name: ${problem}`);
  }
  const data = check.path(value, "data", "", true);
  const key = check.path(value, "key", "", false);
  const transport = check.transport(value.transport);
  const catalog = check.catalog(value.catalog);
  const fullEveryDays = check.integer(value, "fullEveryDays", "", {
    min: 0,
    max: 366,
    fallback: DEFAULT_FULL_EVERY_DAYS,
  });
  if (check.problems.length > 0 || till === undefined || data === undefined)
    throw configError(file, check.problems, check.warnings);
  return {
    config: { file, till, name: name ?? till, data, key, transport, catalog, fullEveryDays },
    warnings: check.warnings.map((warning) => `${file}: ${warning}`),
  };
}

/**
 * Reads and validates the config at `location`. Undefined when the default file does not exist
 * (`zip --data --till` and `status` work without one); a file named by --config or
 * $CAISSE_EXPORT_CONFIG must exist.
 */
export async function loadConfig(location: ConfigLocation): Promise<LoadedConfig | undefined> {
  let text: string;
  try {
    text = await readFile(location.path, "utf8");
  } catch (error) {
    if (systemErrorCode(error) !== "ENOENT") throw ioError("read", location.path, error);
    if (location.via === "default") return undefined;
    throw new CaisseError(
      "E_CONFIG",
      `the config file ${location.path} (given by ${location.via}) does not exist`,
      {
        details: { path: location.path, via: location.via },
        hint: "check the path, or write a starter config there with 'caisse-export init --config FILE'.",
      },
    );
  }
  return validateExportConfig(parseConfigJson(text, location.path, DOCS), location.path);
}

/** The config, or E_CONFIG saying how to get one. */
export function requireConfig(
  config: ExportConfig | undefined,
  location: ConfigLocation,
  command: string,
): ExportConfig {
  if (config !== undefined) return config;
  throw new CaisseError(
    "E_CONFIG",
    `'caisse-export ${command}' needs a config file, and ${location.path} does not exist`,
    {
      details: { path: location.path },
      hint: `write one with 'caisse-export init', or name it with --config FILE or ${CONFIG_ENV}.`,
    },
  );
}

/** The transport, or E_CONFIG naming the key. */
export function requireTransport(config: ExportConfig, command: string): TransportConfig {
  if (config.transport !== undefined) return config.transport;
  throw new CaisseError(
    "E_CONFIG",
    `${config.file}: the key 'transport' is missing, and '${command}' needs it`,
    {
      details: { path: config.file, key: "transport" },
      hint: 'add for example "transport": { "type": "dir", "path": "//siege/caisse/inbox" } (see docs/export.md).',
    },
  );
}

/** Checks --till and --name given on the command line (E_USAGE naming each wrong flag). */
export function checkTillFlags(flags: {
  till?: string | undefined;
  name?: string | undefined;
}): void {
  const problems: string[] = [];
  const till = flags.till === undefined ? undefined : tillRefProblem(flags.till);
  if (till !== undefined) problems.push(`--till: ${till}`);
  const name = flags.name === undefined ? undefined : tillNameProblem(flags.name);
  if (name !== undefined) problems.push(`--name: ${name}`);
  if (problems.length > 0)
    throw new CaisseError("E_USAGE", problems.join("; "), { details: { problems } });
}

/** The starter config `init` writes: a dir transport, relative paths. */
export function starterConfig(
  values: { till?: string; name?: string; data?: string; transportPath?: string } = {},
): Record<string, unknown> {
  return {
    till: values.till ?? "D01",
    name: values.name ?? "Magasin 1",
    data: values.data ?? "donnees",
    transport: { type: "dir", path: values.transportPath ?? "depot" },
  };
}

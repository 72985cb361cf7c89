import { configFileError, parseConfigJson } from "@caisse/cli";
import {
  CaisseError,
  DEFAULT_LIMITS,
  foreignPathProblem,
  ioError,
  parseJsonDocument,
  systemErrorCode,
  tillNameProblem,
  tillRefProblem,
  writeFileAtomic,
  type ArchiveLimits,
} from "@caisse/core";
import { ConfigChecker, isRecord, parseTransport, type TransportConfig } from "@caisse/transports";
import { readFile } from "node:fs/promises";
import { SWAP_SUFFIXES } from "./swap.js";
import { dirname, isAbsolute, join, parse as parsePath, resolve, sep } from "node:path";

export const CONFIG_FILE = "caisse-central.json";

/**
 * One row of the till table: the till software's "remote stations" screen (see
 * docs/central-layout.md#caisse-centraljson).
 */
export interface TillRecord {
  ref: string;
  name: string;
  /** As given: relative to `<root>/tills/`, or absolute (`c:\caisse1\`). */
  path: string;
  enabled: boolean;
  /** `ed25519:<base64>` public key; archives must then be signed with it. */
  key?: string | undefined;
  /** Address to mail the catalogue to. */
  mail?: string | undefined;
  /** CSV encoding to use instead of detecting it (`windows-1252`, `utf-8`...). */
  encoding?: string | undefined;
  /** Our column name to the till's header, for till software with other names. */
  columns?: Record<string, string> | undefined;
}

/** One entry of `sources`: its name, and its kind's config (paths made absolute from the root). */
export interface SourceConfig {
  name: string;
  transport: TransportConfig;
}

export interface CentralConfig {
  tills: TillRecord[];
  sources: SourceConfig[];
  limits: ArchiveLimits;
  /** A till with no archive for longer than this is `late` in the monitor; hours. */
  staleAfterHours: number;
  /** Not errors, but worth a line in the log: unknown keys, plain FTP. */
  warnings?: string[] | undefined;
}

/** The layout of a central root (see docs/central-layout.md#caisse-centraljson). */
export interface CentralPaths {
  root: string;
  config: string;
  inbox: string;
  tills: string;
  archives: string;
  quarantine: string;
  catalog: string;
  /** The report index, a cache of the tills' figures (see docs/reports.md#the-report-index). */
  index: string;
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
    index: join(root, "index"),
    work,
    journal: join(root, "journal.jsonl"),
    lock: join(work, "central.lock"),
  };
}

/** `sources` as `init` writes it, and as it is taken when the file has none. */
export const DEFAULT_SOURCES: readonly Record<string, unknown>[] = [
  { name: "inbox", type: "dir", path: "inbox" },
];
export const DEFAULT_STALE_AFTER_HOURS = 36;

const DOCS = { docs: "docs/central-layout.md" };

function configError(path: string, problems: string[], notes: string[] = []): CaisseError {
  return configFileError(path, problems, { ...DOCS, notes });
}

function optionalString(
  value: Record<string, unknown>,
  key: string,
  where: string,
  problems: string[],
): string | undefined {
  const field = value[key];
  if (field === undefined || field === null) return undefined;
  if (typeof field !== "string") {
    problems.push(`${where}.${key} must be a string`);
    return undefined;
  }
  return field;
}

function validateTill(value: unknown, where: string, problems: string[]): TillRecord | undefined {
  if (!isRecord(value)) {
    problems.push(`${where} must be an object`);
    return undefined;
  }
  const before = problems.length;
  const { ref, name, path, enabled, columns } = value;
  if (typeof ref !== "string") problems.push(`${where}.ref must be a string`);
  else {
    const problem = tillRefProblem(ref);
    if (problem !== undefined) problems.push(`${where}.ref: ${problem}`);
  }
  if (typeof name !== "string") problems.push(`${where}.name must be a string`);
  else {
    const problem = tillNameProblem(name);
    if (problem !== undefined) problems.push(`${where}.name: ${problem}`);
  }
  if (typeof path !== "string" || path.trim() === "")
    problems.push(`${where}.path must be a non-empty string`);
  if (enabled !== undefined && typeof enabled !== "boolean")
    problems.push(`${where}.enabled must be true or false`);
  const key = optionalString(value, "key", where, problems);
  if (key !== undefined && !/^ed25519:[A-Za-z0-9+/]+={0,2}$/u.test(key)) {
    problems.push(`${where}.key must look like ed25519:<base64>`);
  }
  const mail = optionalString(value, "mail", where, problems);
  const encoding = optionalString(value, "encoding", where, problems);
  let columnMap: Record<string, string> | undefined;
  if (columns !== undefined && columns !== null) {
    if (!isRecord(columns) || Object.values(columns).some((header) => typeof header !== "string")) {
      problems.push(`${where}.columns must map column names to header names (strings)`);
    } else columnMap = columns as Record<string, string>;
  }
  if (problems.length > before) return undefined;
  return {
    ref: ref as string,
    name: name as string,
    path: path as string,
    enabled: enabled !== false,
    key,
    mail,
    encoding,
    columns: columnMap,
  };
}

function validateSource(
  value: unknown,
  where: string,
  check: ConfigChecker,
): SourceConfig | undefined {
  if (!isRecord(value)) {
    check.problem(`${where} must be an object`);
    return undefined;
  }
  const name = check.string(value, "name", `${where}.`, true);
  const transport = parseTransport(check, value, `${where}.`, "source");
  return name === undefined || transport === undefined ? undefined : { name, transport };
}

function validateLimits(value: unknown, problems: string[]): ArchiveLimits {
  if (value === undefined) return { ...DEFAULT_LIMITS };
  if (!isRecord(value)) {
    problems.push("limits must be an object");
    return { ...DEFAULT_LIMITS };
  }
  const limits: ArchiveLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ArchiveLimits)[]) {
    const field = value[key];
    if (field === undefined) continue;
    if (typeof field !== "number" || !Number.isSafeInteger(field) || field < 1) {
      problems.push(`limits.${key} must be a whole number from 1`);
    } else limits[key] = field;
  }
  return limits;
}

/** Parse, normalise and validate, reporting every problem at once (E_CONFIG). */
export function validateCentralConfig(value: unknown, path: string): CentralConfig {
  if (!isRecord(value)) throw configError(path, ["the file must hold a JSON object"]);
  // Relative paths of sources start at the root, the config's folder.
  const check = new ConfigChecker(dirname(path));
  const problems = check.problems;
  const tills: TillRecord[] = [];
  if (value.tills !== undefined && !Array.isArray(value.tills))
    problems.push("tills must be an array");
  const rawTills: unknown[] = Array.isArray(value.tills) ? value.tills : [];
  rawTills.forEach((raw, index) => {
    const till = validateTill(raw, `tills[${index}]`, problems);
    if (till === undefined) return;
    if (tills.some((other) => other.ref.toUpperCase() === till.ref.toUpperCase())) {
      problems.push(`tills[${index}].ref '${till.ref}' is used twice`);
    }
    tills.push(till);
  });
  const sources: SourceConfig[] = [];
  if (value.sources !== undefined && !Array.isArray(value.sources))
    problems.push("sources must be an array");
  const rawSources: unknown[] =
    Array.isArray(value.sources) && value.sources.length > 0 ? value.sources : [...DEFAULT_SOURCES];
  rawSources.forEach((raw, index) => {
    const source = validateSource(raw, `sources[${index}]`, check);
    if (source === undefined) return;
    if (sources.some((other) => other.name === source.name)) {
      problems.push(`sources[${index}].name '${source.name}' is used twice`);
    }
    sources.push(source);
  });
  const limits = validateLimits(value.limits, problems);
  let staleAfterHours = DEFAULT_STALE_AFTER_HOURS;
  if (value.staleAfterHours !== undefined) {
    const hours = value.staleAfterHours;
    if (typeof hours !== "number" || !(hours > 0))
      problems.push("staleAfterHours must be a number of hours above 0");
    else staleAfterHours = hours;
  }
  if (problems.length > 0) throw configError(path, problems, check.warnings);
  return {
    tills,
    sources,
    limits,
    staleAfterHours,
    warnings: check.warnings.map((warning) => `${path}: ${warning}`),
  };
}

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
  const config = validateCentralConfig(parseConfigJson(text, paths.config, DOCS), paths.config);
  checkTillPaths(config.tills, paths);
  return config;
}

/** Writes the config back, keeping the keys people wrote that this version does not know. */
export async function saveCentralConfig(paths: CentralPaths, config: CentralConfig): Promise<void> {
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

export function findTill(config: CentralConfig, ref: string): TillRecord | undefined {
  return config.tills.find((till) => till.ref.toUpperCase() === ref.toUpperCase());
}

export function requireTill(config: CentralConfig, ref: string): TillRecord {
  const till = findTill(config, ref);
  if (till === undefined) {
    const known = config.tills.map((candidate) => candidate.ref).join(", ");
    throw new CaisseError("E_TILL_UNKNOWN", `no till '${ref}' is registered`, {
      details: { ref },
      hint:
        known === ""
          ? "add it with 'caisse-central tills add REF --name NAME --path PATH'."
          : `registered tills: ${known}.`,
    });
  }
  return till;
}

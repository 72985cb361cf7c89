import { type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import {
  CaisseError,
  ioError,
  isCaisseError,
  isPermissionError,
  PATH_TOO_LONG_HINT,
  systemErrorCode,
} from "../errors.js";
import { walkFiles, type SkippedEntry } from "../fs/walk.js";
import { collisionKey, isReservedName, pathLimitProblem, unsafeNameReason } from "./names.js";
import { DEFAULT_LIMITS } from "./read/limits.js";

/**
 * Planning a till's archive (see docs/archive-format.md#names): what goes in, as a plain object, so
 * that a dry run can print it and tests can check it. write.ts builds the zip from it.
 */

export interface PlannedFile {
  /** Path inside the archive: relative to the data directory, `/` separated. */
  path: string;
  /** Absolute path on this machine. */
  absolute: string;
  /** Size in bytes when planned; the manifest records the bytes actually read at build time. */
  size: number;
}

/** What `buildArchive` will pack. */
export interface ArchivePlan {
  /** Absolute path of the data directory. */
  dataDir: string;
  /** Regular files in name order (depth first), so that two builds of the same data agree. */
  files: PlannedFile[];
  /** Links and special files left out (never followed); the CLI logs them as warnings. */
  skipped: SkippedEntry[];
  /** Sum of the planned sizes, in bytes. */
  totalBytes: number;
}

/** How many problems a refusal lists in its message; the details hold them all. */
const MAX_LISTED_PROBLEMS = 20;

/**
 * A data directory that is missing (or not a folder) is almost always a wrong path in the config:
 * E_CONFIG, exit 2. One that exists but cannot be read is a problem of the machine: exit 1.
 */
function dataDirError(dataDir: string, errno: string | undefined, cause?: unknown): CaisseError {
  if (errno === "ENOENT" || errno === "ENOTDIR") {
    const what = errno === "ENOENT" ? "does not exist" : "is not a folder";
    return new CaisseError(
      "E_CONFIG",
      `the data directory ${dataDir} ${what} (config key 'data', or --data)`,
      {
        cause,
        details: { path: dataDir, key: "data" },
        hint: "check the key 'data' in caisse-export.json (relative paths are relative to the config file's folder), or that the drive holding it is connected.",
      },
    );
  }
  return new CaisseError(
    "E_ARCHIVE_BUILD",
    `${ioError("read", dataDir, cause).message} (the data directory, config key 'data')`,
    {
      cause,
      details: { path: dataDir, key: "data" },
      hint: readHint(cause, "the data directory"),
    },
  );
}

/** What to do about a part of the data directory that cannot be read, by the system's reason. */
export function readHint(cause: unknown, what: string): string {
  if (systemErrorCode(cause) === "ENAMETOOLONG") return PATH_TOO_LONG_HINT;
  if (isPermissionError(cause))
    return `check the permissions of ${what} for the user that runs caisse-export (it must be able to read every file and folder).`;
  return `check that ${what} is readable and its disk connected, then run again; nothing was built or sent.`;
}

function refusal(dataDir: string, problems: string[]): CaisseError {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more =
    problems.length > listed.length ? `\n  - ... and ${problems.length - listed.length} more` : "";
  return new CaisseError(
    "E_ARCHIVE_BUILD",
    `the data directory ${dataDir} holds ${problems.length === 1 ? "a file" : `${problems.length} files`} the central would refuse:\n  - ${listed.join("\n  - ")}${more}`,
    {
      details: { path: dataDir, problems },
      hint: "rename or move these files out of the data directory, then run again; nothing was built or sent.",
    },
  );
}

/** Why a path the walk found cannot go into an archive, or undefined when it can. */
function pathProblem(path: string): string | undefined {
  const reason = unsafeNameReason(path);
  if (reason !== undefined) return `'${path}': ${reason}`;
  if (isReservedName(path)) return `'${path}': the name is reserved for the archive's manifest`;
  // The central's default limits: a longer or deeper path would be quarantined there.
  const limit = pathLimitProblem(path, DEFAULT_LIMITS);
  if (limit === "length") {
    return `'${path}': the path is longer than ${DEFAULT_LIMITS.maxPathLength} characters`;
  }
  if (limit === "depth") {
    return `'${path}': the path has more than ${DEFAULT_LIMITS.maxPathDepth} levels`;
  }
  return undefined;
}

/**
 * Names two files of a case-sensitive disk would share once extracted on a case-insensitive one
 * (`Ventes.csv` and `ventes.csv`), including a file whose name is another file's folder (`A` and
 * `a/b.csv`).
 */
function collisionProblems(paths: readonly string[]): string[] {
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  const problems: string[] = [];
  for (const path of paths) {
    const key = collisionKey(path);
    const other = files.get(key);
    if (other !== undefined)
      problems.push(`'${path}' and '${other}' have the same name once case and accents are folded`);
    else files.set(key, path);
    const parts = key.split("/");
    for (let depth = 1; depth < parts.length; depth += 1) {
      const folder = parts.slice(0, depth).join("/");
      if (!folders.has(folder)) folders.set(folder, path);
    }
  }
  for (const [key, path] of files) {
    const inside = folders.get(key);
    if (inside !== undefined)
      problems.push(`'${path}' is a file and also the folder of '${inside}' once case is folded`);
  }
  return problems;
}

/**
 * Refuses a data directory that is missing or not a folder (E_CONFIG naming the key `data`), or
 * that cannot be looked at (E_ARCHIVE_BUILD).
 */
export async function checkDataDirectory(dataDir: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(dataDir);
  } catch (error) {
    throw dataDirError(dataDir, systemErrorCode(error), error);
  }
  if (!info.isDirectory()) throw dataDirError(dataDir, "ENOTDIR");
}

/**
 * Lists what an archive of `dataDir` holds: every regular file below it, links and special files
 * skipped (never followed). Refuses (E_ARCHIVE_BUILD, listing every offending file) names the
 * central would refuse, names that collide, and till files using the manifest's reserved names;
 * refuses an empty data directory, which the central would quarantine. A missing data directory
 * is E_CONFIG naming the key `data`.
 */
export async function planArchive(dataDir: string): Promise<ArchivePlan> {
  const root = resolve(dataDir);
  await checkDataDirectory(root);

  const files: PlannedFile[] = [];
  const skipped: SkippedEntry[] = [];
  const problems: string[] = [];
  try {
    for await (const file of walkFiles(root, (entry) => skipped.push(entry))) {
      const problem = pathProblem(file.relative);
      if (problem !== undefined) problems.push(problem);
      files.push({ path: file.relative, absolute: file.absolute, size: file.stats.size });
    }
  } catch (error) {
    const path = isCaisseError(error) ? error.details.path : undefined;
    throw new CaisseError(
      "E_ARCHIVE_BUILD",
      `cannot list the data directory: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        details: { path: root },
        hint: readHint(
          error instanceof Error && error.cause !== undefined ? error.cause : error,
          typeof path === "string" ? path : "the data directory and its folders",
        ),
      },
    );
  }
  problems.push(...collisionProblems(files.map((file) => file.path)));
  if (problems.length > 0) throw refusal(root, problems);
  if (files.length === 0) {
    throw new CaisseError("E_ARCHIVE_BUILD", `the data directory ${root} holds no file to send`, {
      details: { path: root, skipped },
      hint: "check that the key 'data' points at the till's data (the central refuses an empty archive).",
    });
  }
  return {
    dataDir: root,
    files,
    skipped,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
  };
}

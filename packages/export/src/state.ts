import type { Logger } from "@caisse/cli";
import {
  CaisseError,
  ioError,
  isCaisseError,
  shownValue,
  systemErrorCode,
  withLock,
  writeFileAtomic,
} from "@caisse/core";
import { appendFile, mkdir, readFile, realpath } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";

/**
 * The till's state (see docs/export.md#the-state-folder): a folder beside the config file, or in
 * the current folder when there is no config, never inside the data directory (it would be packed
 * into the archives).
 *
 *     caisse-export-state/
 *       state.json    next sequence, hash of the last manifest (written atomically)
 *       outbox/       archives built and not yet confirmed by the transport
 *       lock          held by zip, run and send, so that a sequence is never used twice
 *       runs.jsonl    one line per zip, run or send: time, outcome, archives built and sent
 */
export const STATE_FOLDER = "caisse-export-state";

export interface StatePaths {
  dir: string;
  file: string;
  outbox: string;
  lock: string;
  runs: string;
}

export function statePaths(dir: string): StatePaths {
  return {
    dir,
    file: join(dir, "state.json"),
    outbox: join(dir, "outbox"),
    lock: join(dir, "lock"),
    runs: join(dir, "runs.jsonl"),
  };
}

/** The state folder: beside the config file, or in `cwd` without one. */
export function stateDirFor(configFile: string | undefined, cwd: string): string {
  return join(configFile === undefined ? cwd : dirname(configFile), STATE_FOLDER);
}

/** The real path of `path`, or of its nearest existing parent followed by the rest. */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(await realPathOf(parent), basename(path));
  }
}

function comparable(path: string): string {
  return process.platform === "win32" || process.platform === "darwin" ? path.toLowerCase() : path;
}

/** True when `child` is `parent` or below it (links resolved, case folded where the disk does). */
export async function isSameOrInside(parent: string, child: string): Promise<boolean> {
  const outer = comparable(await realPathOf(resolve(parent)));
  const inner = comparable(await realPathOf(resolve(child)));
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}

/** Refuses (E_CONFIG) a state folder inside the data directory: the outbox would be archived. */
export async function checkStateOutsideData(
  stateDir: string,
  dataDir: string,
  configFile: string | undefined,
): Promise<void> {
  if (!(await isSameOrInside(dataDir, stateDir))) return;
  throw new CaisseError(
    "E_CONFIG",
    `the state folder ${stateDir} would be inside the data directory ${dataDir} (config key 'data')`,
    {
      details: { stateDir, dataDir, key: "data" },
      hint:
        configFile === undefined
          ? "run caisse-export from a folder outside the data directory (the state goes in the current folder when there is no config)."
          : "move caisse-export.json out of the data directory: the state folder is created beside it.",
    },
  );
}

/** state.json */
export interface TillState {
  /** The sequence the next archive gets; never given twice. */
  nextSequence: number;
  lastSequence: number | null;
  /** SHA-256 of the last archive's manifest bytes: `previous` of the next one. */
  lastManifestSha256: string | null;
  /** Till and name of the last archive built, for `status`. */
  till: string | null;
  lastArchive: string | null;
  /** ISO time of the last change. */
  updated: string | null;
}

export const INITIAL_STATE: Readonly<TillState> = {
  nextSequence: 1,
  lastSequence: null,
  lastManifestSha256: null,
  till: null,
  lastArchive: null,
  updated: null,
};

const STATE_FORMAT = "caisse-export-state/1";

function damaged(path: string, reason: string, cause?: unknown): CaisseError {
  return new CaisseError("E_STATE", `the state file ${path} is damaged: ${reason}`, {
    cause,
    details: { path },
    hint:
      "the next sequence is unknown, so nothing was built. Restore the file from a backup, or write " +
      '{ "nextSequence": N } in it with N one more than the last sequence the central received (caisse-central monitor).',
  });
}

function nullableString(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function isSequence(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

/** The state, or the initial state when the file does not exist yet. */
export async function readState(paths: StatePaths): Promise<TillState> {
  let text: string;
  try {
    text = await readFile(paths.file, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return { ...INITIAL_STATE };
    throw new CaisseError("E_STATE", ioError("read", paths.file, error).message, {
      cause: error,
      details: { path: paths.file },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damaged(paths.file, "not valid JSON", error);
  }
  if (typeof value !== "object" || value === null) throw damaged(paths.file, "not a JSON object");
  const record = value as Record<string, unknown>;
  const next = record.nextSequence;
  if (!isSequence(next)) {
    throw damaged(
      paths.file,
      `nextSequence is ${shownValue(next)}, expected a whole number from 1`,
    );
  }
  const lastSequence = record.lastSequence ?? null;
  if (lastSequence !== null && !isSequence(lastSequence)) {
    throw damaged(
      paths.file,
      `lastSequence is ${shownValue(lastSequence)}, expected null or a whole number from 1`,
    );
  }
  const last = record.lastManifestSha256;
  if (
    last !== undefined &&
    last !== null &&
    (typeof last !== "string" || !/^[0-9a-f]{64}$/u.test(last))
  ) {
    throw damaged(paths.file, "lastManifestSha256 is not a SHA-256 in lower-case hex");
  }
  return {
    nextSequence: next,
    lastSequence,
    lastManifestSha256: typeof last === "string" ? last : null,
    till: nullableString(record.till),
    lastArchive: nullableString(record.lastArchive),
    updated: nullableString(record.updated),
  };
}

/** Writes the state atomically: a reader sees the old state or the new one, never a mix. */
export async function writeState(paths: StatePaths, state: TillState): Promise<void> {
  await ensureStateFolders(paths);
  await writeFileAtomic(
    paths.file,
    `${JSON.stringify({ format: STATE_FORMAT, ...state }, null, 2)}\n`,
  );
}

export async function ensureStateFolders(paths: StatePaths): Promise<void> {
  try {
    await mkdir(paths.outbox, { recursive: true });
  } catch (error) {
    throw ioError("create the state folder", paths.outbox, error);
  }
}

/** Runs `task` holding the state's lock (E_LOCK_HELD when another zip, run or send holds it). */
export async function withStateLock<T>(
  paths: StatePaths,
  purpose: string,
  task: () => Promise<T>,
): Promise<T> {
  await ensureStateFolders(paths);
  return withLock(paths.lock, purpose, task);
}

/** One line of runs.jsonl. */
export interface RunRecord {
  /** ISO time the command started, with the local offset. */
  time: string;
  /** `zip`, `run`, `send`. */
  command: string;
  outcome: "ok" | "failed";
  /** Names of the archives built and sent. */
  built: string[];
  sent: string[];
  /** The error that ended the command, when it failed. */
  error: { code: string; message: string } | null;
}

/** What a command that records itself returns: the archives it built and sent, and its failures. */
export interface RecordedResult {
  built: string[];
  sent: string[];
  /** Failures the command reports after doing what it could (a transport down); first is first. */
  failures: readonly CaisseError[];
}

function errorSummary(error: unknown): { code: string; message: string } {
  return {
    code: isCaisseError(error) ? error.code : "E_INTERNAL",
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * Runs a command and appends its line to runs.jsonl, whether it succeeded, failed after doing part
 * of its work, or threw. A journal that cannot be written is a warning: it must not hide the
 * command's own outcome.
 */
export async function recordRun<T extends RecordedResult>(
  paths: StatePaths,
  record: { time: string; command: string },
  log: Logger,
  task: () => Promise<T>,
): Promise<T> {
  const append = async (line: RunRecord): Promise<void> => {
    try {
      await ensureStateFolders(paths);
      await appendFile(paths.runs, `${JSON.stringify(line)}\n`);
    } catch (error) {
      log.warn(
        `could not record the run in ${paths.runs}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  let result: T;
  try {
    result = await task();
  } catch (error) {
    await append({ ...record, outcome: "failed", built: [], sent: [], error: errorSummary(error) });
    throw error;
  }
  const failure = result.failures[0];
  await append({
    ...record,
    outcome: failure === undefined ? "ok" : "failed",
    built: result.built,
    sent: result.sent,
    error: failure === undefined ? null : errorSummary(failure),
  });
  return result;
}

/** The last `limit` runs, oldest first; a line cut by a crash is skipped. */
export async function readRuns(paths: StatePaths, limit: number): Promise<RunRecord[]> {
  let text: string;
  try {
    text = await readFile(paths.runs, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return [];
    throw ioError("read", paths.runs, error);
  }
  const runs: RunRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      runs.push(JSON.parse(line) as RunRecord);
    } catch {
      // An unterminated last line: the run was killed while writing it.
    }
  }
  return runs.slice(-limit);
}

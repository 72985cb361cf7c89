import type { Logger } from "@caisse/cli";
import {
  ioError,
  parseInstant,
  sha256OfFile,
  systemErrorCode,
  writeFileAtomic,
  type ArchivePlan,
  type ManifestFile,
} from "@caisse/core";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OutboxListing } from "./outbox.js";
import type { StatePaths } from "./state.js";

/**
 * The base of incremental archives (see docs/archive-format.md#incremental-archives): the file
 * list of the last full archive `run` built, kept in `caisse-export-state/base.json`. The till
 * has no reply from the central, so it builds on what it knows was delivered in order: a full
 * archive that the transport confirmed, or that still waits in the outbox (which sends oldest
 * first). Losing or damaging this file costs one full archive, nothing else.
 */
export const BASE_FILE = "base.json";

const BASE_FORMAT = "caisse-export-base/1";

export interface FullBase {
  /** Sequence of the full archive. */
  sequence: number;
  /** Its transport name in the outbox. */
  archive: string;
  /** Its manifest's `created`. */
  created: string;
  /** True once the transport confirmed it. */
  sent: boolean;
  /** Its manifest's file list. */
  files: ManifestFile[];
}

export function basePath(paths: StatePaths): string {
  return join(paths.dir, BASE_FILE);
}

function isManifestFile(value: unknown): value is ManifestFile {
  if (typeof value !== "object" || value === null) return false;
  const { path, size, sha256 } = value as Record<string, unknown>;
  return (
    typeof path === "string" &&
    typeof size === "number" &&
    Number.isSafeInteger(size) &&
    typeof sha256 === "string" &&
    /^[0-9a-f]{64}$/u.test(sha256)
  );
}

/**
 * The base, or undefined when there is none or it cannot be used (missing, damaged: logged), in
 * which case the next archive is full.
 */
export async function readBase(paths: StatePaths, log: Logger): Promise<FullBase | undefined> {
  const file = basePath(paths);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return undefined;
    log.warn(`${ioError("read", file, error).message}; the next archive is full`);
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const { format, sequence, archive, created, sent, files } = value;
    if (
      format === BASE_FORMAT &&
      typeof sequence === "number" &&
      Number.isSafeInteger(sequence) &&
      sequence >= 1 &&
      typeof archive === "string" &&
      typeof created === "string" &&
      parseInstant(created) !== undefined &&
      typeof sent === "boolean" &&
      Array.isArray(files) &&
      files.every(isManifestFile)
    ) {
      return { sequence, archive, created, sent, files };
    }
  } catch {
    // Reported below, like a file of the wrong shape.
  }
  log.warn(`${file} is damaged; the next archive is full, which replaces it`);
  return undefined;
}

/** Writes the base atomically. */
export async function writeBase(paths: StatePaths, base: FullBase): Promise<void> {
  await writeFileAtomic(
    basePath(paths),
    `${JSON.stringify({ format: BASE_FORMAT, ...base }, null, 2)}\n`,
  );
}

/** Why the next archive of `run` is full, or the base it builds on. */
export type ArchiveDecision =
  { mode: "full"; reason: string } | { mode: "incremental"; base: FullBase };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Decides between a full and an incremental archive; reads nothing. */
export function decideMode(options: {
  base: FullBase | undefined;
  fullEveryDays: number;
  forceFull: boolean;
  now: Date;
  outbox: OutboxListing;
}): ArchiveDecision {
  const { base, fullEveryDays, now } = options;
  if (options.forceFull) return { mode: "full", reason: "--full" };
  if (fullEveryDays === 0) return { mode: "full", reason: "fullEveryDays is 0" };
  if (base === undefined) return { mode: "full", reason: "no full archive was built yet" };
  const created = parseInstant(base.created)?.getTime() ?? Number.NaN;
  const age = now.getTime() - created;
  if (!(age >= 0)) {
    return {
      mode: "full",
      reason: `the last full archive #${base.sequence} is dated after now (${base.created})`,
    };
  }
  if (age >= fullEveryDays * DAY_MS) {
    return {
      mode: "full",
      reason: `the last full archive #${base.sequence} is ${Math.floor(age / DAY_MS)} days old (fullEveryDays ${fullEveryDays})`,
    };
  }
  const waiting = options.outbox.archives.some((archive) => archive.sequence === base.sequence);
  if (!base.sent && !waiting) {
    return {
      mode: "full",
      reason: `the last full archive #${base.sequence} was neither sent nor is it in the outbox`,
    };
  }
  return { mode: "incremental", base };
}

/**
 * The files of the plan whose content is the base's: hashed now, compared by path, size and
 * SHA-256. Every file is read: a modification time proves nothing about the content.
 */
export async function unchangedSinceBase(
  plan: ArchivePlan,
  base: FullBase,
): Promise<Map<string, ManifestFile>> {
  const known = new Map(base.files.map((file) => [file.path, file]));
  const unchanged = new Map<string, ManifestFile>();
  for (const file of plan.files) {
    const before = known.get(file.path);
    if (before === undefined || before.size !== file.size) continue;
    // A file that cannot be read now is packed, and the build reports it.
    const sha256 = await sha256OfFile(file.absolute).catch(() => undefined);
    if (sha256 === before.sha256) unchanged.set(file.path, before);
  }
  return unchanged;
}

import {
  CaisseError,
  collisionKey,
  ioError,
  sha256OfFile,
  syncDirectory,
  syncFile,
  systemErrorCode,
  type ExtractedFile,
  type Manifest,
} from "@caisse/core";
import { constants as fsConstants } from "node:fs";
import { copyFile, link, lstat, mkdir } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { TillHistory } from "../tillHistory.js";
import { reject } from "./checks.js";

/**
 * Incremental archives at the central (see docs/archive-format.md#incremental-archives): the
 * archive carries the files that changed since its base and lists the others with their sums.
 * The new directory is the current one's unchanged files plus the carried ones, built in the
 * staging folder and swapped in like any import, once every unchanged file was found in the
 * current directory with the size and SHA-256 the manifest gives. Anything else is
 * E_ARCHIVE_NEEDS_FULL: the central cannot rebuild the till's data from this archive.
 */

const NEEDS_FULL_HINT =
  "the till's next full archive repairs this by itself (at most fullEveryDays days, 7 by default, after its last full one); to have it now, run 'caisse-export run --full' on the till. This archive stays in quarantine.";

function needsFull(manifest: Manifest, why: string): CaisseError {
  return reject(
    "E_ARCHIVE_NEEDS_FULL",
    `till ${manifest.till}: archive #${manifest.sequence} is incremental on #${manifest.base ?? "?"} and needs a full archive: ${why}`,
    NEEDS_FULL_HINT,
  );
}

/**
 * Refuses, before anything is extracted, an incremental archive whose base the central never
 * imported: the base was lost or refused, or is not yet there.
 */
export function checkBase(manifest: Manifest, history: TillHistory | undefined): void {
  const base = manifest.base;
  if (manifest.mode !== "incremental" || base === undefined) return;
  if (history?.acceptedSequences.has(base) === true) return;
  const last = history?.lastSequence ?? null;
  throw needsFull(
    manifest,
    last === null
      ? "the central holds nothing from this till yet"
      : `the central never imported #${base} (the last one imported is #${last})`,
  );
}

/** Where `path` of the manifest is below `root`; undefined when it would leave it. */
function below(root: string, path: string): string | undefined {
  const target = resolve(root, ...path.split("/"));
  const inside = relative(root, target);
  if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside))
    return undefined;
  return target;
}

/** Files shown in a refusal's message; the details hold them all. */
const SHOWN = 10;

/**
 * Two listed names that would be one file on a disk that folds case (`A.csv`, `a.csv`), or a file
 * that is also another's folder (`a`, `a/b.csv`).
 */
function collisions(manifest: Manifest): string[] {
  const seen = new Map<string, string>();
  const folders = new Map<string, string>();
  const problems: string[] = [];
  for (const { path } of manifest.files) {
    const parts = path.split("/").map(collisionKey);
    const key = parts.join("/");
    const other = seen.get(key);
    if (other !== undefined) problems.push(`'${path}' and '${other}' are the same name`);
    else seen.set(key, path);
    for (let depth = 1; depth < parts.length; depth += 1)
      folders.set(parts.slice(0, depth).join("/"), path);
  }
  for (const [key, path] of seen) {
    const inside = folders.get(key);
    if (inside !== undefined)
      problems.push(`'${path}' is a file and also the folder of '${inside}'`);
  }
  return problems;
}

/** Why the current copy of a listed file is not the one the manifest means; undefined if it is. */
async function differs(
  current: string,
  listed: { path: string; size: number; sha256: string },
): Promise<string | undefined> {
  const source = below(current, listed.path);
  if (source === undefined) return `'${listed.path}' is not a path inside the till's directory`;
  const info = await lstat(source).catch((error: unknown) => {
    if (systemErrorCode(error) === "ENOENT" || systemErrorCode(error) === "ENOTDIR")
      return undefined;
    throw ioError("look at", source, error);
  });
  if (info === undefined) return `'${listed.path}' is not in the till's directory`;
  if (!info.isFile()) return `'${listed.path}' is not a regular file in the till's directory`;
  if (info.size !== listed.size)
    return `'${listed.path}' holds ${info.size} bytes at the central, the archive says ${listed.size}`;
  if ((await sha256OfFile(source)) !== listed.sha256)
    return `'${listed.path}' at the central does not have the SHA-256 the archive gives`;
  return undefined;
}

/**
 * Completes a staging folder that holds the carried files of an incremental archive with the
 * listed files it does not carry, taken from `current` (the till's directory) after checking
 * each one's size and SHA-256. Hard links where the disk has them (the old directory is removed
 * after the swap, so nothing is ever written through them), copies elsewhere. Every folder is
 * flushed. Refuses with E_ARCHIVE_NEEDS_FULL, or E_ARCHIVE_DUPLICATE_NAME for names that collide.
 * Returns the number of files added.
 */
export async function completeFromCurrent(
  staging: string,
  current: string,
  manifest: Manifest,
  carried: readonly ExtractedFile[],
): Promise<number> {
  const clashes = collisions(manifest);
  if (clashes.length > 0) {
    throw reject(
      "E_ARCHIVE_DUPLICATE_NAME",
      `the manifest lists names that collide once case and accents are folded: ${clashes.slice(0, SHOWN).join("; ")}`,
    );
  }
  const packed = new Set(carried.map((file) => file.path));
  const kept = manifest.files.filter((file) => !packed.has(file.path));
  const problems: string[] = [];
  for (const file of kept) {
    const problem = await differs(current, file);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) {
    const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : "";
    throw needsFull(
      manifest,
      `${problems.slice(0, SHOWN).join("; ")}${more} (the till's data at the central is not the archive's base)`,
    );
  }
  const folders = new Set<string>();
  for (const file of kept) {
    const source = below(current, file.path);
    const target = below(staging, file.path);
    if (source === undefined || target === undefined) continue; // refused above
    await ensureFolder(staging, dirname(target), folders);
    await linkOrCopy(source, target);
  }
  for (const folder of [...folders].sort((a, b) => b.length - a.length))
    await syncDirectory(folder);
  await syncDirectory(staging);
  return kept.length;
}

async function ensureFolder(staging: string, folder: string, made: Set<string>): Promise<void> {
  if (folder === staging || made.has(folder)) return;
  try {
    await mkdir(folder, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw ioError("create the folder", folder, error);
  }
  for (let at = folder; at !== staging && at !== dirname(at); at = dirname(at)) made.add(at);
}

/** Errors of `link` that mean "this disk or system does not do hard links here": copy instead. */
const NO_LINK = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
    return;
  } catch (error) {
    if (!NO_LINK.has(systemErrorCode(error) ?? "")) throw ioError("link", target, error);
  }
  try {
    await copyFile(source, target, fsConstants.COPYFILE_EXCL);
  } catch (error) {
    throw ioError("copy into", target, error);
  }
  await syncFile(target);
}

import { ioError, systemErrorCode, writeFileAtomic, type Manifest } from "@caisse/core";
import type { BigIntStats } from "node:fs";
import { lstat, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { CentralPaths } from "../config.js";

/**
 * What a till's directory held when it was swapped in: for each file, its size, modification
 * time, inode and SHA-256 (see docs/decisions.md#the-file-record-of-a-tills-directory). An
 * incremental import checks the files it does not carry by `lstat` against this record, as Git's
 * index does, and hashes only the files whose record is missing, stale or does not match.
 *
 * The record is a cache: deleting it costs one hashing of the directory, never a wrong accept.
 * It is trusted only for the very directory it describes (the same device and inode: a rename
 * keeps them, anything else changes them) and, for a file, only when size, modification time
 * and inode are those recorded and the file was last modified strictly before the record was
 * written (a file changed in the same tick of the clock as the record keeps its time: "racy").
 */
export interface FileRecord {
  /** Modification time of the record file itself, in nanoseconds. */
  writtenNs: bigint;
  files: ReadonlyMap<string, RecordedFile>;
}

interface RecordedFile {
  size: number;
  mtimeNs: bigint;
  ino: bigint;
  sha256: string;
}

const VERSION = 1;
/** A record larger than this is not the central's own: it is ignored, and every file hashed. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export function fileRecordPath(paths: CentralPaths, till: string): string {
  return join(paths.work, "files", `${till.toUpperCase()}.json`);
}

async function lstatOrUndefined(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw ioError("look at", path, error);
  }
}

/**
 * Writes the record of `staging`, the fully built new directory of a till, before its swap is
 * decided (the rename keeps the folder's device and inode, so the record then describes the
 * till's directory). Without a manifest (a legacy archive) there is no sum to record: the record
 * is removed.
 */
export async function writeFileRecord(
  recordPath: string,
  staging: string,
  manifest: Manifest | undefined,
): Promise<void> {
  if (manifest === undefined) return removeFileRecord(recordPath);
  const folder = await lstat(staging, { bigint: true });
  const files: Record<string, [number, string, string, string]> = {};
  for (const file of manifest.files) {
    const info = await lstatOrUndefined(join(staging, ...file.path.split("/")));
    if (info === undefined || !info.isFile() || info.ino === 0n) continue;
    files[file.path] = [Number(info.size), String(info.mtimeNs), String(info.ino), file.sha256];
  }
  const text = JSON.stringify({
    version: VERSION,
    dev: String(folder.dev),
    ino: String(folder.ino),
    files,
  });
  try {
    await mkdir(join(recordPath, ".."), { recursive: true });
  } catch (error) {
    throw ioError("create the folder of", recordPath, error);
  }
  await writeFileAtomic(recordPath, `${text}\n`);
}

export async function removeFileRecord(recordPath: string): Promise<void> {
  try {
    await rm(recordPath, { force: true });
  } catch (error) {
    throw ioError("remove", recordPath, error);
  }
}

/**
 * After a failed import or restore: the record written for its staging folder goes, unless the
 * swap was decided (its `marker` exists: the recovery swaps that folder in, and the record is its).
 * Otherwise it would only ever be refused (another folder's inode), unless a later folder reused
 * that inode: removed to be sure.
 */
export async function discardFileRecord(recordPath: string, marker: string): Promise<void> {
  if ((await lstatOrUndefined(marker)) === undefined) await removeFileRecord(recordPath);
}

/**
 * The record of `target`, the till's current directory; undefined when there is none, when it
 * is damaged, or when it describes another folder (a swap that never happened, a directory put
 * back by hand, a record on another disk whose clock may differ).
 */
export async function loadFileRecord(
  recordPath: string,
  target: string,
): Promise<FileRecord | undefined> {
  const [record, folder] = await Promise.all([
    lstatOrUndefined(recordPath),
    lstatOrUndefined(target),
  ]);
  if (record === undefined || folder === undefined || folder.ino === 0n) return undefined;
  if (!record.isFile() || record.size > MAX_RECORD_BYTES || record.dev !== folder.dev)
    return undefined;
  let value: unknown;
  try {
    value = JSON.parse(await readFile(recordPath, "utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { version, dev, ino, files } = value as Record<string, unknown>;
  if (version !== VERSION || dev !== String(folder.dev) || ino !== String(folder.ino))
    return undefined;
  if (typeof files !== "object" || files === null) return undefined;
  const entries = new Map<string, RecordedFile>();
  for (const [path, entry] of Object.entries(files)) {
    if (!Array.isArray(entry) || entry.length !== 4) return undefined;
    const [size, mtimeNs, fileIno, sha256] = entry as unknown[];
    if (
      typeof size !== "number" ||
      typeof mtimeNs !== "string" ||
      typeof fileIno !== "string" ||
      typeof sha256 !== "string" ||
      !/^\d+$/u.test(mtimeNs) ||
      !/^\d+$/u.test(fileIno)
    )
      return undefined;
    entries.set(path, { size, mtimeNs: BigInt(mtimeNs), ino: BigInt(fileIno), sha256 });
  }
  return { writtenNs: record.mtimeNs, files: entries };
}

/**
 * The SHA-256 the record holds for the file at `path` (relative to the till's directory, with `/`),
 * when `info`, its `lstat`, shows the very file recorded: the same size, inode and modification
 * time, modified strictly before the record was written. Undefined otherwise: the file must be read.
 */
export function recordedSha256(
  record: FileRecord | undefined,
  path: string,
  info: BigIntStats,
): string | undefined {
  const known = record?.files.get(path);
  if (record === undefined || known === undefined) return undefined;
  const same =
    info.isFile() &&
    info.size === BigInt(known.size) &&
    info.ino !== 0n &&
    info.ino === known.ino &&
    info.mtimeNs === known.mtimeNs &&
    info.mtimeNs < record.writtenNs;
  return same ? known.sha256 : undefined;
}

/**
 * True when `info`, the `lstat` of the till's copy of a listed file, shows the very file the
 * record holds with the size and SHA-256 the manifest gives: it need not be read.
 */
export function unchangedByRecord(
  record: FileRecord | undefined,
  listed: { path: string; size: number; sha256: string },
  info: BigIntStats,
): boolean {
  return (
    info.size === BigInt(listed.size) && recordedSha256(record, listed.path, info) === listed.sha256
  );
}

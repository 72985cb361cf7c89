import {
  escapeUnprintable,
  ioError,
  isCaisseError,
  sha256OfFile,
  syncDirectory,
  syncFile,
  temporarySibling,
  unsafeNameReason,
  writeFileAtomic,
  removeRetrying,
  renameRetrying,
} from "@caisse/core";
import { copyFile, mkdir } from "node:fs/promises";
import { basename, extname, join } from "node:path";

/**
 * A name received from the network (an FTP listing, a mail attachment) made safe to use as a file
 * name at the central: its last component, or a name made from its hash when that is unsafe.
 */
export function safeReceivedName(name: string, sha256: string): string {
  const base = basename(name.replaceAll("\\", "/"));
  const candidate = extname(base).toLowerCase() === ".zip" ? base : `${base}.zip`;
  return unsafeNameReason(candidate) === undefined && !candidate.startsWith(".")
    ? candidate
    : `archive-${sha256.slice(0, 12)}.zip`;
}

/** A file put beside its place under a temporary name, to be renamed into place later. */
export interface StagedFile {
  folder: string;
  /** The name it gets: the one asked for, or with a suffix from the hash when that was taken. */
  name: string;
  /** Its temporary path; undefined when the same bytes already have that name. */
  temporary: string | undefined;
}

/**
 * Puts a durable copy of `source` beside `folder/name` under a temporary name (the file is moved
 * when it is ours to move), for `placeFile` to rename. When a different file already has that
 * name, a suffix made from the hash keeps both; when the same bytes are already there, nothing is
 * written. A temporary copy left by a crash is removed by the recovery (import/recover.ts).
 */
export async function stageFile(
  source: string,
  folder: string,
  name: string,
  sha256: string,
  move: boolean,
): Promise<StagedFile> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw ioError("create the folder", folder, error);
  }
  let chosen = name;
  const existing = await sha256OfFile(join(folder, chosen)).catch((error: unknown) => {
    if (isCaisseError(error, "E_IO") && error.details.errno === "ENOENT") return undefined;
    throw error;
  });
  if (existing === sha256) return { folder, name: chosen, temporary: undefined };
  if (existing !== undefined)
    chosen = `${basename(name, extname(name))}.${sha256.slice(0, 12)}${extname(name)}`;
  const temporary = temporarySibling(join(folder, chosen));
  try {
    if (move) await renameRetrying(source, temporary);
    else await copyFile(source, temporary);
    await syncFile(temporary);
  } catch (error) {
    await removeRetrying(temporary);
    throw ioError("store the archive as", join(folder, chosen), error);
  }
  return { folder, name: chosen, temporary };
}

/** Renames a staged file into place, durably. */
export async function placeFile(staged: StagedFile): Promise<void> {
  if (staged.temporary === undefined) return;
  const destination = join(staged.folder, staged.name);
  try {
    await renameRetrying(staged.temporary, destination);
  } catch (error) {
    throw ioError("store the archive as", destination, error);
  }
  await syncDirectory(staged.folder);
}

/**
 * Puts a copy of `source` at `folder/name` durably (temporary name, flush, rename), or moves it
 * there when the file is ours to move; see stageFile. Returns the name used.
 */
export async function storeFile(
  source: string,
  folder: string,
  name: string,
  sha256: string,
  move: boolean,
): Promise<string> {
  const staged = await stageFile(source, folder, name, sha256, move);
  try {
    await placeFile(staged);
  } catch (error) {
    if (staged.temporary !== undefined) await removeRetrying(staged.temporary);
    throw error;
  }
  return staged.name;
}

/**
 * The text file beside a quarantined archive: why it was refused and what to do, one value a
 * line. Values come from the network (the name received, a manifest's text quoted in a reason):
 * each control character, line separator, bidi control or lone surrogate is written as its
 * `\uXXXX` escape, so that the file can neither drive the terminal of whoever reads it nor gain
 * a line (a forged "what to do:").
 */
export async function writeReason(
  path: string,
  lines: Record<string, string | number | null>,
): Promise<void> {
  const text = Object.entries(lines)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key}: ${escapeUnprintable(String(value))}`)
    .join("\n");
  await writeFileAtomic(path, `${text}\n`);
}

import {
  ioError,
  isCaisseError,
  syncDirectory,
  temporarySibling,
  unsafeNameReason,
  writeFileAtomic,
} from "@caisse/core";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { createHash } from "node:crypto";

/** SHA-256 of a file, streamed. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw ioError("read", path, error);
  }
  return hash.digest("hex");
}

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

/**
 * Puts a copy of `source` at `folder/name` durably (temporary name, flush, rename), or moves it
 * there when the file is ours to move. When a different file already has that name, a suffix made
 * from the hash keeps both; when the same bytes are already there, nothing is written.
 * Returns the name used.
 */
export async function storeFile(
  source: string,
  folder: string,
  name: string,
  sha256: string,
  move: boolean,
): Promise<string> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw ioError("create the folder", folder, error);
  }
  let chosen = name;
  const existing = await fileSha256(join(folder, chosen)).catch((error: unknown) => {
    if (isCaisseError(error, "E_IO") && error.details.errno === "ENOENT") return undefined;
    throw error;
  });
  if (existing === sha256) return chosen;
  if (existing !== undefined)
    chosen = `${basename(name, extname(name))}.${sha256.slice(0, 12)}${extname(name)}`;
  const destination = join(folder, chosen);
  const temporary = temporarySibling(destination);
  try {
    if (move) await rename(source, temporary);
    else await copyFile(source, temporary);
    const handle = await open(temporary, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw ioError("store the archive as", destination, error);
  }
  await syncDirectory(folder);
  return chosen;
}

/** The text file beside a quarantined archive: why it was refused and what to do. */
export async function writeReason(
  path: string,
  lines: Record<string, string | number | null>,
): Promise<void> {
  const text = Object.entries(lines)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join("\n");
  await writeFileAtomic(path, `${text}\n`);
}

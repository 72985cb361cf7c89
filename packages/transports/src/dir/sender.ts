import {
  CaisseError,
  ioError,
  sha256OfFile,
  syncDirectory,
  syncFile,
  systemErrorCode,
  renameRetrying,
} from "@caisse/core";
import type { Stats } from "node:fs";
import { constants, copyFile, lstat, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { plainNameProblem } from "../names.js";
import type { OutgoingArchive, SendReceipt, Sender } from "../types.js";

export interface DirSenderOptions {
  /** Absolute path of the destination folder (a network share, the central's inbox). */
  path: string;
}

function transportError(
  message: string,
  options: { cause?: unknown; hint: string; details?: Record<string, unknown> },
): CaisseError {
  return new CaisseError("E_TRANSPORT", message, options);
}

/** True when two files hold the same bytes. */
async function sameContent(
  left: string,
  leftSize: number,
  right: string,
  rightInfo: Stats,
): Promise<boolean> {
  if (!rightInfo.isFile() || rightInfo.size !== leftSize) return false;
  return (await sha256OfFile(left)) === (await sha256OfFile(right));
}

/**
 * Copies archives into a folder: written as `NAME.part`, flushed, renamed to `NAME`, then the
 * folder flushed, so that the central never takes a half-copied archive (it ignores `*.part`).
 *
 * - The folder must exist: a missing network share is reported, never created on the local disk
 *   where nobody would collect it.
 * - An archive already there with the same bytes is a resend after a crash: success.
 * - One with other bytes is never overwritten (E_TRANSPORT).
 * - A `.part` left by an interrupted copy is replaced.
 */
export function createDirSender(options: DirSenderOptions): Sender {
  const folder = options.path;
  return {
    kind: "dir",
    async send(archive: OutgoingArchive): Promise<SendReceipt> {
      // The name may come from an archive given on the command line: it must stay in the folder.
      const problem = plainNameProblem(archive.name);
      if (problem !== undefined) {
        throw transportError(problem, {
          details: { name: archive.name },
          hint: "archive names on a transport look like D01_20261127T230005_000042.zip.",
        });
      }
      await checkFolder(folder);
      const target = join(folder, archive.name);
      const existing = await lstat(target).catch((error: unknown) => {
        if (systemErrorCode(error) === "ENOENT") return undefined;
        throw transportError(ioError("read", target, error).message, {
          cause: error,
          hint: "check the destination folder.",
        });
      });
      if (existing !== undefined) {
        if (await sameContent(archive.path, archive.size, target, existing))
          return { destination: target };
        throw transportError(
          `${target} already exists with different content; it is never overwritten`,
          {
            details: { destination: target },
            hint: "another archive has this name: check that no other till uses the same reference, then move that file away and run again.",
          },
        );
      }
      const part = `${target}.part`;
      try {
        // Removed first, so that a link planted under the .part name is replaced, not followed.
        await rm(part, { force: true });
        await copyFile(archive.path, part, constants.COPYFILE_EXCL);
        await syncFile(part);
        const copied = await stat(part);
        if (copied.size !== archive.size) {
          throw new Error(`the copy holds ${copied.size} bytes instead of ${archive.size}`);
        }
        // Checked again just before the rename, which would replace a file that appeared meanwhile.
        const raced = await lstat(target).catch(() => undefined);
        if (raced !== undefined) throw new Error(`${target} appeared while copying`);
        await renameRetrying(part, target);
      } catch (error) {
        await rm(part, { force: true }).catch(() => undefined);
        const reason =
          systemErrorCode(error) === undefined && error instanceof Error
            ? error.message
            : ioError("copy to", part, error).message;
        throw transportError(`dir transport: ${reason}`, {
          cause: error,
          details: { destination: target },
          hint: "check the free space and the permissions of the destination folder; the archive stays in the outbox for the next run.",
        });
      }
      await syncDirectory(folder);
      return { destination: target };
    },
    async close() {
      // Nothing held open between sends.
    },
  };
}

async function checkFolder(folder: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(folder);
  } catch (error) {
    const missing = systemErrorCode(error) === "ENOENT";
    throw transportError(
      `dir transport: the destination folder ${folder} ${missing ? "does not exist" : `cannot be read (${ioError("read", folder, error).message})`}`,
      {
        cause: error,
        details: { path: folder, key: "transport.path" },
        hint: missing
          ? "check that the network share is mounted and that transport.path in caisse-export.json is right; the archive stays in the outbox for the next run."
          : "check the permissions of the destination folder for the user that runs caisse-export.",
      },
    );
  }
  if (!info.isDirectory()) {
    throw transportError(`dir transport: ${folder} is not a folder`, {
      details: { path: folder, key: "transport.path" },
      hint: "transport.path in caisse-export.json must name the folder the archives go into.",
    });
  }
}

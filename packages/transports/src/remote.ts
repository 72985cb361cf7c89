import { CaisseError, sha256OfFile } from "@caisse/core";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { isCollectableName } from "./dir/source.js";
import type { TransportEnv, VerifyStep } from "./kind.js";
import { plainNameProblem } from "./names.js";
import { failedStep, remoteError } from "./network.js";
import type {
  OutgoingArchive,
  SendReceipt,
  Sender,
  SettleOutcome,
  Source,
  SourceItem,
} from "./types.js";

/**
 * What FTP and SFTP have in common: a folder on a server reached by a session. The kinds (ftp/,
 * sftp/) open sessions and turn their library's errors into CaisseErrors naming the server and the
 * step; the sending, collecting and probing below are written once for both.
 */

/** Subfolders of a source's folder where collected files are moved (see docs/transports.md). */
export const PROCESSED_FOLDER = "processed";
export const REJECTED_FOLDER = "rejected";

export interface RemoteEntry {
  name: string;
  size: number;
  isFile: boolean;
}

/** A logged-in connection. Paths are absolute on the server. Every method fails with a CaisseError. */
export interface RemoteSession {
  list(dir: string): Promise<RemoteEntry[]>;
  /** Creates the folder and its parents when missing. */
  ensureDir(dir: string): Promise<void>;
  upload(localPath: string, remotePath: string): Promise<void>;
  /** Writes at most `bytes` (the size listed; also sets the time limit) into `localPath`. */
  download(remotePath: string, localPath: string, bytes: number): Promise<void>;
  /** Renames `from` to `to`; `to` must not exist. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing one is not an error. */
  remove(path: string): Promise<void>;
  /** The size of a file, undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface RemoteFolder {
  kind: string;
  /** `ftp 127.0.0.1:2121`: first word of every message. */
  server: string;
  /** `ftp://127.0.0.1:2121`: prefix of the destinations in receipts. */
  url: string;
  /** The folder as configured; relative ones are resolved by the session against the login folder. */
  dir: string;
  /** Connects and logs in; the session resolves `dir`. */
  open(): Promise<{ session: RemoteSession; dir: string }>;
}

async function withTempFolder<T>(task: (folder: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), "caisse-remote-"));
  try {
    return await task(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** True when the remote file holds the archive's bytes (a resend after a crash). */
async function sameRemoteContent(
  session: RemoteSession,
  remote: string,
  archive: OutgoingArchive,
): Promise<boolean> {
  return withTempFolder(async (folder) => {
    const copy = join(folder, "copy");
    await session.download(remote, copy, archive.size);
    return (await sha256OfFile(copy)) === (await sha256OfFile(archive.path));
  });
}

/**
 * Sends archives into a server folder: uploaded as `NAME.part`, its size checked, then renamed to
 * `NAME`, so that the central never takes a half-sent archive; the folder is created when
 * missing. A same-named file with the same bytes is a resend after a crash (success); one with
 * other bytes is never overwritten. A failed connection is closed, never reused.
 */
export function createRemoteSender(folder: RemoteFolder): Sender {
  let open: { session: RemoteSession; dir: string } | undefined;
  return {
    kind: folder.kind,
    async send(archive: OutgoingArchive): Promise<SendReceipt> {
      const problem = plainNameProblem(archive.name);
      if (problem !== undefined) {
        throw new CaisseError("E_TRANSPORT", problem, {
          details: { name: archive.name },
          hint: "archive names on a transport look like D01_20261127T230005_000042.zip.",
        });
      }
      open ??= await folder.open();
      const { session, dir } = open;
      try {
        await session.ensureDir(dir);
        const target = posix.join(dir, archive.name);
        const destination = `${folder.url}${target}`;
        const existing = await session.size(target);
        if (existing !== undefined) {
          if (existing === archive.size && (await sameRemoteContent(session, target, archive)))
            return { destination };
          throw new CaisseError(
            "E_TRANSPORT",
            `${folder.server}: ${target} already exists with different content; it is never overwritten`,
            {
              details: { destination },
              hint: "another archive has this name: check that no other till uses the same reference, then move that file away on the server and run again.",
            },
          );
        }
        const part = `${target}.part`;
        await session.remove(part);
        await session.upload(archive.path, part);
        const held = await session.size(part);
        if (held !== archive.size) {
          await session.remove(part);
          throw remoteError(
            "E_REMOTE_CLOSED",
            folder.server,
            `upload ${archive.name}.part`,
            `the server holds ${held ?? "no"} bytes instead of ${archive.size}`,
            {
              hint: "the transfer was cut; the archive stays in the outbox for the next run.",
            },
          );
        }
        await session.rename(part, target);
        return { destination };
      } catch (error) {
        open = undefined;
        await session.close().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      const current = open;
      open = undefined;
      await current?.session.close();
    },
  };
}

/**
 * Collects archives from a server folder: `*.zip` files (never `*.part`, never hidden), each
 * downloaded whole into the central's folder before anything changes on the server; settled by a
 * move to `processed/` (imported, or already imported) or `rejected/` (quarantined). A download cut
 * in the middle fails the item: the file stays on the server for the next run.
 */
export function createRemoteSource(name: string, folder: RemoteFolder, env: TransportEnv): Source {
  let open: { session: RemoteSession; dir: string } | undefined;
  const sizes = new Map<string, number>();
  const connected = async () => (open ??= await folder.open());
  return {
    name,
    kind: folder.kind,
    async list() {
      const { session, dir } = await connected();
      const entries = await session.list(dir);
      const items: SourceItem[] = [];
      for (const entry of entries
        // Names come from the server: one that is not a plain file name (`../x.zip`) could
        // write outside the central's folder, and is never taken.
        .filter(
          (file) =>
            file.isFile &&
            isCollectableName(file.name) &&
            plainNameProblem(file.name) === undefined,
        )
        .sort((a, b) => (a.name < b.name ? -1 : 1))) {
        sizes.set(entry.name, entry.size);
        items.push({ id: entry.name, label: `${name}/${entry.name}` });
      }
      return items;
    },
    async download(item: SourceItem, intoDir: string) {
      const { session, dir } = await connected();
      const remote = posix.join(dir, item.id);
      const listed = sizes.get(item.id);
      const limit = env.maxDownloadBytes;
      if (listed !== undefined && limit !== undefined && listed > limit) {
        throw new CaisseError(
          "E_SOURCE",
          `${folder.server}: ${remote} holds ${listed} bytes, more than the ${limit} bytes an archive may have`,
          {
            details: { server: folder.server, file: remote },
            hint: "it is left on the server; remove it there, or raise limits.maxArchiveBytes in caisse-central.json if such archives are expected.",
          },
        );
      }
      const local = join(intoDir, item.id);
      await session.download(remote, local, listed ?? 0);
      const got = (await stat(local)).size;
      if (listed !== undefined && got !== listed) {
        throw remoteError(
          "E_REMOTE_CLOSED",
          folder.server,
          `download ${item.id}`,
          `received ${got} bytes of ${listed}`,
          {
            hint: "the transfer was cut; the file stays on the server and the next fetch takes it again.",
          },
        );
      }
      return [local];
    },
    async settle(item: SourceItem, outcome: SettleOutcome) {
      const { session, dir } = await connected();
      const into = posix.join(dir, outcome === "imported" ? PROCESSED_FOLDER : REJECTED_FOLDER);
      await session.ensureDir(into);
      const target = posix.join(into, item.id);
      // A file of this name moved there earlier (sent twice) is replaced: both were stored.
      await session.remove(target);
      await session.rename(posix.join(dir, item.id), target);
    },
    async close() {
      const current = open;
      open = undefined;
      await current?.session.close();
    },
  };
}

/** doctor: log in, reach the folder, write a probe file as a sender would, and remove it. */
export async function verifyRemote(folder: RemoteFolder): Promise<VerifyStep[]> {
  const steps: VerifyStep[] = [];
  let open: { session: RemoteSession; dir: string };
  try {
    open = await folder.open();
    steps.push({ step: "connect and log in", ok: true, detail: folder.server });
  } catch (error) {
    steps.push(failedStep("connect and log in", error));
    return steps;
  }
  const { session, dir } = open;
  try {
    try {
      await session.ensureDir(dir);
      steps.push({ step: "folder", ok: true, detail: dir });
    } catch (error) {
      steps.push(failedStep("folder", error));
      return steps;
    }
    // Ends in .part: a central collecting meanwhile never takes it.
    const probe = posix.join(dir, `.caisse-doctor-${randomBytes(4).toString("hex")}.part`);
    try {
      await withTempFolder(async (local) => {
        const file = join(local, "probe");
        await writeFile(file, "caisse doctor probe\n");
        await session.upload(file, probe);
      });
      steps.push({ step: "write a probe file", ok: true, detail: probe });
    } catch (error) {
      steps.push(failedStep("write a probe file", error));
      return steps;
    }
    try {
      await session.remove(probe);
      steps.push({ step: "remove the probe file", ok: true, detail: probe });
    } catch (error) {
      steps.push(failedStep("remove the probe file", error));
    }
    return steps;
  } finally {
    await session.close().catch(() => undefined);
  }
}

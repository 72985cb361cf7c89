import { CaisseError, oneLine, type ErrorCode } from "@caisse/core";
import type { MessageStructureObject } from "imapflow";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { TransportEnv } from "../kind.js";
import { plainNameProblem } from "../names.js";
import { remoteError } from "../network.js";
import { cappedFile, countedBytes, transferTimeout } from "../transfer.js";
import type { SettleOutcome, Source, SourceItem } from "../types.js";
import type { ImapConfig } from "./index.js";
import { openImap, type ImapSession } from "./session.js";
import { readState, statePath, writeState, type ImapState } from "./state.js";

/** A `.zip` attachment found in a message's structure (the server's BODYSTRUCTURE). */
interface ZipPart {
  /** The body part number, `2`, `1.3`. */
  part: string;
  /** Its file name as the message gives it (untrusted). */
  name: string;
  /** Its size in the message, transfer-encoded (base64: about 4/3 of the file). */
  size: number;
}

interface Listed {
  uid: number;
  /** RFC822.SIZE: the whole message, as the server stores it. */
  size: number;
  zips: ZipPart[];
  /** Sender and subject, for the journal's reason when the message is refused. */
  about: string;
}

const ZIP_TYPES = new Set(["application/zip", "application/x-zip-compressed", "application/x-zip"]);

/** Used when the central gives no archive limit (it always does). */
const FALLBACK_ARCHIVE_LIMIT = 1024 * 1024 * 1024;

/**
 * The largest an attachment of an `archiveLimit`-byte archive can be inside a message: base64
 * (4/3) in lines of 76 characters and CRLF, plus a little for its headers.
 */
export function encodedLimit(archiveLimit: number): number {
  return Math.ceil(((archiveLimit * 4) / 3) * (78 / 76)) + 4096;
}

/** The largest message worth looking at: one archive at its limit, and room for text around it. */
export function messageLimit(archiveLimit: number): number {
  return encodedLimit(archiveLimit) + 1024 * 1024;
}

/** The `.zip` attachments of a message, at any depth (a forwarded message's too). */
function zipParts(node: MessageStructureObject | undefined, into: ZipPart[]): ZipPart[] {
  if (node === undefined) return into;
  if (node.childNodes !== undefined && node.childNodes.length > 0) {
    for (const child of node.childNodes) zipParts(child, into);
    return into;
  }
  const named = node.dispositionParameters?.filename ?? node.parameters?.name;
  const name = typeof named === "string" ? named : "";
  if (/\.zip$/iu.test(name) || (name === "" && ZIP_TYPES.has(node.type.toLowerCase())))
    into.push({ part: node.part ?? "1", name, size: node.size ?? 0 });
  return into;
}

/** Text from a message (subject, sender) made safe for one line of a log or the journal. */
function shown(text: string, max = 80): string {
  const plain = oneLine(text).trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

/** A message refused as a whole: moved to the `rejected` folder, the reason journaled. */
function refused(code: ErrorCode, message: string, hint: string, size: number): CaisseError {
  return new CaisseError(code, message, { hint, details: { size, sha256: "" } });
}

/**
 * Collects the `.zip` attachments of every message of a mailbox (see docs/transports.md#imap).
 * Sizes are taken from the server before anything is downloaded: a message larger than an
 * archive can make it is refused unread, an attachment is written with a cap. A message is moved
 * to `processed` or `rejected` only once its archives are stored at the central; before the move,
 * its UID is remembered in a state file, so that a move that fails never makes it imported again.
 */
export function createImapSource(config: ImapConfig, name: string, env: TransportEnv): Source {
  const stateDir = env.stateDir;
  if (stateDir === undefined)
    throw new Error("an IMAP source needs a state folder (TransportEnv.stateDir)");
  const file = statePath(stateDir, name);
  const identity = `${config.user}@${config.host}:${config.port}/${config.mailbox}`;
  const archiveLimit = env.maxDownloadBytes ?? FALLBACK_ARCHIVE_LIMIT;
  let session: ImapSession | undefined;
  let state: ImapState | undefined;
  /** Messages were moved since the state was last written. */
  let dirty = false;
  const listed = new Map<string, Listed>();
  const present = new Set<string>();
  const folders = new Set<string>();
  const connected = async () => (session ??= await openImap(config, env));
  const entryOf = (item: SourceItem): Listed => {
    const entry = listed.get(item.id);
    if (entry === undefined) throw new Error(`no message ${item.id} was listed`);
    return entry;
  };

  /** Remembers `state` without the UIDs no longer in the mailbox (moved by hand, deleted). */
  const save = async (current: ImapState) => {
    for (const uid of Object.keys(current.taken))
      if (!present.has(uid)) Reflect.deleteProperty(current.taken, uid);
    await writeState(file, current);
  };

  const ensureFolder = async (open: ImapSession, folder: string) => {
    if (folders.has(folder)) return;
    await open.step(`create the folder ${folder}`, async () => {
      const boxes = await open.client.list();
      if (!boxes.some((box) => box.path === folder)) await open.client.mailboxCreate(folder);
    });
    folders.add(folder);
  };

  return {
    name,
    kind: "imap",
    async list() {
      const open = await connected();
      const box = await open.step(`open the mailbox ${config.mailbox}`, () =>
        open.client.mailboxOpen(config.mailbox),
      );
      const uidValidity = box.uidValidity.toString();
      const rows =
        box.exists === 0
          ? []
          : await open.step(
              `list the messages of ${config.mailbox}`,
              () =>
                open.client.fetchAll("1:*", {
                  uid: true,
                  size: true,
                  bodyStructure: true,
                  envelope: true,
                }),
              transferTimeout(env, box.exists * 4096),
            );
      state = await readState(file, identity, uidValidity);
      const items: SourceItem[] = [];
      for (const row of [...rows].sort((a, b) => a.uid - b.uid)) {
        const id = `${uidValidity}:${row.uid}`;
        const from = row.envelope?.from?.[0]?.address ?? "unknown sender";
        const subject = row.envelope?.subject ?? "";
        const entry: Listed = {
          uid: row.uid,
          size: row.size ?? 0,
          zips: zipParts(row.bodyStructure, []),
          about: `from ${shown(from)}, subject "${shown(subject)}"`,
        };
        listed.set(id, entry);
        present.add(String(row.uid));
        const first = entry.zips[0]?.name;
        items.push({
          id,
          label: `${name}/${config.mailbox}/${row.uid}`,
          archiveName:
            first !== undefined && plainNameProblem(first) === undefined ? first : undefined,
          settled: state.taken[String(row.uid)],
        });
      }
      return items;
    },
    async download(item: SourceItem, intoDir: string) {
      const open = await connected();
      const entry = entryOf(item);
      const what = `${open.server}: ${config.mailbox} message ${entry.uid} (${entry.about})`;
      const partLimit = encodedLimit(archiveLimit);
      if (
        entry.size > messageLimit(archiveLimit) ||
        entry.zips.some((zip) => zip.size > partLimit)
      ) {
        throw refused(
          "E_MESSAGE_TOO_LARGE",
          `${what} holds ${entry.size} bytes, more than a message with an archive of at most ${archiveLimit} bytes`,
          `it is moved to ${config.rejected} unread; raise limits.maxTotalBytes in caisse-central.json if such archives are expected, then move it back to ${config.mailbox}.`,
          entry.size,
        );
      }
      if (entry.zips.length === 0) {
        throw refused(
          "E_MESSAGE_NO_ARCHIVE",
          `${what} holds no .zip attachment`,
          `it is moved to ${config.rejected}; if a till sent it, check its transport (docs/transports.md).`,
          entry.size,
        );
      }
      const files: string[] = [];
      const used = new Set<string>();
      for (const [index, zip] of entry.zips.entries()) {
        // The name comes from the message: one that is not a plain file name (`../x.zip`) could
        // write outside the central's folder, and is replaced.
        let local =
          plainNameProblem(zip.name) === undefined && /\.zip$/iu.test(zip.name)
            ? zip.name
            : `message-${entry.uid}-${index + 1}.zip`;
        if (used.has(local.toLowerCase())) local = `message-${entry.uid}-${index + 1}-${local}`;
        used.add(local.toLowerCase());
        const path = join(intoDir, local);
        const step = `download ${local} of message ${entry.uid}`;
        await open.step(
          step,
          async () => {
            const got = await open.client.download(String(entry.uid), zip.part, {
              uid: true,
              maxBytes: archiveLimit + 1,
            });
            if (got.content === undefined) {
              throw remoteError(
                "E_REMOTE_REPLY",
                open.server,
                step,
                "the message is no longer in the mailbox",
                { hint: "another program moved or deleted it; nothing was imported from it." },
              );
            }
            await pipeline(
              got.content,
              // zip.size is the size of the part as sent, in base64: about 4/3 of the file's.
              countedBytes(Math.floor((zip.size * 3) / 4), env.onProgress),
              cappedFile(path, archiveLimit, open.server, step),
            );
          },
          transferTimeout(env, zip.size),
        );
        files.push(path);
      }
      return files;
    },
    async settle(item: SourceItem, outcome: SettleOutcome) {
      const open = await connected();
      const entry = entryOf(item);
      const current = state;
      if (current === undefined) throw new Error("settle() before list()");
      const uid = String(entry.uid);
      // Remembered before the move: if the move fails, the next run only moves it.
      if (current.taken[uid] !== outcome) {
        current.taken[uid] = outcome;
        await save(current);
        dirty = false;
      }
      const folder = outcome === "imported" ? config.processed : config.rejected;
      await ensureFolder(open, folder);
      const step = `move message ${uid} to ${folder}`;
      const moved = await open.step(step, () =>
        open.client.messageMove(uid, folder, { uid: true }),
      );
      // false when the server said NO; undefined (despite the types) when no mailbox is open.
      if (typeof moved !== "object") {
        throw remoteError("E_REMOTE_REPLY", open.server, step, "the server refused to move it", {
          hint: `check the rights of ${config.user} on ${folder}; the message is not imported again, the next fetch only moves it.`,
        });
      }
      // Forgotten with the next write (a moved UID is never seen again in this mailbox).
      present.delete(uid);
      dirty = true;
    },
    async close() {
      const current = session;
      session = undefined;
      try {
        if (dirty && state !== undefined) await save(state);
      } finally {
        dirty = false;
        await current?.close();
      }
    },
  };
}

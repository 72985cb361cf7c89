import { CaisseError, ioError, systemErrorCode, writeFileAtomic } from "@caisse/core";
import { mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SettleOutcome } from "../types.js";

/**
 * What an IMAP source remembers between runs (see docs/central-layout.md, `.caisse/imap/`): the
 * messages whose archives are stored at the central but which are not yet moved out of the
 * mailbox, by UID under the mailbox's UIDVALIDITY. A message named here is never downloaded or
 * imported again; the next run only moves it. Once moved it is forgotten, so the file stays small.
 */
export interface ImapState {
  /** `user@host:port/mailbox`: a state of another mailbox is not this one's. */
  mailbox: string;
  /** UIDVALIDITY of the mailbox when the UIDs were taken; UIDs of another one mean nothing. */
  uidValidity: string;
  /** UID -> what became of its archives. */
  taken: Record<string, SettleOutcome>;
}

/** Large enough for thousands of messages waiting for a move; a larger file is not this one. */
const MAX_STATE_BYTES = 1024 * 1024;

/** `.caisse/imap/<source name>.json`, the name kept to letters, digits, `.`, `_`, `-` and %XX. */
export function statePath(stateDir: string, source: string): string {
  const safe = [...Buffer.from(source, "utf8")]
    .map((byte) =>
      /[A-Za-z0-9_-]/u.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
  return join(stateDir, "imap", `${safe}.json`);
}

function damaged(path: string, reason: string): CaisseError {
  return new CaisseError("E_SOURCE", `the IMAP source's state file ${path} is damaged: ${reason}`, {
    details: { file: path },
    hint: "delete it: the messages still in the mailbox are then downloaded again, and the journal takes their archives as duplicates (nothing is imported twice).",
  });
}

/** The state, or an empty one for `mailbox` when there is none or it is of another mailbox. */
export async function readState(
  path: string,
  mailbox: string,
  uidValidity: string,
): Promise<ImapState> {
  const fresh: ImapState = { mailbox, uidValidity, taken: {} };
  let text: string;
  try {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      if (size > MAX_STATE_BYTES) throw damaged(path, `it holds ${size} bytes`);
      text = (await handle.readFile()).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return fresh;
    throw ioError("read", path, error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw damaged(path, "it is not JSON");
  }
  const state = value as { mailbox?: unknown; uidValidity?: unknown; taken?: unknown } | null;
  if (
    state === null ||
    typeof state !== "object" ||
    typeof state.mailbox !== "string" ||
    typeof state.uidValidity !== "string" ||
    state.taken === null ||
    typeof state.taken !== "object" ||
    Object.entries(state.taken as Record<string, unknown>).some(
      ([uid, outcome]) =>
        !/^[1-9][0-9]{0,9}$/u.test(uid) || (outcome !== "imported" && outcome !== "rejected"),
    )
  )
    throw damaged(path, "it is not { mailbox, uidValidity, taken: { UID: outcome } }");
  // UIDs of another mailbox, or of this one before its UIDVALIDITY changed, name other messages.
  if (state.mailbox !== mailbox || state.uidValidity !== uidValidity) return fresh;
  return { mailbox, uidValidity, taken: { ...(state.taken as ImapState["taken"]) } };
}

/** Writes the state atomically (the fetch holds the central's lock: no other writer). */
export async function writeState(path: string, state: ImapState): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
  } catch (error) {
    throw ioError("write", path, error);
  }
}

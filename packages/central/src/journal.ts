import {
  CaisseError,
  ioError,
  sha256Hex,
  syncDirectory,
  systemErrorCode,
  writeFileAtomic,
  type ErrorCode,
} from "@caisse/core";
import { open, readFile, truncate } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * The import journal (see docs/central-layout.md#the-journal): one JSON line per archive received,
 * appended, never rewritten. Each line holds the SHA-256 of the line before it (`prev`), so that
 * editing or removing a line in the middle breaks the chain, which `caisse-central journal
 * --verify` shows.
 *
 * A line counts once its newline is on disk: an unterminated tail left by a crash in the middle of
 * a write was never committed, and is cut before the next append.
 *
 * A chain alone cannot show that its last lines were removed, or its last line edited: nothing
 * comes after them. So each append also records the journal's head (the last entry's number and
 * hash) in `journal.head.json` beside it, which `--verify` compares with the journal's end.
 */
export type Outcome = "accepted" | "duplicate" | "rejected" | "repair" | "restored";

/** What the import pipeline says about one archive. */
export interface JournalRecord {
  /** ISO time of the decision, with offset. */
  time: string;
  /** The source's name (`inbox`, `ftp-depot`), or `import` for files given by hand. */
  source: string;
  /** The archive's name as received. */
  file: string;
  /** The till, when known (the manifest's, or --till). */
  till: string | null;
  /** The manifest's sequence; null for a legacy archive or when unreadable. */
  sequence: number | null;
  /** SHA-256 of the archive file. */
  sha256: string;
  size: number;
  outcome: Outcome;
  /** Why it was rejected; E_JOURNAL_DAMAGED on the entry of a `repair` that found damage. */
  code: ErrorCode | null;
  reason: string | null;
  /** Where the archive is kept, relative to the root: `archives/D01/...` or `quarantine/...`. */
  stored: string | null;
  /** Sequences skipped between the last import and this one, as [first, last]. */
  gap: [number, number] | null;
  /** SHA-256 of the manifest bytes, for accepted archives with a manifest. */
  manifest: string | null;
  /**
   * For an accepted archive that follows the last one imported (sequence + 1): whether its
   * `previous` is the SHA-256 of that archive's manifest (`linked`) or not (`broken`: the till's
   * history was reset or altered, recorded for the monitor). Absent or null when it cannot be
   * checked: the first archive of a till, a gap, a legacy archive, entries of earlier versions.
   */
  chain?: "linked" | "broken" | null;
}

export interface JournalEntry extends JournalRecord {
  /** 1, 2, 3... */
  n: number;
  /** SHA-256 of the previous line's bytes (without its newline); 64 zeros for the first. */
  prev: string;
}

export const GENESIS = "0".repeat(64);

interface Tail {
  /** Entries with a newline. */
  count: number;
  /** Hash of the last complete line. */
  last: string;
  /** Bytes of the complete lines: where an unterminated tail starts. */
  committedBytes: number;
  totalBytes: number;
}

export async function readJournalText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return "";
    throw ioError("read the journal", path, error);
  }
}

/** The lines of the journal that count (each ended by its newline), and the text they make. */
export function committedLines(text: string): { lines: string[]; committed: string } {
  const committed = text.slice(0, text.lastIndexOf("\n") + 1);
  return { lines: committed.split("\n").slice(0, -1), committed };
}

function tailOf(text: string): Tail {
  const { lines, committed } = committedLines(text);
  const lastLine = lines.at(-1);
  return {
    count: lines.length,
    last: lastLine === undefined ? GENESIS : sha256Hex(lastLine),
    committedBytes: Buffer.byteLength(committed),
    totalBytes: Buffer.byteLength(text),
  };
}

/** How much of the journal's end is read at a time to find its last line. */
const TAIL_CHUNK = 64 * 1024;

/**
 * The tail of the journal from its end only, so that an append costs the same after years of
 * nights as on the first one: the last complete line gives its number and hash. Falls back to
 * reading the whole file when that line is not an entry with a number (an altered journal, which
 * `--verify` reports; the append still chains to the real last line).
 */
async function readTail(path: string): Promise<Tail> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return tailOf("");
    throw ioError("read the journal", path, error);
  }
  try {
    const totalBytes = (await handle.stat()).size;
    let chunk = Buffer.alloc(0);
    let start = totalBytes;
    // Grow `chunk` backwards until it holds the last newline and the one before it (or the start).
    for (;;) {
      const end = chunk.lastIndexOf(0x0a);
      const before = end <= 0 ? -1 : chunk.lastIndexOf(0x0a, end - 1);
      if (end !== -1 && (before !== -1 || start === 0)) {
        const committedBytes = start + end + 1;
        const lastLine = chunk.subarray(before + 1, end).toString("utf8");
        const n = lastNumber(lastLine);
        if (n === undefined) return tailOf(await readJournalText(path));
        return { count: n, last: sha256Hex(lastLine), committedBytes, totalBytes };
      }
      if (start === 0) return tailOf(chunk.toString("utf8")); // no complete line at all
      const size = Math.min(TAIL_CHUNK, start);
      start -= size;
      const piece = Buffer.alloc(size);
      const { bytesRead } = await handle.read(piece, 0, size, start);
      if (bytesRead !== size) return tailOf(await readJournalText(path)); // changed under us
      chunk = Buffer.concat([piece, chunk]);
    }
  } catch (error) {
    throw ioError("read the journal", path, error);
  } finally {
    await handle.close();
  }
}

/** The `n` of a journal line, when it is an entry with a whole number from 1. */
function lastNumber(line: string): number | undefined {
  try {
    const { n } = JSON.parse(line) as { n?: unknown };
    return typeof n === "number" && Number.isSafeInteger(n) && n >= 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Entry `n` of the journal, chained to the line before it (`prev`), as its line with newline. */
export function chained(
  n: number,
  record: JournalRecord,
  prev: string,
): { entry: JournalEntry; line: string } {
  const entry: JournalEntry = { n, ...record, prev };
  return { entry, line: `${JSON.stringify(entry)}\n` };
}

/** Appends one record, chained to the last line, flushed to disk before it returns. */
export async function appendJournal(path: string, record: JournalRecord): Promise<JournalEntry> {
  const tail = await readTail(path);
  if (tail.totalBytes > tail.committedBytes) {
    try {
      await truncate(path, tail.committedBytes);
    } catch (error) {
      throw journalWriteError(path, error);
    }
  }
  const { entry, line } = chained(tail.count + 1, record, tail.last);
  try {
    const handle = await open(path, "a", 0o644);
    try {
      await handle.write(line);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw journalWriteError(path, error);
  }
  if (tail.count === 0) await syncDirectory(dirname(path));
  await writeHead(path, entry.n, line.slice(0, -1));
  return entry;
}

/** Records `line` (without its newline) as entry `n`, the journal's last. */
export async function writeHead(journalPath: string, n: number, line: string): Promise<void> {
  const head: JournalHead = { n, sha256: sha256Hex(line) };
  try {
    await writeFileAtomic(journalHeadPath(journalPath), `${JSON.stringify(head)}\n`);
  } catch (error) {
    throw journalWriteError(journalHeadPath(journalPath), error);
  }
}

/**
 * The journal could not be written: the run must stop, since an import it cannot record would
 * not be guarded against replay (see docs/security.md).
 */
function journalWriteError(path: string, error: unknown): CaisseError {
  const cause = ioError("write the journal", path, error);
  return new CaisseError("E_JOURNAL_WRITE", cause.message, {
    cause,
    details: cause.details,
    hint: "free some disk space or fix the permissions of the central's root, then run the command again: it finishes the import that could not be journaled.",
  });
}

/** `journal.head.json` beside the journal: the number and hash of its last entry. */
export function journalHeadPath(journalPath: string): string {
  return join(dirname(journalPath), "journal.head.json");
}

export interface JournalHead {
  n: number;
  sha256: string;
}

/** The head record; undefined when there is none yet (a journal written before it existed). */
export async function readHead(
  journalPath: string,
): Promise<JournalHead | "unreadable" | undefined> {
  const path = journalHeadPath(journalPath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return undefined;
    throw ioError("read the journal head", path, error);
  }
  try {
    const { n, sha256 } = JSON.parse(text) as Partial<JournalHead>;
    if (typeof n === "number" && Number.isSafeInteger(n) && typeof sha256 === "string")
      return { n, sha256 };
  } catch {
    // Reported as unreadable below.
  }
  return "unreadable";
}

/** Every committed entry, in order. Lines that do not parse are an error: see verifyJournal. */
export async function readJournal(path: string): Promise<JournalEntry[]> {
  const { lines } = committedLines(await readJournalText(path));
  return lines.map((line, index) => {
    try {
      return JSON.parse(line) as JournalEntry;
    } catch {
      throw new CaisseError("E_IO", `${path} line ${index + 1} is not a journal entry`, {
        details: { path, line: index + 1 },
        hint: "run 'caisse-central journal --verify' to see what is wrong with the journal.",
      });
    }
  });
}

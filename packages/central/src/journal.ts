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
 * The import journal (SPEC section 4): one JSON line per archive received, appended, never
 * rewritten. Each line holds the SHA-256 of the line before it (`prev`), so that editing or
 * removing a line in the middle breaks the chain, which `caisse-central journal --verify` shows.
 *
 * A line counts once its newline is on disk: an unterminated tail left by a crash in the middle of
 * a write was never committed, and is cut before the next append.
 *
 * A chain alone cannot show that its last lines were removed, or its last line edited: nothing
 * comes after them. So each append also records the journal's head (the last entry's number and
 * hash) in `journal.head.json` beside it, which `--verify` compares with the journal's end.
 */
export type Outcome = "accepted" | "duplicate" | "rejected";

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
  /** Why it was rejected. */
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

async function readJournalText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return "";
    throw ioError("read the journal", path, error);
  }
}

/** The lines of the journal that count (each ended by its newline), and the text they make. */
function committedLines(text: string): { lines: string[]; committed: string } {
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

/** Appends one record, chained to the last line, flushed to disk before it returns. */
export async function appendJournal(path: string, record: JournalRecord): Promise<JournalEntry> {
  const tail = await readTail(path);
  if (tail.totalBytes > tail.committedBytes) {
    try {
      await truncate(path, tail.committedBytes);
    } catch (error) {
      throw ioError("cut the interrupted last line of", path, error);
    }
  }
  const entry: JournalEntry = { n: tail.count + 1, ...record, prev: tail.last };
  const line = `${JSON.stringify(entry)}\n`;
  try {
    const handle = await open(path, "a", 0o644);
    try {
      await handle.write(line);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError("append to the journal", path, error);
  }
  if (tail.count === 0) await syncDirectory(dirname(path));
  await writeFileAtomic(
    journalHeadPath(path),
    `${JSON.stringify({ n: entry.n, sha256: sha256Hex(line.slice(0, -1)) })}\n`,
  );
  return entry;
}

/** `journal.head.json` beside the journal: the number and hash of its last entry. */
export function journalHeadPath(journalPath: string): string {
  return join(dirname(journalPath), "journal.head.json");
}

interface JournalHead {
  n: number;
  sha256: string;
}

/** The head record; undefined when there is none yet (a journal written before it existed). */
async function readHead(journalPath: string): Promise<JournalHead | "unreadable" | undefined> {
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

/**
 * What the head record says of the journal's end, as problems: entries removed from the end, the
 * last line edited. A head one entry behind is the crash between the append and the head's
 * update (the next append writes it), not an alteration.
 */
function headProblems(
  head: JournalHead | "unreadable" | undefined,
  hashes: readonly string[],
): JournalProblem[] {
  const count = hashes.length;
  if (head === undefined) return [];
  if (head === "unreadable") {
    return [{ line: count, problem: "journal.head.json is not a head record: it was altered" }];
  }
  if (head.n > count) {
    return [
      {
        line: count + 1,
        problem: `journal.head.json says entry ${head.n} was written, but the journal ends at entry ${count}: entries were removed from its end`,
      },
    ];
  }
  if (head.n === count && hashes[count - 1] !== head.sha256) {
    return [
      {
        line: count,
        problem: "the last line is not the one written (journal.head.json): it was edited",
      },
    ];
  }
  if (head.n < count - 1 || (head.n === count - 1 && hashes[head.n - 1] !== head.sha256)) {
    return [
      {
        line: head.n,
        problem: `journal.head.json records entry ${head.n}, which does not match the journal: entries after it were added or edited by hand`,
      },
    ];
  }
  return [];
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

export interface JournalProblem {
  line: number;
  problem: string;
}

export interface JournalVerification {
  entries: number;
  problems: JournalProblem[];
  /** An unterminated last line left by a crash (not an alteration). */
  interruptedTail: boolean;
}

/** Checks the chain: numbering, `prev` hashes, and that every line is a journal entry. */
export async function verifyJournal(path: string): Promise<JournalVerification> {
  const text = await readJournalText(path);
  const { lines, committed } = committedLines(text);
  const problems: JournalProblem[] = [];
  const hashes: string[] = [];
  let previous = GENESIS;
  lines.forEach((line, index) => {
    const number = index + 1;
    let entry: Partial<JournalEntry> | undefined;
    try {
      entry = JSON.parse(line) as Partial<JournalEntry>;
    } catch {
      problems.push({ line: number, problem: "not valid JSON" });
    }
    if (entry !== undefined) {
      if (entry.n !== number)
        problems.push({ line: number, problem: `numbered ${String(entry.n)}, expected ${number}` });
      if (entry.prev !== previous) {
        problems.push({
          line: number,
          problem:
            "the hash of the line before does not match: a line was edited, removed or inserted",
        });
      }
    }
    previous = sha256Hex(line);
    hashes.push(previous);
  });
  problems.push(...headProblems(await readHead(path), hashes));
  return {
    entries: lines.length,
    problems,
    interruptedTail: committed.length < text.length,
  };
}

/** What the journal says about one till: the basis of sequence checks and of the monitor. */
export interface TillHistory {
  /** The last accepted archive with a sequence. */
  lastSequence: number | null;
  /** SHA-256 of the manifest of the archive of `lastSequence`: what its successor's `previous` is. */
  lastManifest: string | null;
  lastAccepted: JournalEntry | null;
  lastRejected: JournalEntry | null;
  lastReceived: JournalEntry | null;
  /** Where each accepted archive is kept, by its SHA-256: for "already imported". */
  accepted: Map<string, string | null>;
  gaps: [number, number][];
}

/** The history of a till nothing was received from yet. */
export function emptyHistory(): TillHistory {
  return {
    lastSequence: null,
    lastManifest: null,
    lastAccepted: null,
    lastRejected: null,
    lastReceived: null,
    accepted: new Map(),
    gaps: [],
  };
}

/** Folds the journal into one history per till (by upper-case reference). */
export function tillHistories(entries: readonly JournalEntry[]): Map<string, TillHistory> {
  const histories = new Map<string, TillHistory>();
  for (const entry of entries) {
    if (entry.till === null) continue;
    const key = entry.till.toUpperCase();
    const history = histories.get(key) ?? emptyHistory();
    histories.set(key, history);
    history.lastReceived = entry;
    if (entry.outcome === "rejected") history.lastRejected = entry;
    if (entry.outcome !== "accepted") continue;
    history.lastAccepted = entry;
    history.accepted.set(entry.sha256, entry.stored);
    if (entry.sequence !== null && entry.sequence > (history.lastSequence ?? 0)) {
      history.lastSequence = entry.sequence;
      history.lastManifest = entry.manifest;
    }
    if (entry.gap !== null) history.gaps.push(entry.gap);
  }
  return histories;
}

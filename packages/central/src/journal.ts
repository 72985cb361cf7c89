import {
  CaisseError,
  counted,
  ioError,
  parseArchiveTransportName,
  sha256Hex,
  syncDirectory,
  systemErrorCode,
  writeFileAtomic,
  type ErrorCode,
} from "@caisse/core";
import type { Dirent } from "node:fs";
import { open, readdir, readFile, truncate } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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
export type Outcome = "accepted" | "duplicate" | "rejected" | "repair";

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

/**
 * What the head record says of the journal's end, as problems: entries removed from the end, the
 * last line edited. A head one entry behind is the crash between the append and the head's
 * update (the next append writes it), not an alteration.
 */
function headProblems(
  head: JournalHead | "unreadable" | undefined,
  count: number,
  hashOf: (n: number) => string,
): JournalProblem[] {
  if (head === undefined) {
    if (count === 0) return [];
    return [
      {
        line: count,
        problem:
          "journal.head.json is missing: the end of the journal cannot be checked (entries removed from its end would not show)",
      },
    ];
  }
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
  if (head.n === count && hashOf(count) !== head.sha256) {
    return [
      {
        line: count,
        problem: "the last line is not the one written (journal.head.json): it was edited",
      },
    ];
  }
  if (head.n < count - 1 || (head.n === count - 1 && hashOf(head.n) !== head.sha256)) {
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
  /** The journal line concerned; null for a problem found in archives/. */
  line: number | null;
  problem: string;
}

export interface JournalVerification {
  entries: number;
  problems: JournalProblem[];
  /** An unterminated last line left by a crash (not an alteration). */
  interruptedTail: boolean;
}

/**
 * Checks the chain: numbering, `prev` hashes, that every line is a journal entry, its end against
 * journal.head.json and, given the archives/ folder, that every archive kept there is journaled.
 */
export async function verifyJournal(path: string, archives?: string): Promise<JournalVerification> {
  const text = await readJournalText(path);
  const { lines, committed } = committedLines(text);
  const problems: JournalProblem[] = [];
  const hashes: string[] = [];
  const entries: JournalEntry[] = [];
  let previous = GENESIS;
  lines.forEach((line, index) => {
    const number = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      problems.push({ line: number, problem: "not valid JSON" });
    }
    if (typeof parsed === "object" && parsed !== null) {
      const entry = parsed as Partial<JournalEntry>;
      entries.push(entry as JournalEntry);
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
  problems.push(
    ...headProblems(await readHead(path), hashes.length, (n) => hashes[n - 1] ?? GENESIS),
  );
  if (archives !== undefined) problems.push(...(await archiveProblems(archives, entries)));
  return {
    entries: lines.length,
    problems,
    interruptedTail: committed.length < text.length,
  };
}

/** The journal as a fetch or an import finds it, and what keeps it from being trusted. */
export interface CheckedJournal {
  entries: JournalEntry[];
  problems: JournalProblem[];
}

/**
 * Reads the journal for a fetch or an import and checks what the replay guard rests on: every
 * line an entry numbered in order, the last line chained to the one before, and the journal's end
 * against journal.head.json (entries removed from the end, a line cut in the middle, the last
 * entries edited, the head record deleted). Only the last two lines are hashed, so the check costs
 * no more after years than the reading it comes with; the whole chain is `journal --verify`'s
 * (measured in docs/decisions.md).
 */
export async function readCheckedJournal(path: string): Promise<CheckedJournal> {
  const { lines } = committedLines(await readJournalText(path));
  const problems: JournalProblem[] = [];
  const entries: JournalEntry[] = [];
  lines.forEach((line, index) => {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      // Reported below.
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push({ line: index + 1, problem: "not a journal entry" });
      return;
    }
    const { n } = entry as { n?: unknown };
    if (n !== index + 1)
      problems.push({ line: index + 1, problem: `numbered ${String(n)}, expected ${index + 1}` });
    entries.push(entry as JournalEntry);
  });
  const count = lines.length;
  const hashOf = (n: number): string => {
    const line = lines[n - 1];
    return line === undefined ? GENESIS : sha256Hex(line);
  };
  const last = entries.at(-1);
  if (problems.length === 0 && last !== undefined && last.prev !== hashOf(count - 1)) {
    problems.push({
      line: count,
      problem: "the last line is not chained to the line before it: a line was edited or removed",
    });
  }
  problems.push(...headProblems(await readHead(path), count, hashOf));
  return { entries, problems };
}

/** The first few of `texts` joined by `separator`, then how many more there are. */
export function firstFew(texts: readonly string[], separator: string, few = 5): string {
  const more = texts.length > few ? `${separator}and ${texts.length - few} more` : "";
  return `${texts.slice(0, few).join(separator)}${more}`;
}

/** The problems as one line each: `line 3: ...`, or the problem alone when it is not a line's. */
export function describeProblems(problems: readonly JournalProblem[]): string[] {
  return problems.map((problem) =>
    problem.line === null ? problem.problem : `line ${problem.line}: ${problem.problem}`,
  );
}

/**
 * What archives/ says against the journal: every archive kept there was journaled when it was
 * stored, so an archive no entry names is an entry lost (the journal cut, deleted, or replaced by
 * an older copy); and the entry each till's last sequence comes from must agree with its archive's
 * name (an edited sequence). Other edits in the middle are `journal --verify`'s to find.
 * `archives` is the central's archives/ folder; `stored` paths are relative to its parent.
 */
export async function archiveProblems(
  archives: string,
  entries: readonly JournalEntry[],
): Promise<JournalProblem[]> {
  const problems: JournalProblem[] = [];
  const named = new Set<string>();
  // Per till, the accepted entry the last sequence comes from: what the replay guard relies on.
  const last = new Map<string, JournalEntry>();
  for (const entry of entries) {
    if (typeof entry.stored !== "string") continue;
    // Without case: a till registered again as d01 keeps its archives/D01 folder on Windows.
    named.add(entry.stored.toLowerCase());
    if (entry.outcome !== "accepted" || typeof entry.till !== "string") continue;
    const key = entry.till.toUpperCase();
    if ((entry.sequence ?? -1) >= (last.get(key)?.sequence ?? -1)) last.set(key, entry);
  }
  for (const entry of last.values()) {
    const parts = parseArchiveTransportName(basename(entry.stored ?? ""));
    if (parts !== undefined && parts.sequence !== entry.sequence) {
      problems.push({
        line: entry.n,
        problem: `the entry says sequence ${String(entry.sequence)} but its archive ${entry.stored ?? ""} is #${parts.sequence}: the entry was edited`,
      });
    }
  }
  const unnamed: string[] = [];
  for (const till of await listFolder(archives)) {
    if (!till.isDirectory()) continue;
    for (const file of await listFolder(join(archives, till.name))) {
      // Temporary files (a leading dot) are removed by the recovery; they were never journaled.
      // Only files are archives (a folder or a link there is nothing the central stored).
      if (file.name.startsWith(".") || !file.isFile()) continue;
      const stored = `${basename(archives)}/${till.name}/${file.name}`;
      if (!named.has(stored.toLowerCase())) unnamed.push(stored);
    }
  }
  if (unnamed.length > 0) {
    problems.push({
      line: null,
      problem: `${counted(unnamed.length, "archive")} under archives/ ${unnamed.length === 1 ? "is" : "are"} in no journal entry (${firstFew(unnamed, ", ")}): entries were removed, or the journal was replaced or deleted`,
    });
  }
  return problems;
}

export async function listFolder(path: string): Promise<Dirent[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return [];
    throw ioError("list", path, error);
  }
}

/** The refusal of a fetch or an import when the journal does not hold. */
export function journalDamaged(path: string, problems: readonly JournalProblem[]): CaisseError {
  const described = describeProblems(problems);
  return new CaisseError(
    "E_JOURNAL_DAMAGED",
    `the journal ${path} cannot be trusted, so nothing was imported: ${firstFew(described, "; ")}`,
    {
      details: { path, problems: described },
      hint: "the journal is what refuses old and replayed archives. Run 'caisse-central journal repair --dry-run' to see what a repair would do, then 'caisse-central journal repair' (it keeps the damaged journal and rebuilds one from archives/); see docs/security.md.",
    },
  );
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
  /** Sequences of the archives refused (as their manifests said): a gap's known cause. */
  rejected: Set<number>;
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
    rejected: new Set(),
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
    if (entry.outcome === "rejected") {
      history.lastRejected = entry;
      if (typeof entry.sequence === "number") history.rejected.add(entry.sequence);
    }
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

/** The sequences of `gap` that were refused, in order: they arrived, unlike the rest. */
export function rejectedIn(
  gap: [number, number] | null,
  history: TillHistory | undefined,
): number[] {
  if (gap === null || history === undefined) return [];
  return [...history.rejected]
    .filter((sequence) => sequence >= gap[0] && sequence <= gap[1])
    .sort((a, b) => a - b);
}

/**
 * A gap for people: `archives #2 to #4 never arrived`, or with the sequences that did arrive and
 * were refused, `archives #2 never arrived, #3 rejected, #4 never arrived`.
 */
export function describeGap(
  gap: [number, number],
  rejected: readonly number[],
  missing = "never arrived",
): string {
  const range = (from: number, to: number): string =>
    from === to ? `#${from}` : `#${from} to #${to}`;
  const parts: string[] = [];
  let next = gap[0];
  for (const sequence of rejected) {
    if (sequence > next) parts.push(`${range(next, sequence - 1)} ${missing}`);
    parts.push(`#${sequence} rejected`);
    next = sequence + 1;
  }
  if (next <= gap[1]) parts.push(`${range(next, gap[1])} ${missing}`);
  return `archive${gap[0] === gap[1] ? "" : "s"} ${parts.join(", ")}`;
}

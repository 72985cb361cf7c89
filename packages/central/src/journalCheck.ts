import {
  CaisseError,
  counted,
  ioError,
  parseArchiveTransportName,
  sha256Hex,
  systemErrorCode,
} from "@caisse/core";
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  GENESIS,
  committedLines,
  readHead,
  readJournalText,
  type JournalEntry,
  type JournalHead,
} from "./journal.js";

/**
 * The check of the journal before it is trusted (see docs/security.md): its chain, its end against
 * the head record, and archives/ against its entries; what `--verify`, `fetch` and `import` run.
 */

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

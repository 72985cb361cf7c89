import {
  isCaisseError,
  compactLocalTime,
  ioError,
  isoWithOffset,
  openArchive,
  sha256Hex,
  sha256OfFile,
  systemErrorCode,
  withLock,
  writeFileAtomic,
  type OpenedArchive,
} from "@caisse/core";
import { constants } from "node:fs";
import { copyFile, mkdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { findTill } from "./config.js";
import type { Central } from "./context.js";
import { checkTrust } from "./import/checks.js";
import {
  chained,
  committedLines,
  GENESIS,
  journalHeadPath,
  readHead,
  readJournalText,
  writeHead,
  type JournalEntry,
  type JournalRecord,
} from "./journal.js";
import {
  describeProblems,
  firstFew,
  listFolder,
  verifyJournal,
  type JournalProblem,
} from "./journalCheck.js";

/**
 * `caisse-central journal repair`: rebuilds a journal that holds from what is still trustworthy
 * in the damaged one and from the archives kept under archives/ (docs/security.md says what that
 * can and cannot bring back). Nothing is deleted: the damaged journal and its head record are
 * kept beside it, and the damage and the repair are journaled.
 */
export interface RepairReport {
  dryRun: boolean;
  /** What `journal --verify` found; empty when there was nothing to repair. */
  problems: JournalProblem[];
  /** Entries 1 to `kept` were kept as they were. */
  kept: number;
  /** Lines of the damaged journal after the kept ones, not carried over (still in the copy). */
  notKept: number;
  /** Archives under archives/ journaled again as accepted. */
  recovered: { stored: string; till: string; sequence: number | null }[];
  /** Files under archives/ that could not be trusted: journaled as rejected, left where they are. */
  unrecovered: { stored: string; reason: string }[];
  /** Where the damaged journal and head record are kept, relative to the root. */
  damagedCopy: string | null;
  damagedHead: string | null;
  /** Numbers of the entries recording the damage and the repair. */
  journaled: number[];
}

/** The source name of the entries a repair writes. */
export const REPAIR_SOURCE = "journal-repair";

/**
 * How many lines of the damaged journal can be kept: the longest prefix that parses, is numbered
 * in order and chains; cut further where journal.head.json contradicts it (the last entries
 * edited, or entries added after the head).
 */
function trustedPrefix(
  lines: readonly string[],
  head: Awaited<ReturnType<typeof readHead>>,
): number {
  let previous = GENESIS;
  let kept = 0;
  for (const line of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      break;
    }
    if (typeof parsed !== "object" || parsed === null) break;
    const entry = parsed as Partial<JournalEntry>;
    if (entry.n !== kept + 1) break;
    if (entry.prev !== previous) {
      // The line before was edited, or this one: neither is trusted.
      kept = Math.max(0, kept - 1);
      break;
    }
    previous = sha256Hex(line);
    kept++;
  }
  if (typeof head === "object" && head.n <= kept) {
    const line = lines[head.n - 1];
    const matches = head.n === 0 || (line !== undefined && sha256Hex(line) === head.sha256);
    // A head one entry behind is the crash between the append and the head's update.
    kept = matches ? Math.min(kept, head.n + 1) : Math.max(0, head.n - 1);
  }
  return kept;
}

/** Reads one archive found under archives/<folder>/ as the import would: bounded, signature checked. */
async function recoverArchive(
  central: Central,
  folder: string,
  path: string,
  stored: string,
  now: Date,
): Promise<JournalRecord> {
  const sha256 = await sha256OfFile(path);
  const { size } = await stat(path);
  const base = {
    time: isoWithOffset(now),
    source: REPAIR_SOURCE,
    file: basename(path),
    sha256,
    size,
  };
  const till = findTill(central.config, folder);
  let archive: OpenedArchive | undefined;
  let problem: string;
  try {
    if (till === undefined) throw new Error(`no till '${folder}' is registered`);
    archive = await openArchive(path, { limits: central.config.limits });
    const manifest = archive.manifest?.value;
    if (manifest !== undefined && manifest.till.toUpperCase() !== till.ref.toUpperCase())
      throw new Error(`the archive comes from till ${manifest.till}, not ${till.ref}`);
    checkTrust(till, archive, undefined);
    return {
      ...base,
      till: till.ref,
      sequence: manifest?.sequence ?? null,
      outcome: "accepted",
      code: null,
      reason: "journaled again by 'caisse-central journal repair': its entry was lost",
      stored,
      gap: null,
      manifest: archive.manifest === undefined ? null : sha256Hex(archive.manifest.bytes),
    };
  } catch (error) {
    if (isCaisseError(error) && error.errorClass !== "rejected") throw error;
    problem = error instanceof Error ? error.message : String(error);
  } finally {
    await archive?.close();
  }
  return {
    ...base,
    till: null,
    sequence: null,
    outcome: "rejected",
    code: "E_JOURNAL_DAMAGED",
    reason: `found under archives/ by 'caisse-central journal repair' and not trusted: ${problem}`,
    stored,
    gap: null,
    manifest: null,
  };
}

/** A name beside the journal no earlier repair used. */
async function freeName(root: string, stem: string, extension: string): Promise<string> {
  for (let index = 1; ; index++) {
    const name = `${stem}${index === 1 ? "" : `-${index}`}${extension}`;
    const taken = await stat(join(root, name)).then(
      () => true,
      (error: unknown) => {
        if (systemErrorCode(error) === "ENOENT") return false;
        throw ioError("look at", join(root, name), error);
      },
    );
    if (!taken) return name;
  }
}

/** Copies `from` to `to`, never over an existing file; false when there is no `from`. */
async function keepCopy(from: string, to: string): Promise<boolean> {
  try {
    await copyFile(from, to, constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return false;
    throw ioError(`keep a copy of ${from} as`, to, error);
  }
}

async function repair(central: Central, now: Date, dryRun: boolean): Promise<RepairReport> {
  const { paths } = central;
  const verification = await verifyJournal(paths.journal, paths.archives);
  const report: RepairReport = {
    dryRun,
    problems: verification.problems,
    kept: verification.entries,
    notKept: 0,
    recovered: [],
    unrecovered: [],
    damagedCopy: null,
    damagedHead: null,
    journaled: [],
  };
  if (verification.problems.length === 0) return report;

  const text = await readJournalText(paths.journal);
  const { lines } = committedLines(text);
  const head = await readHead(paths.journal);
  report.kept = trustedPrefix(lines, head);
  report.notKept = lines.length - report.kept;
  const keptLines = lines.slice(0, report.kept);
  const named = new Set<string>();
  for (const line of keptLines) {
    const { stored } = JSON.parse(line) as JournalEntry;
    if (typeof stored === "string") named.add(stored.toLowerCase());
  }

  const found: JournalRecord[] = [];
  for (const folder of await listFolder(paths.archives)) {
    if (!folder.isDirectory()) continue;
    for (const file of await listFolder(join(paths.archives, folder.name))) {
      // As the check sees them (archiveProblems): files, not the temporary ones.
      const stored = `${basename(paths.archives)}/${folder.name}/${file.name}`;
      if (named.has(stored.toLowerCase()) || file.name.startsWith(".") || !file.isFile()) continue;
      found.push(
        await recoverArchive(
          central,
          folder.name,
          join(paths.archives, folder.name, file.name),
          stored,
          now,
        ),
      );
    }
  }
  // In the order the till made them, so that the journal reads as if they had come in order;
  // the files not trusted after them.
  found.sort(
    (a, b) =>
      Number(a.till === null) - Number(b.till === null) ||
      (a.till ?? "").localeCompare(b.till ?? "") ||
      (a.sequence ?? Number.MAX_SAFE_INTEGER) - (b.sequence ?? Number.MAX_SAFE_INTEGER) ||
      (a.stored ?? "").localeCompare(b.stored ?? ""),
  );
  for (const record of found) {
    if (record.outcome === "accepted" && record.till !== null)
      report.recovered.push({
        stored: record.stored ?? "",
        till: record.till,
        sequence: record.sequence,
      });
    else report.unrecovered.push({ stored: record.stored ?? "", reason: record.reason ?? "" });
  }

  const stamp = compactLocalTime(now);
  const copyName =
    text === "" ? null : await freeName(paths.root, `journal.damaged-${stamp}`, ".jsonl");
  const headName =
    head === undefined
      ? null
      : await freeName(paths.root, `journal.damaged-${stamp}`, ".head.json");
  report.damagedCopy = copyName;
  report.damagedHead = headName;

  const time = isoWithOffset(now);
  const event = (code: JournalRecord["code"], reason: string): JournalRecord => ({
    time,
    source: REPAIR_SOURCE,
    file: basename(paths.journal),
    till: null,
    sequence: null,
    sha256: sha256Hex(text),
    size: Buffer.byteLength(text),
    outcome: "repair",
    code,
    reason,
    stored: copyName,
    gap: null,
    manifest: null,
  });
  const damage = event(
    "E_JOURNAL_DAMAGED",
    `the journal did not hold: ${firstFew(describeProblems(verification.problems), "; ")}`,
  );
  const done = event(
    null,
    `repaired: kept entries 1 to ${report.kept} as they were; ${report.notKept} later line(s) not carried over; ` +
      `${report.recovered.length} archive(s) journaled again from archives/; ${report.unrecovered.length} file(s) under archives/ not trusted; ` +
      `damaged journal kept as ${copyName ?? "(there was none)"}`,
  );

  let previous = keptLines.length === 0 ? GENESIS : sha256Hex(keptLines.at(-1) ?? "");
  const written = [...keptLines.map((line) => `${line}\n`)];
  for (const record of [damage, ...found, done]) {
    const { entry, line } = chained(written.length + 1, record, previous);
    if (record.outcome === "repair") report.journaled.push(entry.n);
    written.push(line);
    previous = sha256Hex(line.slice(0, -1));
  }
  if (dryRun) return report;

  if (copyName !== null) await keepCopy(paths.journal, join(paths.root, copyName));
  if (headName !== null) await keepCopy(journalHeadPath(paths.journal), join(paths.root, headName));
  const last = written.at(-1) ?? "";
  await writeFileAtomic(paths.journal, written.join(""));
  await writeHead(paths.journal, written.length, last.slice(0, -1));
  return report;
}

/** Repairs the journal under the central lock; a dry run takes no lock and changes nothing. */
export async function repairJournal(
  central: Central,
  now: Date,
  dryRun: boolean,
): Promise<RepairReport> {
  if (dryRun) return repair(central, now, true);
  try {
    await mkdir(central.paths.work, { recursive: true });
  } catch (error) {
    throw ioError("create the folder", central.paths.work, error);
  }
  return withLock(central.paths.lock, "caisse-central journal repair", () =>
    repair(central, now, false),
  );
}

import { counted, oneLine } from "@caisse/core";
import { terminalTable } from "@caisse/cli";
import { type JournalEntry } from "../journal.js";
import { describeProblems, type JournalVerification } from "../journalCheck.js";
import type { RepairReport } from "../repair.js";

export function renderJournalTable(
  entries: readonly JournalEntry[],
  options: { color: boolean },
): string {
  if (entries.length === 0) return "the journal is empty: no archive received yet";
  const rows = entries.map((entry) => [
    String(entry.n),
    entry.time,
    oneLine(entry.source),
    entry.till ?? "?",
    entry.sequence === null ? "-" : String(entry.sequence),
    entry.outcome,
    oneLine(entry.file),
    oneLine(entry.code === null ? "" : `${entry.code}: ${entry.reason ?? ""}`),
  ]);
  return terminalTable(
    ["#", "Time", "Source", "Till", "Seq", "Outcome", "Archive", "Reason"],
    rows,
    options,
  );
}

export function renderJournalJson(entries: readonly JournalEntry[]): string {
  return JSON.stringify(entries, null, 2);
}

export function renderVerification(verification: JournalVerification): string {
  const lines = describeProblems(verification.problems);
  if (verification.interruptedTail)
    lines.push(
      "the last line is incomplete (a write interrupted by a crash); it is cut at the next import",
    );
  lines.push(
    verification.problems.length === 0
      ? `journal intact: ${counted(verification.entries, "entry", "entries")}, hash chain verified`
      : `journal ALTERED: ${counted(verification.problems.length, "problem")} in ${counted(verification.entries, "entry", "entries")}`,
  );
  return lines.join("\n");
}

/** What `journal repair` did (or would do), line by line. */
export function renderRepair(report: RepairReport): string {
  if (report.problems.length === 0) return "journal intact: nothing to repair";
  const would = (done: string, planned: string): string => (report.dryRun ? planned : done);
  const lines = [
    "the journal did not hold:",
    ...describeProblems(report.problems).map((problem) => `  ${oneLine(problem)}`),
    report.kept === 0
      ? `${would("kept", "would keep")}: no entry (none could be trusted)`
      : `${would("kept", "would keep")}: entries 1 to ${report.kept}, as they were`,
  ];
  if (report.notKept > 0) {
    lines.push(
      `${would("not carried over", "would not carry over")}: ${counted(report.notKept, "later line")} (they stay in the damaged copy; accepted archives among them come back from archives/)`,
    );
  }
  lines.push(
    `${would("journaled again from archives/", "would journal again from archives/")}: ${counted(report.recovered.length, "archive")}`,
    ...report.recovered.map(
      (archive) =>
        `  ${archive.till} ${archive.sequence === null ? "(legacy)" : `#${archive.sequence}`}  ${oneLine(archive.stored)}`,
    ),
  );
  if (report.unrecovered.length > 0) {
    lines.push(
      `could not be recovered (${would("journaled as rejected", "would be journaled as rejected")}, left where they are): ${report.unrecovered.length}`,
      ...report.unrecovered.map((file) => `  ${oneLine(file.stored)}: ${oneLine(file.reason)}`),
    );
  }
  if (report.damagedCopy !== null)
    lines.push(
      `${would("damaged journal kept as", "would keep the damaged journal as")} ${report.damagedCopy}`,
    );
  if (report.damagedHead !== null)
    lines.push(
      `${would("its head record kept as", "would keep its head record as")} ${report.damagedHead}`,
    );
  lines.push(
    `${would("journaled", "would journal")}: the damage (entry ${report.journaled[0] ?? "?"}) and the repair (entry ${report.journaled[1] ?? "?"})`,
  );
  if (report.dryRun) lines.push("dry run: nothing was changed");
  return lines.join("\n");
}

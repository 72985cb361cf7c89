import { counted, oneLine } from "@caisse/core";
import { terminalTable } from "@caisse/cli";
import type { JournalEntry, JournalVerification } from "../journal.js";

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
  const lines = verification.problems.map((problem) => `line ${problem.line}: ${problem.problem}`);
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

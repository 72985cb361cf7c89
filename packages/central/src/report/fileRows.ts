import {
  isCaisseError,
  readCsv,
  type CsvIssue,
  type FileKind,
  type RowOf,
  type WalkedFile,
} from "@caisse/core";
import type { Place } from "./place.js";

function issueWarning(owner: string, issue: CsvIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file} line ${issue.line}`;
  return `${owner} ${where}: ${issue.reason}`;
}

/** Up to this many invalid rows of a file are listed one per line; more are summarised. */
export const LISTED_ISSUES = 3;

/**
 * The invalid rows of one file, in bounded memory however many there are: the first ones whole
 * (listed one per line when they are all there is), a count, and per kind of problem (its error
 * code) a count and its first reason, for the summary line.
 */
export class FileIssues {
  count = 0;
  private readonly first: CsvIssue[] = [];
  private readonly byCode = new Map<string, { count: number; reason: string }>();

  add(issue: CsvIssue): void {
    this.count++;
    if (this.first.length < LISTED_ISSUES) this.first.push(issue);
    const kind = this.byCode.get(issue.code);
    if (kind === undefined) this.byCode.set(issue.code, { count: 1, reason: issue.reason });
    else kind.count++;
  }

  /**
   * One warning per invalid row when there are at most LISTED_ISSUES of them; else one line:
   * `D02 ventes.csv: 1234 invalid rows left out (lines 17, 18, 40, ...; most: invalid amount ...)`.
   */
  warnings(owner: string, file: string): string[] {
    if (this.count <= LISTED_ISSUES) return this.first.map((issue) => issueWarning(owner, issue));
    let most: { count: number; reason: string } | undefined;
    for (const kind of this.byCode.values())
      if (most === undefined || kind.count > most.count) most = kind;
    const lines = this.first.map((issue) => issue.line).filter((line) => line !== undefined);
    const where = lines.length === 0 ? "" : `lines ${lines.join(", ")}, ...; `;
    return [
      `${owner} ${file}: ${this.count} invalid rows left out (${where}most: ${most?.reason ?? ""})`,
    ];
  }
}

/**
 * Reads one file to its end, giving each row to `take`, and warns about its invalid rows. Returns
 * them (their count), or undefined when the file could not be read whole (E_CSV_UNREADABLE,
 * possibly after some rows): the caller then drops what `take` gathered, and the file is reported
 * as left out instead of its rows' warnings.
 */
export async function readWhole<K extends FileKind>(
  place: Place,
  file: WalkedFile,
  kind: K,
  take: (row: RowOf[K]) => void,
  warnings: string[],
): Promise<FileIssues | undefined> {
  const issues = new FileIssues();
  try {
    const items = readCsv(file.absolute, kind, {
      displayName: file.relative,
      encoding: place.encoding,
      columns: place.columns,
    });
    for await (const item of items) {
      if (item.type === "row") take(item.row);
      else issues.add(item.issue);
    }
  } catch (error) {
    if (!isCaisseError(error, "E_CSV_UNREADABLE")) throw error;
    warnings.push(`${place.owner} ${error.message}; file left out`);
    return undefined;
  }
  warnings.push(...issues.warnings(place.owner, file.relative));
  return issues;
}

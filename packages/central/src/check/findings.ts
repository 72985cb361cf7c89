/** What `check` can find (see docs/monitor.md#check). */
export const FINDING_KINDS = [
  "unreadable-file",
  "invalid-rows",
  "duplicate-tickets",
  "family-differs",
  "label-differs",
  "unknown-family",
  "not-in-catalogue",
  "closure-mismatch",
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

/** One thing `check` found, and what to do about it. */
export interface Finding {
  kind: FindingKind;
  /** The till it was found at; `catalog` for the central's catalogue; null across tills. */
  till: string | null;
  /** The file, relative to the till's directory (or to `catalog/`), when there is one. */
  file: string | null;
  /** The 1-based line, when there is one. */
  line: number | null;
  /** What was found, on one line. */
  message: string;
  /** What to do about it. */
  todo: string;
  /** How many rows, lines or codes it stands for, when more than one. */
  count?: number;
}

/** Up to this many findings of one kind at one till are listed; the rest are summed in one. */
export const LISTED_FINDINGS = 20;

/**
 * The findings of a run, in bounded memory however many there are: per kind and till, the first
 * LISTED_FINDINGS whole, and then a count, given as one more finding that says how many more.
 */
export class Findings {
  private readonly listed: Finding[] = [];
  private readonly overflow = new Map<
    string,
    { kind: FindingKind; till: string | null; count: number; todo: string }
  >();
  private readonly perGroup = new Map<string, number>();
  /** Every finding counted, listed or not, per kind. */
  readonly counts = new Map<FindingKind, number>();

  add(finding: Finding): void {
    this.counts.set(finding.kind, (this.counts.get(finding.kind) ?? 0) + 1);
    const group = `${finding.kind}\u0000${finding.till ?? ""}`;
    const seen = this.perGroup.get(group) ?? 0;
    this.perGroup.set(group, seen + 1);
    if (seen < LISTED_FINDINGS) {
      this.listed.push(finding);
      return;
    }
    const more = this.overflow.get(group);
    if (more === undefined) {
      this.overflow.set(group, {
        kind: finding.kind,
        till: finding.till,
        count: 1,
        todo: finding.todo,
      });
    } else more.count++;
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  /** The findings listed, then one summary per group that had more. */
  list(): Finding[] {
    const summaries = [...this.overflow.values()].map((more): Finding => ({
      kind: more.kind,
      till: more.till,
      file: null,
      line: null,
      message: `and ${more.count} more ${more.kind} finding${more.count === 1 ? "" : "s"}${more.till === null ? "" : ` at ${more.till}`}, like the ones above`,
      todo: more.todo,
      count: more.count,
    }));
    return [...this.listed, ...summaries];
  }
}

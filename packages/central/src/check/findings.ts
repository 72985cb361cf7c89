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

/** A value and the tills that have it: `'EPI' at D01, D02`. */
export type ValueAt = readonly [value: string, tills: readonly string[]];

/**
 * The facts of a finding, one shape per `code`: what its message is made of, in any language
 * (see check/words.ts). Codes are stable; a kind has one or more of them.
 */
export type What =
  | { code: "file-unreadable"; reason: string; hint: string | null }
  | { code: "file-link" }
  | { code: "file-special" }
  | { code: "invalid-row"; reason: string }
  | { code: "invalid-rows"; rows: number; lines: readonly number[]; most: string }
  | {
      code: "duplicate-tickets";
      tickets: number;
      file: string;
      first: string;
      ticket: string;
      day: string;
    }
  | {
      code: "family-differs-catalogue";
      article: string;
      here: string | null;
      catalogue: string | null;
    }
  | {
      code: "sold-family-differs-catalogue";
      article: string;
      family: string;
      rows: number;
      catalogue: string | null;
    }
  | {
      code: "sold-in-several-families";
      article: string;
      families: readonly string[];
      family: string;
      rows: number;
    }
  | {
      code: "sold-family-differs-articles";
      article: string;
      family: string;
      rows: number;
      expected: string;
      file: string | null;
    }
  | { code: "family-differs-tills"; article: string; values: readonly ValueAt[] }
  | { code: "label-differs-catalogue"; article: string; here: string; catalogue: string }
  | { code: "label-differs-tills"; article: string; values: readonly ValueAt[] }
  | {
      code: "unknown-family";
      family: string;
      rows: number;
      reference: "catalogue" | "till";
    }
  | { code: "not-in-catalogue"; article: string; rows: number }
  | { code: "closure-mismatch"; day: string; closure: number; lines: number }
  | { code: "more"; kind: FindingKind; findings: number; till: string | null; like: What };

export type FindingCode = What["code"];

/** The kind of each code: what `counts` and the text's `[kind]` group them by. */
export const KIND_OF_CODE: Readonly<Record<Exclude<FindingCode, "more">, FindingKind>> = {
  "file-unreadable": "unreadable-file",
  "file-link": "unreadable-file",
  "file-special": "unreadable-file",
  "invalid-row": "invalid-rows",
  "invalid-rows": "invalid-rows",
  "duplicate-tickets": "duplicate-tickets",
  "family-differs-catalogue": "family-differs",
  "sold-family-differs-catalogue": "family-differs",
  "sold-in-several-families": "family-differs",
  "sold-family-differs-articles": "family-differs",
  "family-differs-tills": "family-differs",
  "label-differs-catalogue": "label-differs",
  "label-differs-tills": "label-differs",
  "unknown-family": "unknown-family",
  "not-in-catalogue": "not-in-catalogue",
  "closure-mismatch": "closure-mismatch",
};

/** One thing `check` found: where, and its facts; check/words.ts says it in words. */
export interface Found {
  kind: FindingKind;
  /** The till it was found at; `catalog` for the central's catalogue; null across tills. */
  till: string | null;
  /** The file, relative to the till's directory (or to `catalog/`), when there is one. */
  file: string | null;
  /** The 1-based line, when there is one. */
  line: number | null;
  /** How many rows, lines or codes it stands for, when more than one. */
  count?: number;
  what: What;
}

/** A finding as it is added: its kind follows from its code; `more` is made by {@link Findings}. */
export type NewFinding = Omit<Found, "kind" | "what"> & { what: Exclude<What, { code: "more" }> };

/**
 * One finding as the JSON gives it (see docs/monitor.md#check): `kind` and `code` are stable;
 * `message` and `todo` are in English whatever the language of the run.
 */
export interface Finding {
  kind: FindingKind;
  code: FindingCode;
  till: string | null;
  file: string | null;
  line: number | null;
  /** What was found, on one line. */
  message: string;
  /** What to do about it. */
  todo: string;
  count?: number;
}

/** Up to this many findings of one kind at one till are listed; the rest are summed in one. */
export const LISTED_FINDINGS = 20;

/**
 * The findings of a run, in bounded memory however many there are: per kind and till, the first
 * LISTED_FINDINGS whole, and then a count, given as one more finding that says how many more.
 */
export class Findings {
  private readonly listed: Found[] = [];
  private readonly overflow = new Map<
    string,
    { kind: FindingKind; till: string | null; count: number; like: What }
  >();
  private readonly perGroup = new Map<string, number>();
  /** Every finding counted, listed or not, per kind. */
  readonly counts = new Map<FindingKind, number>();

  /** Adds a finding; its kind is its code's. */
  add(found: NewFinding): void {
    const kind = KIND_OF_CODE[found.what.code];
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const group = `${kind}\u0000${found.till ?? ""}`;
    const seen = this.perGroup.get(group) ?? 0;
    this.perGroup.set(group, seen + 1);
    if (seen < LISTED_FINDINGS) {
      this.listed.push({ kind, ...found });
      return;
    }
    const more = this.overflow.get(group);
    if (more === undefined) {
      this.overflow.set(group, { kind, till: found.till, count: 1, like: found.what });
    } else more.count++;
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  /** The findings listed, then one summary per group that had more. */
  list(): Found[] {
    const summaries = [...this.overflow.values()].map((more): Found => ({
      kind: more.kind,
      till: more.till,
      file: null,
      line: null,
      count: more.count,
      what: {
        code: "more",
        kind: more.kind,
        findings: more.count,
        till: more.till,
        like: more.like,
      },
    }));
    return [...this.listed, ...summaries];
  }
}

import {
  addCents,
  dateOf,
  fileKindOf,
  isCaisseError,
  readCsv,
  walkFiles,
  ZERO_CENTS,
  type Cents,
  type CsvIssue,
  type FileKind,
  type LocalDate,
  type RowOf,
  type WalkedFile,
} from "@caisse/core";
import type { Findings, NewFinding } from "./findings.js";

/** A folder of till files: a till's directory, or the central's catalogue. */
export interface Place {
  /** The till ref, or `catalog`. */
  owner: string;
  dir: string;
  encoding?: string | undefined;
  columns?: Readonly<Record<string, string>> | undefined;
}

/** Where something was first seen. */
export interface Seen {
  file: string;
  line: number;
}

/** What a reference file (articles, families) says of a code, and where. */
export interface Entry extends Seen {
  label: string;
  family?: string;
}

/** How a code is used in the sales lines: where first, and on how many lines. */
export interface Use extends Seen {
  count: number;
}

/** Everything `check` compares, gathered from one place's files. */
export interface PlaceData {
  owner: string;
  /** The kinds of which at least one file was read whole: whether there is a reference. */
  kinds: Set<FileKind>;
  /** From `articles*.csv`: article code -> its label and family. */
  articles: Map<string, Entry>;
  /** From `familles*.csv`: family code -> its label. */
  families: Map<string, Entry>;
  /** From the sales lines: article code -> family code -> where it is first sold so. */
  sold: Map<string, Map<string, Use>>;
  /** From the sales lines: family code -> where it is first used. */
  familiesSold: Map<string, Use>;
  /** The TTC of each day's lines, each ticket counted from one file only. */
  dayTotals: Map<LocalDate, Cents>;
  /** The Z closures, one per day and number (a copy of a closure counts once). */
  closures: {
    date: LocalDate;
    total: Cents;
    number: string | undefined;
    file: string;
    line: number;
  }[];
}

const INVALID_LISTED = 3;

function invalidRowsFinding(
  owner: string,
  file: string,
  issues: readonly CsvIssue[],
  count: number,
  most: string,
): NewFinding {
  const first = issues[0];
  const lines = issues.map((issue) => issue.line).filter((line) => line !== undefined);
  const what: NewFinding["what"] =
    count === 1
      ? { code: "invalid-row", reason: first?.reason ?? most }
      : { code: "invalid-rows", rows: count, lines, most };
  return {
    till: owner,
    file,
    line: first?.line ?? null,
    what,
    ...(count > 1 ? { count } : {}),
  };
}

/**
 * Reads one file to its end, giving each row to `take` with its line. Invalid rows make one
 * finding for the file; a file that cannot be read whole makes an `unreadable-file` finding and
 * returns false: the caller then drops what `take` gathered from it.
 */
async function readFile<K extends FileKind>(
  place: Place,
  file: WalkedFile,
  kind: K,
  take: (row: RowOf[K], line: number) => void,
  findings: Findings,
): Promise<boolean> {
  const first: CsvIssue[] = [];
  const byReason = new Map<string, { count: number; reason: string }>();
  let count = 0;
  try {
    for await (const item of readCsv(file.absolute, kind, {
      displayName: file.relative,
      encoding: place.encoding,
      columns: place.columns,
    })) {
      if (item.type === "row") {
        take(item.row, item.line);
        continue;
      }
      count++;
      if (first.length < INVALID_LISTED) first.push(item.issue);
      const seen = byReason.get(item.issue.code);
      if (seen === undefined)
        byReason.set(item.issue.code, { count: 1, reason: item.issue.reason });
      else seen.count++;
    }
  } catch (error) {
    if (!isCaisseError(error, "E_CSV_UNREADABLE")) throw error;
    const line = (error.details as { line?: number } | undefined)?.line;
    findings.add({
      till: place.owner,
      file: file.relative,
      line: line ?? null,
      what: { code: "file-unreadable", reason: error.message, hint: error.hint ?? null },
    });
    return false;
  }
  if (count > 0) {
    let most = "";
    let mostCount = 0;
    for (const seen of byReason.values()) {
      if (seen.count > mostCount) {
        mostCount = seen.count;
        most = seen.reason;
      }
    }
    findings.add(invalidRowsFinding(place.owner, file.relative, first, count, most));
  }
  return true;
}

function use(map: Map<string, Use>, key: string, file: string, line: number): void {
  const found = map.get(key);
  if (found === undefined) map.set(key, { file, line, count: 1 });
  else found.count++;
}

/** One till's sales, file after file: which file each ticket of a day is counted from. */
class SalesReader {
  private readonly owners = new Map<string, Map<string, number>>();
  private readonly files: string[] = [];

  constructor(
    private readonly place: Place,
    private readonly data: PlaceData,
    private readonly findings: Findings,
  ) {}

  async read(file: WalkedFile): Promise<void> {
    const index = this.files.push(file.relative) - 1;
    const sold = new Map<string, Map<string, Use>>();
    const families = new Map<string, Use>();
    const totals = new Map<LocalDate, Cents>();
    const claimed: [string, string][] = [];
    /** Earlier file index -> tickets of this file it already gave, and the first such line. */
    const copies = new Map<number, { count: number; line: number; ticket: string; day: string }>();
    const counted = new Set<string>();
    const whole = await readFile(
      this.place,
      file,
      "ventes",
      (row, line) => {
        const day = dateOf(row.at);
        let tickets = this.owners.get(day);
        if (tickets === undefined) {
          tickets = new Map();
          this.owners.set(day, tickets);
        }
        const owner = tickets.get(row.ticket);
        if (owner === undefined) {
          tickets.set(row.ticket, index);
          claimed.push([day, row.ticket]);
        } else if (owner !== index) {
          const key = `${day}\u0000${row.ticket}`;
          if (!counted.has(key)) {
            counted.add(key);
            const copy = copies.get(owner);
            if (copy === undefined) copies.set(owner, { count: 1, line, ticket: row.ticket, day });
            else copy.count++;
          }
          return;
        }
        let byFamily = sold.get(row.article);
        if (byFamily === undefined) {
          byFamily = new Map();
          sold.set(row.article, byFamily);
        }
        use(byFamily, row.family, file.relative, line);
        use(families, row.family, file.relative, line);
        totals.set(day, addCents(totals.get(day) ?? ZERO_CENTS, row.ttc));
      },
      this.findings,
    );
    if (!whole) {
      for (const [day, ticket] of claimed) this.owners.get(day)?.delete(ticket);
      return;
    }
    for (const [article, byFamily] of sold) {
      const into = this.data.sold.get(article) ?? new Map<string, Use>();
      this.data.sold.set(article, into);
      for (const [family, found] of byFamily) merge(into, family, found);
    }
    for (const [family, found] of families) merge(this.data.familiesSold, family, found);
    for (const [day, ttc] of totals) {
      this.data.dayTotals.set(day, addCents(this.data.dayTotals.get(day) ?? ZERO_CENTS, ttc));
    }
    for (const [owner, copy] of [...copies].sort(([a], [b]) => a - b)) {
      this.findings.add({
        till: this.place.owner,
        file: file.relative,
        line: copy.line,
        what: {
          code: "duplicate-tickets",
          tickets: copy.count,
          file: file.relative,
          first: this.files[owner] ?? "?",
          ticket: copy.ticket,
          day: copy.day,
        },
        count: copy.count,
      });
    }
  }
}

function merge(into: Map<string, Use>, key: string, found: Use): void {
  const current = into.get(key);
  if (current === undefined) into.set(key, { ...found });
  else current.count += found.count;
}

/** Reads every till file below a place, by kind, in name order; links are never followed. */
export async function readPlace(place: Place, findings: Findings): Promise<PlaceData> {
  const data: PlaceData = {
    owner: place.owner,
    kinds: new Set(),
    articles: new Map(),
    families: new Map(),
    sold: new Map(),
    familiesSold: new Map(),
    dayTotals: new Map(),
    closures: [],
  };
  const byKind = new Map<FileKind, WalkedFile[]>();
  const skipped = (entry: { relative: string; reason: "link" | "special" }): void => {
    if (fileKindOf(entry.relative) === undefined) return;
    findings.add({
      till: place.owner,
      file: entry.relative,
      line: null,
      what: { code: entry.reason === "link" ? "file-link" : "file-special" },
    });
  };
  for await (const file of walkFiles(place.dir, skipped)) {
    const kind = fileKindOf(file.relative);
    if (kind === undefined) continue;
    const files = byKind.get(kind) ?? [];
    files.push(file);
    byKind.set(kind, files);
  }
  const sales = new SalesReader(place, data, findings);
  for (const file of byKind.get("ventes") ?? []) await sales.read(file);
  for (const file of byKind.get("reglements") ?? []) {
    await readFile(place, file, "reglements", () => undefined, findings);
  }
  for (const file of byKind.get("articles") ?? []) {
    const found = new Map<string, Entry>();
    const take = (row: RowOf["articles"], line: number): void => {
      if (!found.has(row.article)) {
        found.set(row.article, { label: row.label, family: row.family, file: file.relative, line });
      }
    };
    if (await readFile(place, file, "articles", take, findings)) {
      data.kinds.add("articles");
      for (const [code, entry] of found)
        if (!data.articles.has(code)) data.articles.set(code, entry);
    }
  }
  for (const file of byKind.get("familles") ?? []) {
    const found = new Map<string, Entry>();
    const take = (row: RowOf["familles"], line: number): void => {
      if (!found.has(row.family))
        found.set(row.family, { label: row.label, file: file.relative, line });
    };
    if (await readFile(place, file, "familles", take, findings)) {
      data.kinds.add("familles");
      for (const [code, entry] of found)
        if (!data.families.has(code)) data.families.set(code, entry);
    }
  }
  const closures = new Set<string>();
  for (const file of byKind.get("clotures") ?? []) {
    const found: PlaceData["closures"] = [];
    const take = (row: RowOf["clotures"], line: number): void => {
      found.push({
        date: row.date,
        total: row.total,
        number: row.number,
        file: file.relative,
        line,
      });
    };
    if (!(await readFile(place, file, "clotures", take, findings))) continue;
    for (const closure of found) {
      // The same closure in two files (a copy) counts once.
      const key = `${closure.date}\u0000${closure.number ?? ""}\u0000${closure.total}`;
      if (closures.has(key)) continue;
      closures.add(key);
      data.closures.push(closure);
    }
  }
  return data;
}

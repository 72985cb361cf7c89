import { formatMoney, type Cents, type LocalDate } from "@caisse/core";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { currentFolder } from "../swap.js";
import { FINDING_KINDS, Findings, type Finding, type FindingKind } from "./findings.js";
import { readPlace, type Entry, type PlaceData, type Use } from "./read.js";
import { folderAt } from "@caisse/core";

/** What `check` found: the findings listed (bounded), and how many of each kind in all. */
export interface CheckResult {
  findings: Finding[];
  counts: Record<FindingKind, number>;
  total: number;
}

const money = (amount: Cents): string => formatMoney(amount, "en");

/** Labels that differ only in case or spacing are the same label. */
function sameLabel(a: string, b: string): boolean {
  const plain = (text: string): string => text.trim().replace(/\s+/gu, " ").toLowerCase();
  return plain(a) === plain(b);
}

const lines = (count: number): string => `${count} line${count === 1 ? "" : "s"}`;

const FIX_CATALOGUE =
  "correct the article in the till software to match catalog/articles.csv (or correct the catalogue), then send a new archive";

/** Against the central's catalogue: families and labels of articles, unknown codes. */
function againstCatalogue(till: PlaceData, catalogue: PlaceData, findings: Findings): void {
  const hasArticles = catalogue.kinds.has("articles");
  for (const [code, entry] of till.articles) {
    const reference = catalogue.articles.get(code);
    if (reference === undefined) continue;
    if (entry.family !== reference.family) {
      findings.add({
        kind: "family-differs",
        till: till.owner,
        file: entry.file,
        line: entry.line,
        message: `article ${code} is in family ${entry.family ?? "?"} here but in ${reference.family ?? "?"} in the catalogue`,
        todo: FIX_CATALOGUE,
      });
    }
    if (!sameLabel(entry.label, reference.label)) {
      findings.add({
        kind: "label-differs",
        till: till.owner,
        file: entry.file,
        line: entry.line,
        message: `article ${code} is '${entry.label}' here but '${reference.label}' in the catalogue`,
        todo: FIX_CATALOGUE,
      });
    }
  }
  for (const [code, byFamily] of till.sold) {
    const reference = catalogue.articles.get(code);
    if (reference === undefined) {
      if (!hasArticles) continue;
      const first = firstUse(byFamily);
      findings.add({
        kind: "not-in-catalogue",
        till: till.owner,
        file: first.file,
        line: first.line,
        message: `article ${code} is sold (${lines(totalUses(byFamily))}) but is not in the catalogue`,
        todo: "add the article to catalog/articles.csv, or correct its code in the till software",
        count: totalUses(byFamily),
      });
      continue;
    }
    for (const [family, found] of byFamily) {
      if (family === reference.family) continue;
      findings.add({
        kind: "family-differs",
        till: till.owner,
        file: found.file,
        line: found.line,
        message: `article ${code} is sold in family ${family} (${lines(found.count)}) but is in ${reference.family ?? "?"} in the catalogue`,
        todo: FIX_CATALOGUE,
        count: found.count,
      });
    }
  }
}

function firstUse(uses: ReadonlyMap<string, Use>): Use {
  return [...uses.values()][0] ?? { file: "?", line: 0, count: 0 };
}

function totalUses(uses: ReadonlyMap<string, Use>): number {
  let total = 0;
  for (const found of uses.values()) total += found.count;
  return total;
}

/**
 * Without a catalogue: each till against itself (an article sold in another family than its own
 * articles file says, or in several), then the tills against each other (an article with
 * different families or labels at different tills).
 */
function acrossTills(tills: readonly PlaceData[], findings: Findings): void {
  const families = new Map<string, Map<string, string[]>>();
  const labels = new Map<string, Map<string, string[]>>();
  const note = (
    into: Map<string, Map<string, string[]>>,
    code: string,
    value: string,
    till: string,
  ): void => {
    const values = into.get(code) ?? new Map<string, string[]>();
    into.set(code, values);
    const found = [...values.keys()].find((known) =>
      into === labels ? sameLabel(known, value) : known === value,
    );
    const key = found ?? value;
    const refs = values.get(key) ?? [];
    if (!refs.includes(till)) refs.push(till);
    values.set(key, refs);
  };
  for (const till of tills) {
    for (const [code, byFamily] of till.sold) {
      const own: Entry | undefined = till.articles.get(code);
      const expected = own?.family ?? (byFamily.size > 1 ? undefined : [...byFamily.keys()][0]);
      if (own !== undefined || byFamily.size > 1) {
        for (const [family, found] of byFamily) {
          if (family === expected) continue;
          findings.add({
            kind: "family-differs",
            till: till.owner,
            file: found.file,
            line: found.line,
            message:
              expected === undefined
                ? `article ${code} is sold in several families here (${[...byFamily.keys()].join(", ")}); ${family} from this line on ${lines(found.count)}`
                : `article ${code} is sold in family ${family} (${lines(found.count)}) but is in ${expected} in ${own?.file ?? "?"}`,
            todo: "give the article one family in the till software, then send a new archive",
            count: found.count,
          });
        }
      }
      const family = expected ?? [...byFamily.keys()][0];
      if (family !== undefined) note(families, code, family, till.owner);
    }
    for (const [code, entry] of till.articles) {
      if (!till.sold.has(code) && entry.family !== undefined)
        note(families, code, entry.family, till.owner);
      note(labels, code, entry.label, till.owner);
    }
  }
  const describe = (values: Map<string, string[]>): string =>
    [...values].map(([value, refs]) => `'${value}' at ${refs.join(", ")}`).join(", ");
  for (const [code, values] of families) {
    if (values.size < 2) continue;
    findings.add({
      kind: "family-differs",
      till: null,
      file: null,
      line: null,
      message: `article ${code} has different families at different tills: ${describe(values)}`,
      todo: "give the article the same family at every till, or put the reference in catalog/articles.csv",
    });
  }
  for (const [code, values] of labels) {
    if (values.size < 2) continue;
    findings.add({
      kind: "label-differs",
      till: null,
      file: null,
      line: null,
      message: `article ${code} has different labels at different tills: ${describe(values)}`,
      todo: "give the article the same label at every till, or put the reference in catalog/articles.csv",
    });
  }
}

/** Family codes used at a till (sold, or in its articles) that the reference families lack. */
function unknownFamilies(
  till: PlaceData,
  catalogue: PlaceData | undefined,
  findings: Findings,
): void {
  const reference =
    catalogue?.kinds.has("familles") === true
      ? catalogue
      : till.kinds.has("familles")
        ? till
        : undefined;
  if (reference === undefined) return;
  const where = reference.owner === "catalog" ? "catalog/familles.csv" : "the till's familles file";
  const used = new Map<string, Use>(till.familiesSold);
  for (const entry of till.articles.values()) {
    if (entry.family !== undefined && !used.has(entry.family))
      used.set(entry.family, { file: entry.file, line: entry.line, count: 1 });
  }
  for (const [family, found] of used) {
    if (reference.families.has(family)) continue;
    findings.add({
      kind: "unknown-family",
      till: till.owner,
      file: found.file,
      line: found.line,
      message: `family ${family} (${lines(found.count)}) is not in ${where}`,
      todo: `add the family to ${where}, or correct the code in the till software`,
      count: found.count,
    });
  }
}

/** Each day's Z closure total against the sum of that day's lines. */
function closures(till: PlaceData, findings: Findings): void {
  const byDay = new Map<LocalDate, { total: Cents; file: string; line: number; count: number }>();
  for (const closure of till.closures) {
    const day = byDay.get(closure.date);
    if (day === undefined)
      byDay.set(closure.date, {
        total: closure.total,
        file: closure.file,
        line: closure.line,
        count: 1,
      });
    else {
      day.total = (day.total + closure.total) as Cents;
      day.count++;
    }
  }
  for (const [date, closure] of [...byDay].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const lines = till.dayTotals.get(date) ?? (0 as Cents);
    if (lines === closure.total) continue;
    findings.add({
      kind: "closure-mismatch",
      till: till.owner,
      file: closure.file,
      line: closure.line,
      message: `the Z closure of ${date} says ${money(closure.total)} but the sales lines of that day sum to ${money(lines)} (difference ${money((closure.total - lines) as Cents)})`,
      todo: "look for a sales file of that day missing from the till's folder or left out (see the other findings), or a sale made after the closure",
    });
  }
}

/**
 * `caisse-central check` (see docs/monitor.md#check): reads the catalogue and every till's files,
 * and lists what is incoherent, each finding with its till, file, line and what to do.
 */
export async function runChecks(
  paths: CentralPaths,
  tills: readonly TillRecord[],
): Promise<CheckResult> {
  const findings = new Findings();
  const catalogue =
    (await folderAt(paths.catalog)) === undefined
      ? undefined
      : await readPlace({ owner: "catalog", dir: paths.catalog }, findings);
  // The catalogue's own articles must name its own families.
  if (catalogue?.kinds.has("familles") === true) unknownFamilies(catalogue, catalogue, findings);
  const withCatalogue =
    catalogue !== undefined && catalogue.kinds.has("articles") ? catalogue : undefined;
  const places: PlaceData[] = [];
  for (const till of tills) {
    const folder = await currentFolder(tillDirectory(paths, till));
    if (folder === undefined) continue;
    const data = await readPlace(
      { owner: till.ref, dir: folder.path, encoding: till.encoding, columns: till.columns },
      findings,
    );
    places.push(data);
    if (withCatalogue !== undefined) againstCatalogue(data, withCatalogue, findings);
    unknownFamilies(data, catalogue, findings);
    closures(data, findings);
  }
  if (withCatalogue === undefined) acrossTills(places, findings);
  const counts = Object.fromEntries(
    FINDING_KINDS.map((kind) => [kind, findings.counts.get(kind) ?? 0]),
  ) as Record<FindingKind, number>;
  return { findings: findings.list(), counts, total: findings.total };
}

import type { Cents, LocalDate } from "@caisse/core";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { currentFolder } from "../swap.js";
import { FINDING_KINDS, Findings, type Found, type FindingKind } from "./findings.js";
import { readPlace, type Entry, type PlaceData, type Use } from "./read.js";
import { folderAt } from "@caisse/core";

/** What `check` found: the findings listed (bounded), and how many of each kind in all. */
export interface CheckResult {
  findings: Found[];
  counts: Record<FindingKind, number>;
  total: number;
}

/** Labels that differ only in case or spacing are the same label. */
function sameLabel(a: string, b: string): boolean {
  const plain = (text: string): string => text.trim().replace(/\s+/gu, " ").toLowerCase();
  return plain(a) === plain(b);
}

/** Against the central's catalogue: families and labels of articles, unknown codes. */
function againstCatalogue(till: PlaceData, catalogue: PlaceData, findings: Findings): void {
  const hasArticles = catalogue.kinds.has("articles");
  for (const [code, entry] of till.articles) {
    const reference = catalogue.articles.get(code);
    if (reference === undefined) continue;
    if (entry.family !== reference.family) {
      findings.add({
        till: till.owner,
        file: entry.file,
        line: entry.line,
        what: {
          code: "family-differs-catalogue",
          article: code,
          here: entry.family ?? null,
          catalogue: reference.family ?? null,
        },
      });
    }
    if (!sameLabel(entry.label, reference.label)) {
      findings.add({
        till: till.owner,
        file: entry.file,
        line: entry.line,
        what: {
          code: "label-differs-catalogue",
          article: code,
          here: entry.label,
          catalogue: reference.label,
        },
      });
    }
  }
  for (const [code, byFamily] of till.sold) {
    const reference = catalogue.articles.get(code);
    if (reference === undefined) {
      if (!hasArticles) continue;
      const first = firstUse(byFamily);
      findings.add({
        till: till.owner,
        file: first.file,
        line: first.line,
        what: { code: "not-in-catalogue", article: code, rows: totalUses(byFamily) },
        count: totalUses(byFamily),
      });
      continue;
    }
    for (const [family, found] of byFamily) {
      if (family === reference.family) continue;
      findings.add({
        till: till.owner,
        file: found.file,
        line: found.line,
        what: {
          code: "sold-family-differs-catalogue",
          article: code,
          family,
          rows: found.count,
          catalogue: reference.family ?? null,
        },
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
            till: till.owner,
            file: found.file,
            line: found.line,
            what:
              expected === undefined
                ? {
                    code: "sold-in-several-families",
                    article: code,
                    families: [...byFamily.keys()],
                    family,
                    rows: found.count,
                  }
                : {
                    code: "sold-family-differs-articles",
                    article: code,
                    family,
                    rows: found.count,
                    expected,
                    file: own?.file ?? null,
                  },
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
  for (const [code, values] of families) {
    if (values.size < 2) continue;
    findings.add({
      till: null,
      file: null,
      line: null,
      what: { code: "family-differs-tills", article: code, values: [...values] },
    });
  }
  for (const [code, values] of labels) {
    if (values.size < 2) continue;
    findings.add({
      till: null,
      file: null,
      line: null,
      what: { code: "label-differs-tills", article: code, values: [...values] },
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
  const used = new Map<string, Use>(till.familiesSold);
  for (const entry of till.articles.values()) {
    if (entry.family !== undefined && !used.has(entry.family))
      used.set(entry.family, { file: entry.file, line: entry.line, count: 1 });
  }
  for (const [family, found] of used) {
    if (reference.families.has(family)) continue;
    findings.add({
      till: till.owner,
      file: found.file,
      line: found.line,
      what: {
        code: "unknown-family",
        family,
        rows: found.count,
        reference: reference.owner === "catalog" ? "catalogue" : "till",
      },
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
      till: till.owner,
      file: closure.file,
      line: closure.line,
      what: { code: "closure-mismatch", day: date, closure: closure.total, lines },
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

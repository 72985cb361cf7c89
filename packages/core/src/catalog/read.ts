import { stat } from "node:fs/promises";
import { CaisseError, isCaisseError, systemErrorCode, ioError } from "../errors.js";
import { readCsv } from "../csv/read.js";
import type { CatalogArticle, Family } from "../csv/types.js";
import { MAX_CATALOG_FILE_BYTES } from "./names.js";

/** A catalogue as read from its two files: articles and families by code. */
export interface CatalogContent {
  articles: Map<string, CatalogArticle>;
  families: Map<string, Family>;
}

/** One thing wrong with a catalogue file: the file as shown, its line when there is one, why. */
export interface CatalogProblem {
  file: string;
  line: number | undefined;
  reason: string;
}

/** A catalogue read, its problems, and the line each code was found on. */
export interface CatalogRead {
  content: CatalogContent;
  problems: CatalogProblem[];
  lines: { articles: Map<string, number>; families: Map<string, number> };
}

/** The problem of a catalogue file larger than MAX_CATALOG_FILE_BYTES, found before reading it. */
export function catalogSizeProblem(shown: string, size: number): CatalogProblem | undefined {
  if (size <= MAX_CATALOG_FILE_BYTES) return undefined;
  return {
    file: shown,
    line: undefined,
    reason: `the file holds ${size} bytes; a catalogue file may hold at most ${MAX_CATALOG_FILE_BYTES}`,
  };
}

/** Where the two files are; an absent one reads as empty (a till's first catalogue). */
export interface CatalogPaths {
  articles: { path: string; shown: string } | undefined;
  familles: { path: string; shown: string } | undefined;
}

/**
 * Reads a catalogue with the till CSV reader (every dialect of docs/csv-format.md), bounded in
 * size before a byte is parsed. Every invalid row, unreadable file and code given twice is a
 * problem; the caller decides whether problems refuse the catalogue (they always do).
 */
export async function readCatalog(paths: CatalogPaths): Promise<CatalogRead> {
  const problems: CatalogProblem[] = [];
  const articles = new Map<string, CatalogArticle>();
  const families = new Map<string, Family>();
  const lines = { articles: new Map<string, number>(), families: new Map<string, number>() };
  if (paths.articles !== undefined) {
    await readInto(paths.articles, "articles", problems, (row, line) => {
      const first = lines.articles.get(row.article);
      if (first !== undefined) return `article '${row.article}' is given twice (line ${first} too)`;
      articles.set(row.article, row);
      lines.articles.set(row.article, line);
      return undefined;
    });
  }
  if (paths.familles !== undefined) {
    await readInto(paths.familles, "familles", problems, (row, line) => {
      const first = lines.families.get(row.family);
      if (first !== undefined) return `family '${row.family}' is given twice (line ${first} too)`;
      families.set(row.family, row);
      lines.families.set(row.family, line);
      return undefined;
    });
  }
  return { content: { articles, families }, problems, lines };
}

async function readInto<K extends "articles" | "familles">(
  file: { path: string; shown: string },
  kind: K,
  problems: CatalogProblem[],
  take: (row: K extends "articles" ? CatalogArticle : Family, line: number) => string | undefined,
): Promise<void> {
  let size: number;
  try {
    size = (await stat(file.path)).size;
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") {
      problems.push({ file: file.shown, line: undefined, reason: "the file does not exist" });
      return;
    }
    throw ioError("read", file.path, error);
  }
  const tooLarge = catalogSizeProblem(file.shown, size);
  if (tooLarge !== undefined) {
    problems.push(tooLarge);
    return;
  }
  const before = problems.length;
  try {
    for await (const item of readCsv(file.path, kind, { displayName: file.shown })) {
      if (item.type === "issue") {
        problems.push({ file: file.shown, line: item.issue.line, reason: item.issue.reason });
        continue;
      }
      const reason = take(item.row as K extends "articles" ? CatalogArticle : Family, item.line);
      if (reason !== undefined) problems.push({ file: file.shown, line: item.line, reason });
    }
  } catch (error) {
    if (!isCaisseError(error, "E_CSV_UNREADABLE")) throw error;
    problems.splice(before);
    const line = error.details.line;
    problems.push({
      file: file.shown,
      line: typeof line === "number" ? line : undefined,
      reason: error.message,
    });
  }
}

/** Problems quoted in a refusal's message; its details hold up to MAX_KEPT. */
const SHOWN = 10;
const MAX_KEPT = 200;

/** `articles.csv line 4: invalid amount '12,505'...`, one problem. */
export function describeCatalogProblem(problem: CatalogProblem): string {
  return `${problem.file}${problem.line === undefined ? "" : ` line ${problem.line}`}: ${problem.reason}`;
}

/** E_CATALOG_INVALID listing the first problems (all of them, up to 200, in the details). */
export function catalogInvalid(
  what: string,
  problems: readonly CatalogProblem[],
  hint: string,
): CaisseError {
  const shown = problems.slice(0, SHOWN).map(describeCatalogProblem).join("; ");
  const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : "";
  return new CaisseError(
    "E_CATALOG_INVALID",
    `${what}: ${problems.length} problem${problems.length === 1 ? "" : "s"}: ${shown}${more}`,
    { details: { problems: problems.slice(0, MAX_KEPT) }, hint },
  );
}

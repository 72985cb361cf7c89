/**
 * Stage 4b, the header: each header name matched to one of our columns, ignoring case, accents
 * and separators, through the till's column mapping when the config has one.
 */
import { unreadable } from "./unreadable.js";
import type { ParsedRecord } from "./records.js";
import { shown } from "./shown.js";
import { COLUMNS_OF, type FileKind } from "./types.js";

/**
 * A header name as we compare it: accents removed, lower case, runs of spaces, hyphens and
 * underscores as one `_`. `Quantité` and `Montant TTC` become `quantite` and `montant_ttc`.
 */
export function normaliseColumnName(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .trim()
    .replace(/[\s_-]+/gu, "_");
}

/** Where each of our columns is in the records of one file. */
export interface Layout {
  /** Our column name to its field index. */
  readonly indexOf: ReadonlyMap<string, number>;
  /** For each field: our column name, or the header as written for an unknown column. */
  readonly names: readonly string[];
}

export interface CheckContext {
  readonly displayName: string;
  readonly columns?: Readonly<Record<string, string>> | undefined;
  readonly encodingLabel: string;
}

export function columnName(layout: Layout, field: number): string {
  return layout.names[field] ?? `#${field + 1}`;
}

/** Matches each header to our columns, or throws with every missing and doubled column at once. */
export function layoutOf(header: ParsedRecord, kind: FileKind, context: CheckContext): Layout {
  const ours = columnsByHeader(kind, context.columns);
  const indexOf = new Map<string, number>();
  const doubled: string[] = [];
  const names = header.fields.map((name, index) => {
    const column = ours.get(normaliseColumnName(name));
    if (column === undefined) return shown(name.trim());
    const first = indexOf.get(column);
    if (first === undefined) indexOf.set(column, index);
    else doubled.push(`${column} (${shown(header.fields[first] ?? "")} and ${shown(name)})`);
    return column;
  });
  const details = { file: context.displayName, line: header.line };
  if (doubled.length > 0) {
    throw unreadable(
      { ...details, problem: "duplicate-column" },
      `the same column appears twice in the header: ${doubled.join(", ")} (expected each column once)`,
      { hint: "remove or rename one of them in the till's export." },
    );
  }
  const { required, optional } = COLUMNS_OF[kind];
  const missing = required.filter((column) => !indexOf.has(column));
  if (missing.length > 0) {
    throw unreadable(
      { ...details, problem: "missing-column" },
      `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; ` +
        `found ${header.fields.map((name) => shown(name.trim())).join(", ")}; ` +
        `expected ${required.join(", ")}${optional.length > 0 ? ` (optional: ${optional.join(", ")})` : ""}, ` +
        "ignoring case, accents, spaces, hyphens and underscores",
      {
        hint:
          "if the till names a column differently, map it in the central config, e.g. " +
          `"columns": { "${missing[0] ?? ""}": "<the till's header>" }`,
      },
    );
  }
  return { indexOf, names };
}

/**
 * Normalised header to our column. A column mapped by the config is found under the mapped
 * header only, so a mapping can move a column away from a header of its own name.
 */
function columnsByHeader(
  kind: FileKind,
  mapping: Readonly<Record<string, string>> | undefined,
): Map<string, string> {
  const mapped = new Map<string, string>();
  for (const [ours, theirs] of Object.entries(mapping ?? {})) {
    mapped.set(normaliseColumnName(ours), theirs);
  }
  const { required, optional } = COLUMNS_OF[kind];
  return new Map(
    [...required, ...optional].map((column) => [
      normaliseColumnName(mapped.get(column) ?? column),
      column,
    ]),
  );
}

import { folderAt, type Dimension, type LabelBook, type WalkedFile } from "@caisse/core";
import type { CentralPaths } from "../config.js";
import { readWhole } from "./fileRows.js";
import { filesOf, type Place } from "./place.js";

/** The label files a dimension needs: family or article labels, else none. */
export function labelKind(by: Dimension): "familles" | "articles" | undefined {
  if (by === "family") return "familles";
  if (by === "article") return "articles";
  return undefined;
}

/**
 * Adds the labels of one file to the book; the first place that names a code wins (the
 * catalogue, then the tills in table order), and a file left out gives none.
 */
export async function readLabels(
  place: Place,
  file: WalkedFile,
  kind: "familles" | "articles",
  book: Map<string, string>,
  warnings: string[],
): Promise<void> {
  const found = new Map<string, string>();
  const whole =
    kind === "familles"
      ? await readWhole(place, file, kind, (row) => found.set(row.family, row.label), warnings)
      : await readWhole(place, file, kind, (row) => found.set(row.article, row.label), warnings);
  if (whole === undefined) return;
  for (const [code, label] of found) if (!book.has(code) && label !== "") book.set(code, label);
}

/** The label book of a report: the labels read are family or article labels, as `by` says. */
export function labelBookOf(by: Dimension, labels: Map<string, string>): LabelBook {
  return {
    families: by === "family" ? labels : new Map(),
    articles: by === "article" ? labels : new Map(),
  };
}

/**
 * The labels of the central's catalogue, which is the reference: they come first in the book.
 */
export async function readCatalogLabels(
  paths: CentralPaths,
  kind: "familles" | "articles",
  labels: Map<string, string>,
  warnings: string[],
): Promise<void> {
  if ((await folderAt(paths.catalog)) === undefined) return;
  const place: Place = { owner: "catalog", dir: paths.catalog };
  const files = await filesOf(place, [kind], warnings);
  for (const file of files.get(kind) ?? []) await readLabels(place, file, kind, labels, warnings);
}

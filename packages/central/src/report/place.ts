import { fileKindOf, walkFiles, type FileKind, type WalkedFile } from "@caisse/core";

/** A folder whose till files are read: a till's directory, or the central's catalogue. */
export interface Place {
  /** How warnings name it: the till ref, or `catalog`. */
  owner: string;
  dir: string;
  encoding?: string | undefined;
  columns?: Readonly<Record<string, string>> | undefined;
}

export type DataKind = "ventes" | "reglements";

/**
 * The till files below a place, by kind, in name order. Links are never followed (nothing is
 * read outside the place's folder); a link or special file named like a till file is reported,
 * to `warnings` or, with the kind its name gives, to `warn`.
 */
export async function filesOf(
  place: Place,
  kinds: readonly FileKind[],
  warnings: string[],
  warn: (kind: FileKind, warning: string) => void = (_kind, warning) => warnings.push(warning),
): Promise<Map<FileKind, WalkedFile[]>> {
  const files = new Map<FileKind, WalkedFile[]>(kinds.map((kind) => [kind, []]));
  const wanted = (name: string): FileKind | undefined => {
    const kind = fileKindOf(name);
    return kind !== undefined && kinds.includes(kind) ? kind : undefined;
  };
  const skipped = (entry: { relative: string; reason: "link" | "special" }): void => {
    const kind = wanted(entry.relative);
    if (kind === undefined) return;
    const what = entry.reason === "link" ? "a symbolic link" : "not a regular file";
    warn(kind, `${place.owner} ${entry.relative}: ${what}; file left out`);
  };
  for await (const file of walkFiles(place.dir, skipped)) {
    const kind = wanted(file.relative);
    if (kind !== undefined) files.get(kind)?.push(file);
  }
  return files;
}

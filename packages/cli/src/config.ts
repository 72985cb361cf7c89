import { CaisseError, parseJsonDocument } from "@caisse/core";

/** Where a tool's config file is documented, for the hint (`docs/export.md`). */
export interface ConfigDocs {
  docs: string;
}

/**
 * E_CONFIG for a config file, with every problem on a line of its own: a file is checked whole
 * and reported whole, not one problem per run. `notes` follow the problems (unknown keys, which
 * are only warnings, but often explain a problem: a misspelt key).
 */
export function configFileError(
  file: string,
  problems: readonly string[],
  options: ConfigDocs & { notes?: readonly string[] },
): CaisseError {
  const lines = [...problems, ...(options.notes ?? []).map((note) => `note: ${note}`)];
  const count = problems.length === 1 ? "a problem" : `${problems.length} problems`;
  return new CaisseError("E_CONFIG", `${file} has ${count}:\n  - ${lines.join("\n  - ")}`, {
    details: { path: file, problems: [...problems] },
    hint: `fix the keys named above (see ${options.docs}).`,
  });
}

/** The value of a config file's text; E_CONFIG naming the line and column of a syntax error. */
export function parseConfigJson(text: string, file: string, options: ConfigDocs): unknown {
  const document = parseJsonDocument(text);
  if (document.ok) return document.value;
  throw new CaisseError("E_CONFIG", `${file} is not valid JSON: ${document.problem}`, {
    details: { path: file, problems: [document.problem] },
    hint: `correct the file at that place (a missing comma, quote or bracket is the usual cause), then run again; see ${options.docs}.`,
  });
}

import type { Locale } from "./money.js";

/**
 * Text that came from a till (article labels, file names inside archives...) is untrusted: it
 * must not move the cursor or recolour a terminal, nor run as a formula in a spreadsheet.
 */

// C0 controls except tab and newline, DEL, C1 controls (which include the 8-bit CSI).
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu;
// Bidirectional overrides can make a name read differently from what it is.
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/gu;

/** Removes control characters (escape sequences, bells, bidi overrides) from text for a terminal. */
export function forTerminal(text: string): string {
  return text.replace(TERMINAL_CONTROL, "").replace(BIDI_CONTROL, "");
}

/** Like forTerminal, and newlines and tabs become spaces: for one line of a log or table cell. */
export function oneLine(text: string): string {
  return forTerminal(text).replace(/[\t\n]/gu, " ");
}

// Control characters (C0, DEL, C1), lone surrogates, bidirectional marks and overrides, and the
// line and paragraph separators: what must not reach a terminal or a line-based file raw.
const UNPRINTABLE = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Untrusted text made printable on one line, every character kept visible: each control
 * character, bidi control, line separator or lone surrogate becomes its `\uXXXX` escape, so
 * that the text can neither drive a terminal, nor start a new line, nor read differently from
 * what it is.
 */
export function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, (character) => {
    const hex = (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    return `\\u${hex}`;
  });
}

/** At most `max` characters of untrusted text, with `... (N characters)` when it is longer. */
export function truncated(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** Untrusted text between quotes for a message: escaped, and cut after `max` characters. */
export function quoted(text: string, max = 64): string {
  return `'${escapeUnprintable(truncated(text, max))}'`;
}

const FORMULA_START = /^[=+\-@\t\r]/u;

/**
 * Protects a text cell of CSV output against formula injection: a cell starting with `=`, `+`,
 * `-`, `@`, tab or carriage return gets a leading `'`. Only for text: numbers are written as
 * numbers by the caller.
 */
export function protectFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** `1 archive`, `2 archives`, `0 archives`; `1 entry`, `2 entries` with the plural given. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/**
 * `counted` in a language: French uses the singular below two (`0 ticket`, `1 ticket`,
 * `2 tickets`), English only for one (`0 tickets`, `1 ticket`).
 */
export function countedIn(locale: Locale, count: number, one: string, many: string): string {
  const singular = locale === "fr" ? Math.abs(count) < 2 : count === 1;
  return `${count} ${singular ? one : many}`;
}

/** A rewriting rule: a pattern, and what a text it matches becomes (from the match's groups). */
export type TextRule = readonly [
  pattern: RegExp,
  rewrite: (match: readonly (string | undefined)[]) => string,
];

/** `text` rewritten by the first rule whose pattern matches it, or as it is when none does. */
export function rewriteByRules(text: string, rules: readonly TextRule[]): string {
  for (const [pattern, rewrite] of rules) {
    const match = pattern.exec(text);
    if (match !== null) return rewrite(match);
  }
  return text;
}

/** `845 B`, `45.6 kB`, `12,3 MB` (French decimal comma). */
export function formatBytes(bytes: number, locale: Locale): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = value.toFixed(1);
  return `${locale === "fr" ? text.replace(".", ",") : text} ${units[unit] ?? ""}`;
}

import { quoteName } from "./archive/read/refuse.js";

/**
 * JSON written by people (config files): edited in Notepad, which may write a byte order mark,
 * and mistyped, in which case they need the line and column, not a byte position.
 */
export type JsonDocument = { ok: true; value: unknown } | { ok: false; problem: string };

/** Where a position of `text` is, counted from 1 as editors do. */
function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: position - lineStart + 1 };
}

/**
 * Parses a JSON document; a syntax error becomes a problem such as `Unexpected number (line 2,
 * column 6)`. A leading byte order mark is ignored.
 */
export function parseJsonDocument(text: string): JsonDocument {
  const body = text.replace(/^\uFEFF/u, "");
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const atPosition = /^(.*?) in JSON at position (\d+)/su.exec(message);
    if (atPosition !== null) {
      const { line, column } = lineAndColumn(body, Number(atPosition[2]));
      return {
        ok: false,
        problem: `${atPosition[1] ?? message} (line ${line}, column ${column})`,
      };
    }
    if (body.trim() === "") return { ok: false, problem: "the file is empty" };
    if (/end of JSON input/u.test(message)) {
      const { line } = lineAndColumn(body, body.length);
      return {
        ok: false,
        problem: `the text ends before the JSON does (line ${line}): a closing bracket or brace is missing`,
      };
    }
    // Other engines' wording ("Unexpected token ']', "[1,]" is not valid JSON"): the first clause.
    return { ok: false, problem: message.split(",")[0] ?? message };
  }
}

/** Longest text of a value that a message shows (see docs/security.md, "Output"). */
const SHOWN_MAX = 40;

/**
 * A value read from JSON as a message shows it: cut, unprintable characters escaped. JSON.stringify
 * would show a number too large for a double (`1e309`, read as Infinity) as `null`.
 */
export function shownValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "number" && !Number.isFinite(value))
    return `a number too large to be read (such as ${value > 0 ? "" : "-"}1e309)`;
  if (typeof value === "string")
    return value.length > SHOWN_MAX
      ? `${quoteName(value.slice(0, SHOWN_MAX))}...`
      : quoteName(value);
  // An array or an object is named by its kind: it may be large, and its text says little.
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  // Values read from JSON: never a function or a symbol, which JSON.stringify leaves undefined.
  return JSON.stringify(value);
}

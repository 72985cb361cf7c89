/**
 * The shape of an untrusted JSON text, checked in one linear pass before `JSON.parse` and before
 * any field is examined: how deep arrays and objects nest, how long each string is, and whether
 * an object repeats a key. A manifest within these bounds can be parsed, walked and quoted in a
 * message at a cost proportional to its size (see docs/security.md, "Bounded work").
 */
import { escapeUnprintable } from "../text.js";

export interface JsonShapeBounds {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest string, key or value, in characters (UTF-16 code units once unescaped). */
  maxString: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** The longest escape (`\u00e9`) is 6 characters for 1: past this, a string is too long unread. */
const LONGEST_ESCAPE = 6;

/** What is wrong with the shape: `string` is a string over the length bound. */
export interface JsonShapeProblem {
  kind: "depth" | "string" | "repeated-key";
  message: string;
}

interface Container {
  /** Keys seen so far, for an object; undefined for an array. */
  keys: Set<string> | undefined;
  /** In an object: the next string is a key. */
  expectingKey: boolean;
}

/**
 * The first problem with the text's shape, or undefined. Lenient about the grammar, which
 * `JSON.parse` checks afterwards: only brackets, strings and commas are looked at.
 */
export function jsonShapeProblem(
  text: string,
  bounds: JsonShapeBounds,
): JsonShapeProblem | undefined {
  const stack: Container[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      const end = stringEnd(text, index);
      const raw = text.slice(index, end + 1);
      const container = stack.at(-1);
      const isKey = container?.keys !== undefined && container.expectingKey;
      const problem = stringProblem(raw, isKey, bounds, container?.keys);
      if (problem !== undefined) return problem;
      if (isKey) container.expectingKey = false;
      index = end;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      stack.push({ keys: code === OPEN_OBJECT ? new Set() : undefined, expectingKey: true });
      if (stack.length > bounds.maxDepth) {
        return {
          kind: "depth",
          message: `arrays and objects nest more than ${bounds.maxDepth} deep`,
        };
      }
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      stack.pop();
    } else if (code === COMMA) {
      const container = stack.at(-1);
      if (container !== undefined) container.expectingKey = true;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string opened at `start` (the text's length if none). */
function stringEnd(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === BACKSLASH) index += 2;
    else if (code === QUOTE) return index;
    else index += 1;
  }
  return text.length;
}

function stringProblem(
  raw: string,
  isKey: boolean,
  bounds: JsonShapeBounds,
  keys: Set<string> | undefined,
): JsonShapeProblem | undefined {
  const tooLong: JsonShapeProblem = {
    kind: "string",
    message: `${isKey ? "a key" : "a string"} is longer than ${bounds.maxString} characters`,
  };
  // The quotes are not part of the string.
  if (raw.length - 2 > bounds.maxString * LONGEST_ESCAPE) return tooLong;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not a valid string: JSON.parse of the whole text says so, with its position.
    return undefined;
  }
  if (typeof value !== "string") return undefined;
  if (value.length > bounds.maxString) return tooLong;
  if (isKey && keys !== undefined) {
    if (keys.has(value)) {
      return {
        kind: "repeated-key",
        message: `the key '${escapeUnprintable(value)}' appears twice in one object`,
      };
    }
    keys.add(value);
  }
  return undefined;
}

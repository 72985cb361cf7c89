/** How issues and errors quote what the file holds. */

export function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

const SHOWN_LENGTH = 40;
// Shown escaped so that a reason is one safe line: controls, line breaks, bidi overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu;

/** A value for a reason: quoted, cut to 40 characters, unsafe characters as `\u001B`. */
export function shown(value: string): string {
  const characters = Array.from(value);
  const cut =
    characters.length > SHOWN_LENGTH ? `${characters.slice(0, SHOWN_LENGTH).join("")}…` : value;
  return `'${cut.replace(UNSAFE, (character) => `\\u${codePoint(character).slice(2)}`)}'`;
}

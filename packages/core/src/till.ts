/**
 * A till's identity, as on the till software's "remote stations" screen: a reference such as `D01`
 * and a name such as `Magasin 1` (see docs/central-layout.md#tills).
 */
import { quoted } from "./text.js";

export const TILL_REF_PATTERN = /^[A-Za-z0-9_-]{1,16}$/u;
export const MAX_TILL_NAME = 20;

/** Why a till reference is invalid, or undefined. */
export function tillRefProblem(ref: string): string | undefined {
  if (TILL_REF_PATTERN.test(ref)) return undefined;
  if (ref.length === 0) return "the reference is empty";
  if (ref.length > 16) {
    return `the reference ${quoted(ref)} is ${ref.length} characters long; at most 16`;
  }
  return `the reference ${quoted(ref)} may hold only letters, digits, '-' and '_'`;
}

/**
 * Most UTF-16 code units a name may have before its characters are counted. Counting characters
 * as people see them (grapheme clusters) costs memory that grows with the square of the length
 * (measured: 500 MB for 20,000 characters), and a manifest's name comes from the network: a name
 * longer than this is refused unsegmented. 16 units a character leaves room for any real name
 * (an accented letter is 1 or 2 units, a flag 4, a family emoji 11).
 */
const MAX_TILL_NAME_UNITS = 16 * MAX_TILL_NAME;

/** Why a till name is invalid, or undefined. Counted in characters as people see them. */
export function tillNameProblem(name: string): string | undefined {
  if (name.trim().length === 0) return "the name is empty";
  if (name.length > MAX_TILL_NAME_UNITS) {
    return `the name ${quoted(name)} is ${name.length} UTF-16 code units long; at most ${MAX_TILL_NAME} characters`;
  }
  const length = Array.from(new Intl.Segmenter("fr").segment(name.normalize("NFC"))).length;
  if (length > MAX_TILL_NAME) {
    return `the name ${quoted(name)} is ${length} characters long; at most ${MAX_TILL_NAME}`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F-\u009F]/u.test(name)) return "the name contains a control character";
  return undefined;
}

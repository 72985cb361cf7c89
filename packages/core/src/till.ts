/**
 * A till's identity, as on the till software's "remote stations" screen: a reference such as `D01`
 * and a name such as `Magasin 1` (see docs/central-layout.md#tills).
 */
export const TILL_REF_PATTERN = /^[A-Za-z0-9_-]{1,16}$/u;
export const MAX_TILL_NAME = 20;

/** Why a till reference is invalid, or undefined. */
export function tillRefProblem(ref: string): string | undefined {
  if (TILL_REF_PATTERN.test(ref)) return undefined;
  if (ref.length === 0) return "the reference is empty";
  if (ref.length > 16) return `the reference '${ref}' is ${ref.length} characters long; at most 16`;
  return `the reference '${ref}' may hold only letters, digits, '-' and '_'`;
}

/** Why a till name is invalid, or undefined. Counted in characters as people see them. */
export function tillNameProblem(name: string): string | undefined {
  const length = Array.from(new Intl.Segmenter("fr").segment(name.normalize("NFC"))).length;
  if (name.trim().length === 0) return "the name is empty";
  if (length > MAX_TILL_NAME) {
    return `the name '${name}' is ${length} characters long; at most ${MAX_TILL_NAME}`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F-\u009F]/u.test(name)) return "the name contains a control character";
  return undefined;
}

/**
 * Money, quantities and VAT rates as integers, never binary floating point (see
 * docs/csv-format.md).
 *
 * - `Cents`: an amount in euro cents (`12,50` is 1250).
 * - `Milli`: a quantity in thousandths (`1,5` is 1500), because quantities have up to 3 decimals.
 * - `RateBp`: a VAT rate in hundredths of a percent (`5,5` is 550, `20` is 2000).
 *
 * They are plain safe integers with a brand, so that a quantity is never added to an amount.
 */
export type Cents = number & { readonly __unit: "cents" };
export type Milli = number & { readonly __unit: "milli" };
export type RateBp = number & { readonly __unit: "rate-bp" };

export const ZERO_CENTS = 0 as Cents;
export const ZERO_MILLI = 0 as Milli;

export function cents(value: number): Cents {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a whole number of cents: ${value}`);
  return value as Cents;
}

export function addCents(a: Cents, b: Cents): Cents {
  return cents(a + b);
}

export function addMilli(a: Milli, b: Milli): Milli {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError(`quantity out of range: ${sum}`);
  return sum as Milli;
}

// Spaces used as thousands separators: space, no-break space, narrow no-break space.
const SPACE = "[ \\u00A0\\u202F]";

const ZERO = 0x30;
const NINE = 0x39;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

function isThousandsSpace(code: number): boolean {
  return code === 0x20 || code === 0xa0 || code === 0x202f;
}

/**
 * Parses a decimal as French tills and Excel write it, scaled to an integer: `parseScaled("1 234,5",
 * 2)` is 123450. Accepts a comma or a point, an optional leading minus, and spaces (also U+00A0,
 * U+202F) between groups of three digits. Returns undefined for anything else (`(3,00)`, `3,00-`,
 * `12,505` with 2 decimals, `1.234,56`, `abc`, an empty string) and for values beyond 2^53.
 *
 * A scan rather than a regular expression: it runs for three values of every sales line. The
 * grammar is `-?(\d{1,3}( \d{3})+|\d+)([.,]\d{1,maxDecimals})?`, any of the three spaces.
 */
export function parseScaled(text: string, maxDecimals: number): number | undefined {
  const value = text.trim();
  const end = value.length;
  let at = 0;
  const negative = value.charCodeAt(0) === 0x2d;
  if (negative) at++;
  let scaled = 0;
  // The integer part: digits, in groups of three after the first when spaces separate them.
  let group = 0;
  let grouped = false;
  const integerStart = at;
  for (; at < end; at++) {
    const code = value.charCodeAt(at);
    if (isDigit(code)) {
      scaled = scaled * 10 + (code - ZERO);
      group++;
    } else if (isThousandsSpace(code)) {
      if (grouped ? group !== 3 : group > 3 || group === 0) return undefined;
      grouped = true;
      group = 0;
    } else break;
  }
  if (at === integerStart || (grouped && group !== 3)) return undefined;
  // The fraction: a comma or a point, then 1 to maxDecimals digits, to the end.
  let decimals = 0;
  if (at < end) {
    const mark = value.charCodeAt(at);
    if (maxDecimals === 0 || (mark !== 0x2c && mark !== 0x2e)) return undefined;
    for (at++; at < end; at++) {
      const code = value.charCodeAt(at);
      if (!isDigit(code) || decimals === maxDecimals) return undefined;
      scaled = scaled * 10 + (code - ZERO);
      decimals++;
    }
    if (decimals === 0) return undefined;
  }
  for (; decimals < maxDecimals; decimals++) scaled *= 10;
  if (!Number.isSafeInteger(scaled)) return undefined;
  return negative && scaled !== 0 ? -scaled : scaled;
}

// The euro as Excel's currency formats write it, before or after the number, with or without one
// space between them.
const CURRENCY_BEFORE = new RegExp(`^(?:€|EUR)${SPACE}?`, "u");
const CURRENCY_AFTER = new RegExp(`${SPACE}?(?:€|EUR)$`, "u");

/**
 * Parses an amount as a till or Excel writes it, in cents. On top of `parseScaled(text, 2)`:
 * - the euro sign or `EUR`, before or after the number, with or without one space:
 *   `92,68 €`, `92,68€`, `€92.68`, `EUR 92,68`, `92,68 EUR`;
 * - a negative with its minus before the sign or right after it: `-92,68 €`, `-€92.68`,
 *   `€-92.68`;
 * - brackets for a negative, as accounting formats write them: `(3,00)` and `(92,68 €)` are
 *   -300 and -9268 cents.
 * Anything else is undefined: two signs (`-(3,00)`, `€-92 €`, `12,50 €€`), a sign alone (`€`,
 * `EUR`), a space after the minus (`- 92,68 €`), a trailing minus (`3,00-`), other currencies.
 * See docs/csv-format.md.
 */
export function parseCents(text: string): Cents | undefined {
  let rest = text.trim();
  let negative = false;
  if (rest.startsWith("(") && rest.endsWith(")")) {
    rest = rest.slice(1, -1);
    negative = true;
  } else if (rest.startsWith("-")) {
    rest = rest.slice(1);
    negative = true;
  }
  const before = CURRENCY_BEFORE.exec(rest);
  if (before !== null) {
    rest = rest.slice(before[0].length);
    // `€-92.68`: the minus after the sign, when there was none before it.
    if (!negative && rest.startsWith("-")) {
      rest = rest.slice(1);
      negative = true;
    }
  } else {
    const after = CURRENCY_AFTER.exec(rest);
    if (after !== null) rest = rest.slice(0, -after[0].length);
  }
  // What is left is digits only: no second sign, no space at either end.
  if (!/^\d/u.test(rest) || !/\d$/u.test(rest)) return undefined;
  const value = parseScaled(rest, 2);
  if (value === undefined) return undefined;
  return (negative && value !== 0 ? -value : value) as Cents;
}

export function parseMilli(text: string): Milli | undefined {
  return parseScaled(text, 3) as Milli | undefined;
}

/** A VAT rate: a percentage from 0 to 100 with at most 2 decimals. */
export function parseRate(text: string): RateBp | undefined {
  const value = parseScaled(text, 2);
  if (value === undefined || value < 0 || value > 10000) return undefined;
  return value as RateBp;
}

/**
 * numerator / denominator rounded to the nearest integer, halves away from zero, exactly.
 */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError("division by zero");
  if (denominator < 0n) return divideRounded(-numerator, -denominator);
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = (magnitude * 2n + denominator) / (denominator * 2n);
  return negative ? -quotient : quotient;
}

/** The HT part of a TTC amount at one VAT rate: TTC x 100 / (100 + rate), rounded to the cent. */
export function htOf(ttc: Cents, rate: RateBp): Cents {
  return cents(Number(divideRounded(BigInt(ttc) * 10000n, 10000n + BigInt(rate))));
}

/** An amount in euros for JSON: a number with at most 2 decimals (1234.56). */
export function centsToEuros(amount: Cents): number {
  return amount / 100;
}

export function milliToNumber(quantity: Milli): number {
  return quantity / 1000;
}

/** The key of a VAT rate in reports: `"20"`, `"5.5"`, `"2.1"`, `"0"`. */
export function rateKey(rate: RateBp): string {
  return scaledToPlain(rate, 2, ".");
}

/** Writes a scaled integer as a plain decimal without trailing zeros: (550, 2) is "5.5". */
function scaledToPlain(value: number, decimals: number, point: string): string {
  const negative = value < 0;
  const digits = String(Math.abs(value)).padStart(decimals + 1, "0");
  const integerPart = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/u, "");
  return (negative ? "-" : "") + integerPart + (fraction === "" ? "" : point + fraction);
}

export type Locale = "fr" | "en";

const GROUP: Record<Locale, string> = { fr: "\u202F", en: "," };
const POINT: Record<Locale, string> = { fr: ",", en: "." };

function groupThousands(integerDigits: string, separator: string): string {
  return integerDigits.replace(/\B(?=(\d{3})+(?!\d))/gu, separator);
}

/** `1 234,56 €` in French, `€1,234.56` in English; computed from the cents, never rounded. */
export function formatMoney(amount: Cents, locale: Locale): string {
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(3, "0");
  const number =
    groupThousands(digits.slice(0, -2), GROUP[locale]) + POINT[locale] + digits.slice(-2);
  if (locale === "fr") return `${negative ? "-" : ""}${number}\u00A0€`;
  return `${negative ? "-" : ""}€${number}`;
}

/**
 * A scaled integer as a decimal with exactly `decimals` digits: (4123, 4, ",") is `0,4123`,
 * (-1223, 2, ".") is `-12.23`. For machine formats (CSV) and percentages.
 */
export function fixedDecimal(value: number, decimals: number, point: string): string {
  const digits = String(Math.abs(value)).padStart(decimals + 1, "0");
  const sign = value < 0 ? "-" : "";
  return `${sign}${digits.slice(0, -decimals)}${point}${digits.slice(-decimals)}`;
}

/** A plain decimal for CSV cells: `1234,56` in French, `1234.56` in English. */
export function formatCentsPlain(amount: Cents, locale: Locale): string {
  return fixedDecimal(amount, 2, POINT[locale]);
}

/** A quantity with up to 3 decimals, grouped: `1 234,5` in French, `1,234.5` in English. */
export function formatQuantity(quantity: Milli, locale: Locale, grouped = true): string {
  const plain = scaledToPlain(quantity, 3, POINT[locale]);
  if (!grouped) return plain;
  const [head = "", tail] = plain.split(POINT[locale]);
  const sign = head.startsWith("-") ? "-" : "";
  const grouped3 = sign + groupThousands(head.replace("-", ""), GROUP[locale]);
  return tail === undefined ? grouped3 : grouped3 + POINT[locale] + tail;
}

/** A VAT rate for people: `5,5 %` in French, `5.5%` in English. */
export function formatRate(rate: RateBp, locale: Locale): string {
  const plain = scaledToPlain(rate, 2, POINT[locale]);
  return locale === "fr" ? `${plain}\u00A0%` : `${plain}%`;
}

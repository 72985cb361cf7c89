import {
  fixedDecimal,
  formatDate,
  oneLine,
  type LocalDate,
  formatMoney,
  formatQuantity,
  type Cents,
  type Locale,
  type Milli,
} from "@caisse/core";

/** What a figure that does not exist (HT of payments, basket without tickets) shows. */
export const NONE = "—";

/** An amount for people, or {@link NONE}: `1 234,56 €`, `€1,234.56`. */
export function moneyCell(amount: Cents | null, locale: Locale): string {
  return amount === null ? NONE : formatMoney(amount, locale);
}

/** A change of amount, with its sign: `+134,56 €`, `-12,00 €`. */
export function deltaCell(amount: Cents, locale: Locale): string {
  return amount > 0 ? `+${formatMoney(amount, locale)}` : formatMoney(amount, locale);
}

/** A count for people, grouped as amounts are: `1 234` in French, `1,234` in English. */
export function countCell(count: number, locale: Locale): string {
  // A count is a quantity without decimals: the same grouping as quantities and amounts.
  return formatQuantity((count * 1000) as Milli, locale);
}

/** A quantity in thousandths for people: `512,5`. */
export function quantityCell(quantity: Milli | null, locale: Locale): string {
  return quantity === null ? NONE : formatQuantity(quantity, locale);
}

/** Hundredths of a percent for people: `41,23 %` in French, `41.23%` in English. */
export function percentCell(hundredths: number | null, locale: Locale, signed = false): string {
  if (hundredths === null) return NONE;
  const sign = signed && hundredths > 0 ? "+" : "";
  const number = fixedDecimal(hundredths, 2, locale === "fr" ? "," : ".");
  return locale === "fr" ? `${sign}${number}\u00A0%` : `${sign}${number}%`;
}

/**
 * An ISO time with offset as the journal writes it (`2026-11-21T02:10:00+01:00`), for people: its
 * date in the locale and its minutes, as the till's clock said: `21/11/2026 02:10`.
 */
export function timeCell(time: string, locale: Locale): string {
  if (!/^\d{4}-\d{2}-\d{2}/u.test(time)) return oneLine(time);
  const clock = /^.{10}T(\d{2}:\d{2})/u.exec(time)?.[1];
  const date = formatDate(time.slice(0, 10) as LocalDate, locale);
  return clock === undefined ? date : `${date} ${clock}`;
}

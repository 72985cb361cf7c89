import { addDays, isoWeekday, type LocalDate } from "../dates.js";
import { formatRate, parseRate, type Locale } from "../money.js";
import type { Dimension } from "./dimension.js";
import type { TillRef } from "./model.js";

/** Labels of codes, from the catalogue and the tills' `familles*.csv` and `articles*.csv`. */
export interface LabelBook {
  /** Family code -> label. */
  families: ReadonlyMap<string, string>;
  /** Article code -> label. */
  articles: ReadonlyMap<string, string>;
}

export const EMPTY_LABELS: LabelBook = { families: new Map(), articles: new Map() };

/** What a label may be taken from besides the key. */
export interface LabelSources {
  tills: readonly TillRef[];
  labels: LabelBook;
  /** The most recent `libelle` of each article in the sales, for articles in no catalogue. */
  saleLabels: ReadonlyMap<string, { label: string }>;
  locale: Locale;
}

const WEEKDAYS: Record<Locale, readonly string[]> = {
  fr: ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
  en: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

const MONTHS: Record<Locale, readonly string[]> = {
  fr: [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
  ],
  en: [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
  ],
};

// A Map, so that a mode written `constructor` is not looked up on Object.prototype.
function modes(names: Record<string, string>): ReadonlyMap<string, string> {
  return new Map(Object.entries(names));
}

/** Payment modes most French tills write; any other mode is shown as written. */
const PAYMENT_MODES: Record<Locale, ReadonlyMap<string, string>> = {
  fr: modes({
    CB: "Carte bancaire",
    ESP: "Espèces",
    CHQ: "Chèque",
    TR: "Titre-restaurant",
    AV: "Avoir",
    VIR: "Virement",
  }),
  en: modes({
    CB: "Bank card",
    ESP: "Cash",
    CHQ: "Cheque",
    TR: "Meal voucher",
    AV: "Credit note",
    VIR: "Bank transfer",
  }),
};

/** The label of the `--top` remainder row. */
export function othersLabel(locale: Locale): string {
  return locale === "fr" ? "Autres" : "Others";
}

/** A date for people: `02/11/2026` in French, `2026-11-02` in English. */
export function formatDate(date: LocalDate, locale: Locale): string {
  if (locale === "en") return date;
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

/** The Monday of an ISO week `YYYY-Www`: 4 January is always in week 1. */
export function isoWeekMonday(week: string): LocalDate {
  const january4 = `${week.slice(0, 4)}-01-04` as LocalDate;
  const firstMonday = addDays(january4, 1 - isoWeekday(january4));
  return addDays(firstMonday, (Number(week.slice(6)) - 1) * 7);
}

function dayLabel(date: LocalDate, locale: Locale): string {
  const weekday = WEEKDAYS[locale][isoWeekday(date) - 1] ?? "";
  return `${weekday} ${formatDate(date, locale)}`;
}

function weekLabel(week: string, locale: Locale): string {
  const monday = isoWeekMonday(week);
  const sunday = addDays(monday, 6);
  return locale === "fr"
    ? `du ${formatDate(monday, locale)} au ${formatDate(sunday, locale)}`
    : `${monday} to ${sunday}`;
}

function monthLabel(month: string, locale: Locale): string {
  return `${MONTHS[locale][Number(month.slice(5, 7)) - 1] ?? month} ${month.slice(0, 4)}`;
}

function hourLabel(hour: string): string {
  const next = String(Number(hour) + 1).padStart(2, "0");
  return `${hour}:00–${next}:00`;
}

function vatLabel(key: string, locale: Locale): string {
  const rate = parseRate(key);
  const shown = rate === undefined ? key : formatRate(rate, locale);
  return `${locale === "fr" ? "TVA" : "VAT"} ${shown}`;
}

/**
 * The label of a row for people: the till's name, the family's or article's label (empty when no
 * file names it), a readable date, week, month or hour, a payment mode's name, a VAT rate. Keys
 * stay the stable identifiers; labels follow the locale.
 */
export function labelOf(by: Dimension, key: string, sources: LabelSources): string {
  const { locale } = sources;
  switch (by) {
    case "till":
      return sources.tills.find((till) => till.ref === key)?.name ?? "";
    case "family":
      return sources.labels.families.get(key) ?? "";
    case "article":
      return sources.labels.articles.get(key) ?? sources.saleLabels.get(key)?.label ?? "";
    case "day":
      return dayLabel(key as LocalDate, locale);
    case "week":
      return weekLabel(key, locale);
    case "month":
      return monthLabel(key, locale);
    case "hour":
      return hourLabel(key);
    case "payment":
      return PAYMENT_MODES[locale].get(key) ?? key;
    case "vat":
      return vatLabel(key, locale);
  }
}

import type { Dimension, Locale } from "@caisse/core";
import { CaisseError } from "@caisse/core/errors";
import { counted, oneLine } from "@caisse/core/text";
import type { CliContext } from "./context.js";

/** The languages of the output: figures, dates and words (see docs/operations.md#language). */
export const LANGS = ["fr", "en"] as const satisfies readonly Locale[];

/** Where the language of a run may come from, first found wins (see {@link resolveLang}). */
export interface LangSources {
  /** `--lang`, as typed. */
  flag?: string | undefined;
  /** The config file's `"lang"`, already checked. */
  config?: Locale | undefined;
  /** The process's environment: LC_ALL, LC_MESSAGES, LC_MONETARY, LANG. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The system's locale as `Intl` reports it (`fr-FR` on a French Windows server); none (English)
   * when absent, so that commands run in tests do not depend on the machine.
   */
  system?: (() => string) | undefined;
}

/** The locale variables, in the order POSIX programs read them for messages and figures. */
const LOCALE_VARIABLES = ["LC_ALL", "LC_MESSAGES", "LC_MONETARY", "LANG"] as const;

/**
 * The language a locale name stands for: `fr_FR.UTF-8`, `fr-CA`, `fr` are French; any other
 * name (`C`, `POSIX`, `en_US.UTF-8`, `de_DE`) is English, the language of everything not French.
 */
export function langOfLocale(name: string): Locale {
  return /^fr([_.@-]|$)/iu.test(name.trim()) ? "fr" : "en";
}

/** `--lang`, checked: `fr` or `en`, any case; E_USAGE naming the flag otherwise. */
export function parseLang(value: string, flag = "--lang"): Locale {
  const lang = value.trim().toLowerCase();
  if ((LANGS as readonly string[]).includes(lang)) return lang as Locale;
  throw new CaisseError(
    "E_USAGE",
    `${flag} must be one of ${LANGS.join(", ")} (found '${oneLine(value)}')`,
    {
      details: { flag },
      hint: "give --lang fr for French figures and words, --lang en for English.",
    },
  );
}

/**
 * The language of a run: `--lang`, then the config's `"lang"`, then the first locale variable
 * set and not empty (LC_ALL, LC_MESSAGES, LC_MONETARY, LANG: `LANG=C` is English, on purpose),
 * then the system's locale (what a French Windows server reports where no variable is set).
 */
export function resolveLang(sources: LangSources): Locale {
  if (sources.flag !== undefined) return parseLang(sources.flag);
  if (sources.config !== undefined) return sources.config;
  for (const name of LOCALE_VARIABLES) {
    const value = sources.env[name];
    if (value !== undefined && value !== "") return langOfLocale(value);
  }
  return sources.system === undefined ? "en" : langOfLocale(sources.system());
}

/**
 * `fr` when the locale variables say French (`LANG=fr_FR.UTF-8`), else `en` (see
 * docs/operations.md#language); a command with `--lang` or a config uses `langOf` instead.
 */
export function localeOf(env: CliContext["env"], system?: () => string): Locale {
  return resolveLang({ env, system });
}

/** {@link resolveLang} for a command: its `--lang`, its config's `"lang"`, its context. */
export function langOf(
  ctx: Pick<CliContext, "env" | "systemLocale">,
  flag?: string,
  config?: Locale,
): Locale {
  return resolveLang({ flag, config, env: ctx.env, system: ctx.systemLocale });
}

/** The words of a report for people: titles, column heads, marks (table, Markdown, HTML, CSV). */
export interface ReportWords {
  turnover: string;
  by: Record<Dimension, string>;
  /** The head of the key column. */
  key: Record<Dimension, string>;
  range: (from: string, to: string) => string;
  compared: (from: string, to: string) => string;
  noSales: string;
  name: string;
  label: string;
  /** `--by till` in CSV: the one column that names the store. */
  store: string;
  ttc: string;
  /** The TTC column after the stores' columns. */
  totalTtc: string;
  /** The TTC column of the CSV for people. */
  csvTtc: string;
  ht: string;
  /** The HT column of the CSV for people. */
  csvHt: string;
  vat: string;
  tickets: string;
  quantity: string;
  avgBasket: string;
  share: string;
  comparedTtc: string;
  /** The compared TTC column of the CSV for people. */
  csvComparedTtc: string;
  change: string;
  /** The head of the comparison's percentage: `%`, `Écart %` in CSV. */
  pct: string;
  csvPct: string;
  total: string;
  warnings: string;
  /** Appended to a till, a row or the total whose figures are incomplete. */
  incomplete: string;
  /** Under a terminal table: the warnings are on stderr. */
  seeStderr: (count: number) => string;
  /** A figure after the till's last sale: not a zero. */
  noData: string;
  /** Appended to a till that never sent anything. */
  never: string;
  freshness: string;
  lastSale: (date: string) => string;
  lastArchive: (time: string, sequence: number | null) => string;
  noArchive: string;
  noSale: string;
  neverSent: string;
  /** The CSV for people's columns of freshness, with `--by till`. */
  csvLastSale: string;
  csvLastArchive: string;
}

/** The report's message catalogues. */
export const REPORT_WORDS: Record<Locale, ReportWords> = {
  fr: {
    turnover: "Chiffre d'affaires",
    by: {
      till: "par magasin",
      family: "par famille",
      article: "par article",
      day: "par jour",
      week: "par semaine",
      month: "par mois",
      hour: "par heure",
      payment: "par mode de règlement",
      vat: "par taux de TVA",
    },
    key: {
      till: "Ref",
      family: "Famille",
      article: "Article",
      day: "Jour",
      week: "Semaine",
      month: "Mois",
      hour: "Heure",
      payment: "Règlement",
      vat: "TVA",
    },
    range: (from, to) => (from === to ? `le ${from}` : `du ${from} au ${to}`),
    compared: (from, to) => `comparé au ${from} – ${to}`,
    noSales: "aucune vente",
    name: "Nom",
    label: "Libellé",
    store: "Magasin",
    ttc: "TTC",
    totalTtc: "Total TTC",
    csvTtc: "CA TTC",
    ht: "HT",
    csvHt: "HT",
    vat: "TVA",
    tickets: "Tickets",
    quantity: "Quantité",
    avgBasket: "Panier moyen",
    share: "Part",
    comparedTtc: "TTC comparé",
    csvComparedTtc: "CA TTC comparé",
    change: "Écart",
    pct: "%",
    csvPct: "Écart %",
    total: "Total",
    warnings: "Avertissements",
    incomplete: "(incomplet)",
    seeStderr: (count) => `${counted(count, "avertissement")} : voir stderr`,
    noData: "pas de données",
    never: "(jamais)",
    freshness: "Fraîcheur des données",
    lastSale: (date) => `dernière vente le ${date}`,
    lastArchive: (time, sequence) =>
      `dernière archive le ${time}${sequence === null ? "" : ` (n° ${sequence})`}`,
    noArchive: "aucune archive reçue",
    noSale: "aucune vente",
    neverSent: "n'a jamais rien envoyé",
    csvLastSale: "Dernière vente",
    csvLastArchive: "Dernière archive",
  },
  en: {
    turnover: "Turnover",
    by: {
      till: "by till",
      family: "by family",
      article: "by article",
      day: "by day",
      week: "by week",
      month: "by month",
      hour: "by hour",
      payment: "by payment method",
      vat: "by VAT rate",
    },
    key: {
      till: "Ref",
      family: "Family",
      article: "Article",
      day: "Day",
      week: "Week",
      month: "Month",
      hour: "Hour",
      payment: "Payment",
      vat: "VAT",
    },
    range: (from, to) => (from === to ? `on ${from}` : `${from} to ${to}`),
    compared: (from, to) => `compared with ${from} to ${to}`,
    noSales: "no sales",
    name: "Name",
    label: "Label",
    store: "Store",
    ttc: "TTC",
    totalTtc: "Total TTC",
    csvTtc: "Sales incl. VAT",
    ht: "HT",
    csvHt: "Excl. VAT",
    vat: "VAT",
    tickets: "Tickets",
    quantity: "Quantity",
    avgBasket: "Avg basket",
    share: "Share",
    comparedTtc: "Compared TTC",
    csvComparedTtc: "Compared sales incl. VAT",
    change: "Change",
    pct: "%",
    csvPct: "Change %",
    total: "Total",
    warnings: "Warnings",
    incomplete: "(incomplete)",
    seeStderr: (count) => `${counted(count, "warning")}: see stderr`,
    noData: "no data",
    never: "(never)",
    freshness: "Freshness",
    lastSale: (date) => `last sale ${date}`,
    lastArchive: (time, sequence) =>
      `last archive ${time}${sequence === null ? "" : ` (#${sequence})`}`,
    noArchive: "no archive received",
    noSale: "no sale",
    neverSent: "never sent anything",
    csvLastSale: "Last sale",
    csvLastArchive: "Last archive",
  },
};

/** How many row keys and article codes a margin warning lists before it counts the rest. */
export const MARGIN_LISTED = 10;

/** What a margin warning says: the rows (and total) without a margin, the articles without price. */
export interface MarginGap {
  /** The first row keys without a margin, in row order, and how many rows lack it of how many. */
  rows: readonly string[];
  rowCount: number;
  of: number;
  /** Whether the total lacks it too. */
  total: boolean;
  /** The first article codes sold without a purchase price, sorted, and how many there are. */
  articles: readonly string[];
  articleCount: number;
}

/** The words of the gross margin (see docs/reports.md#gross-margin): column heads, warnings. */
export interface MarginWords {
  cost: string;
  margin: string;
  marginRate: string;
  /** The same heads in the CSV for people. */
  csvCost: string;
  csvMargin: string;
  /** Rows whose margin is unknown, and why. */
  unknown: (gap: MarginGap) => string;
  /** Margin columns asked for (`--metrics`) while the catalogue has no purchase price. */
  noPrices: string;
}

/** The pieces of the margin warning in one language. */
interface GapWords {
  start: string;
  theTotal: string;
  andTheTotal: string;
  rowsOf: (count: number, of: number) => string;
  more: (count: number) => string;
  articles: (count: number) => string;
  colon: string;
}

/** `margin unknown for 2 of 5 rows (A, B) and the total: 1 article sold without ...: P02`. */
function gapText(gap: MarginGap, words: GapWords): string {
  const list = (codes: readonly string[], count: number): string =>
    count > codes.length
      ? `${codes.join(", ")}, ... (${words.more(count - codes.length)})`
      : codes.join(", ");
  const rows =
    gap.rowCount === 0
      ? words.theTotal
      : `${words.rowsOf(gap.rowCount, gap.of)} (${list(gap.rows, gap.rowCount)})${gap.total ? words.andTheTotal : ""}`;
  return `${words.start} ${rows}${words.colon}${words.articles(gap.articleCount)}${words.colon}${list(gap.articles, gap.articleCount)}`;
}

export const MARGIN_WORDS: Record<Locale, MarginWords> = {
  fr: {
    cost: "Coût HT",
    margin: "Marge HT",
    marginRate: "Taux de marge",
    csvCost: "Coût HT",
    csvMargin: "Marge HT",
    unknown: (gap) =>
      gapText(gap, {
        start: "marge inconnue pour",
        theTotal: "le total",
        andTheTotal: " et le total",
        rowsOf: (count, of) => `${counted(count, "ligne")} sur ${of}`,
        more: (count) => `${count} de plus`,
        articles: (count) =>
          `${counted(count, "article vendu", "articles vendus")} sans prix d'achat (prix_achat_ht) dans catalog/articles.csv`,
        colon: " : ",
      }),
    noPrices:
      "aucun prix d'achat (prix_achat_ht) dans catalog/articles.csv : les colonnes de marge sont vides",
  },
  en: {
    cost: "Cost HT",
    margin: "Margin HT",
    marginRate: "Margin rate",
    csvCost: "Cost excl. VAT",
    csvMargin: "Margin excl. VAT",
    unknown: (gap) =>
      gapText(gap, {
        start: "margin unknown for",
        theTotal: "the total",
        andTheTotal: " and the total",
        rowsOf: (count, of) => `${count} of ${counted(of, "row")}`,
        more: (count) => `${count} more`,
        articles: (count) =>
          `${counted(count, "article sold", "articles sold")} without a purchase price (prix_achat_ht) in catalog/articles.csv`,
        colon: ": ",
      }),
    noPrices:
      "no purchase price (prix_achat_ht) in catalog/articles.csv: the margin columns are empty",
  },
};

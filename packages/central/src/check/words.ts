import {
  countedIn,
  csvHintIn,
  csvReasonIn,
  formatDate,
  formatMoney,
  type Cents,
  type LocalDate,
  type Locale,
} from "@caisse/core";
import type { FindingCode, ValueAt, What } from "./findings.js";

type Of<C extends FindingCode> = Extract<What, { code: C }>;

/** How one code is said: what was found, and what to do about it. */
interface Said<C extends FindingCode> {
  message: (what: Of<C>) => string;
  todo: (what: Of<C>) => string;
}

/** The words of `check` in one language (see docs/monitor.md#check). */
export interface CheckWords {
  said: { [C in FindingCode]: Said<C> };
  /** Where a finding is: `D01 ventes.csv line 17`, `all tills`. */
  where: (till: string | null, file: string | null, line: number | null) => string;
  /** `D01 ventes.csv line 17: [invalid-rows] ...` */
  found: (where: string, kind: string, message: string) => string;
  whatToDo: (todo: string) => string;
  /** The last line: how many findings, then how many of each kind (by their codes). */
  total: (total: number, perKind: string) => string;
  none: string;
}

/** `1 line`, `2 lines`; `0 ligne`, `1 ligne`, `2 lignes`. */
const lines = (locale: Locale, count: number): string =>
  locale === "fr"
    ? countedIn(locale, count, "ligne", "lignes")
    : countedIn(locale, count, "line", "lines");

const money = (amount: number, locale: Locale): string => formatMoney(amount as Cents, locale);

const EN_FIX_CATALOGUE =
  "correct the article in the till software to match catalog/articles.csv (or correct the catalogue), then send a new archive";
const EN_ONE_FAMILY = "give the article one family in the till software, then send a new archive";
const FR_FIX_CATALOGUE =
  "corriger l'article dans le logiciel de caisse pour qu'il corresponde à catalog/articles.csv (ou corriger le catalogue), puis envoyer une nouvelle archive";
const FR_ONE_FAMILY =
  "donner une seule famille à l'article dans le logiciel de caisse, puis envoyer une nouvelle archive";
const EN_LINK = "put the file itself in the till's folder, not a link to it";
const FR_LINK = "mettre le fichier lui-même dans le dossier de la caisse, pas un lien vers lui";

const enValues = (values: readonly ValueAt[]): string =>
  values.map(([value, refs]) => `'${value}' at ${refs.join(", ")}`).join(", ");
const frValues = (values: readonly ValueAt[]): string =>
  values.map(([value, refs]) => `« ${value} » à ${refs.join(", ")}`).join(" ; ");

/** English: the words of the JSON too, unchanged since `check` first had them. */
const EN: CheckWords = {
  said: {
    "file-unreadable": {
      message: (what) => `cannot be read, left out whole: ${what.reason}`,
      todo: (what) =>
        what.hint ??
        "export the file again from the till software as CSV (see docs/csv-format.md), then send a new archive",
    },
    "file-link": { message: () => "a symbolic link, left out", todo: () => EN_LINK },
    "file-special": { message: () => "not a regular file, left out", todo: () => EN_LINK },
    "invalid-row": {
      message: (what) => `invalid row, left out of every figure: ${what.reason}`,
      todo: () =>
        "correct these rows in the till software (or its export settings) and send a new archive; see docs/csv-format.md",
    },
    "invalid-rows": {
      message: (what) =>
        `${what.rows} invalid rows, left out of every figure (lines ${what.lines.join(", ")}${what.rows > what.lines.length ? ", ..." : ""}; most: ${what.most})`,
      todo: () =>
        "correct these rows in the till software (or its export settings) and send a new archive; see docs/csv-format.md",
    },
    "duplicate-tickets": {
      message: (what) =>
        `${countedIn("en", what.tickets, "ticket", "tickets")} already in ${what.first} (the first: ticket ${what.ticket} of ${what.day}); counted once`,
      todo: (what) =>
        `if ${what.file} is a copy (a backup, an export made twice), remove it from the till's folder; the next archive then leaves it out`,
    },
    "family-differs-catalogue": {
      message: (what) =>
        `article ${what.article} is in family ${what.here ?? "?"} here but in ${what.catalogue ?? "?"} in the catalogue`,
      todo: () => EN_FIX_CATALOGUE,
    },
    "sold-family-differs-catalogue": {
      message: (what) =>
        `article ${what.article} is sold in family ${what.family} (${lines("en", what.rows)}) but is in ${what.catalogue ?? "?"} in the catalogue`,
      todo: () => EN_FIX_CATALOGUE,
    },
    "sold-in-several-families": {
      message: (what) =>
        `article ${what.article} is sold in several families here (${what.families.join(", ")}); ${what.family} from this line on ${lines("en", what.rows)}`,
      todo: () => EN_ONE_FAMILY,
    },
    "sold-family-differs-articles": {
      message: (what) =>
        `article ${what.article} is sold in family ${what.family} (${lines("en", what.rows)}) but is in ${what.expected} in ${what.file ?? "?"}`,
      todo: () => EN_ONE_FAMILY,
    },
    "family-differs-tills": {
      message: (what) =>
        `article ${what.article} has different families at different tills: ${enValues(what.values)}`,
      todo: () =>
        "give the article the same family at every till, or put the reference in catalog/articles.csv",
    },
    "label-differs-catalogue": {
      message: (what) =>
        `article ${what.article} is '${what.here}' here but '${what.catalogue}' in the catalogue`,
      todo: () => EN_FIX_CATALOGUE,
    },
    "label-differs-tills": {
      message: (what) =>
        `article ${what.article} has different labels at different tills: ${enValues(what.values)}`,
      todo: () =>
        "give the article the same label at every till, or put the reference in catalog/articles.csv",
    },
    "unknown-family": {
      message: (what) =>
        `family ${what.family} (${lines("en", what.rows)}) is not in ${what.reference === "catalogue" ? "catalog/familles.csv" : "the till's familles file"}`,
      todo: (what) =>
        `add the family to ${what.reference === "catalogue" ? "catalog/familles.csv" : "the till's familles file"}, or correct the code in the till software`,
    },
    "not-in-catalogue": {
      message: (what) =>
        `article ${what.article} is sold (${lines("en", what.rows)}) but is not in the catalogue`,
      todo: () =>
        "add the article to catalog/articles.csv, or correct its code in the till software",
    },
    "closure-mismatch": {
      message: (what) =>
        `the Z closure of ${what.day} says ${money(what.closure, "en")} but the sales lines of that day sum to ${money(what.lines, "en")} (difference ${money(what.closure - what.lines, "en")})`,
      todo: () =>
        "look for a sales file of that day missing from the till's folder or left out (see the other findings), or a sale made after the closure",
    },
    more: {
      message: (what) =>
        `and ${countedIn("en", what.findings, "more", "more")} ${what.kind} ${what.findings === 1 ? "finding" : "findings"}${what.till === null ? "" : ` at ${what.till}`}, like the ones above`,
      todo: (what) => sayTodo(EN, what.like),
    },
  },
  where: (till, file, line) =>
    [
      till ?? "all tills",
      ...(file === null ? [] : [line === null ? file : `${file} line ${line}`]),
    ].join(" "),
  found: (where, kind, message) => `${where}: [${kind}] ${message}`,
  whatToDo: (todo) => `  what to do: ${todo}`,
  total: (total, perKind) => `${countedIn("en", total, "finding", "findings")}: ${perKind}`,
  none: "no finding: codes, families, closures and files are coherent",
};

const FR: CheckWords = {
  said: {
    "file-unreadable": {
      // Why a file cannot be read is an error's message: in English (docs/errors.md).
      message: (what) => `illisible, laissé de côté en entier : ${what.reason}`,
      todo: (what) =>
        what.hint === null
          ? "exporter à nouveau le fichier en CSV depuis le logiciel de caisse (voir docs/csv-format.md), puis envoyer une nouvelle archive"
          : csvHintIn(what.hint, "fr"),
    },
    "file-link": { message: () => "un lien symbolique, laissé de côté", todo: () => FR_LINK },
    "file-special": {
      message: () => "pas un fichier ordinaire, laissé de côté",
      todo: () => FR_LINK,
    },
    "invalid-row": {
      message: (what) =>
        `ligne invalide, exclue de tous les chiffres : ${csvReasonIn(what.reason, "fr")}`,
      todo: () =>
        "corriger cette ligne dans le logiciel de caisse (ou ses réglages d'export) puis envoyer une nouvelle archive ; voir docs/csv-format.md",
    },
    "invalid-rows": {
      message: (what) =>
        `${countedIn("fr", what.rows, "ligne invalide, exclue", "lignes invalides, exclues")} de tous les chiffres (lignes ${what.lines.join(", ")}${what.rows > what.lines.length ? ", ..." : ""} ; motif le plus fréquent : ${csvReasonIn(what.most, "fr")})`,
      todo: () =>
        "corriger ces lignes dans le logiciel de caisse (ou ses réglages d'export) puis envoyer une nouvelle archive ; voir docs/csv-format.md",
    },
    "duplicate-tickets": {
      message: (what) =>
        what.tickets < 2
          ? `${what.tickets} ticket déjà dans ${what.first} (ticket ${what.ticket} du ${frDay(what.day)}) ; compté une seule fois`
          : `${what.tickets} tickets déjà dans ${what.first} (le premier : ticket ${what.ticket} du ${frDay(what.day)}) ; comptés une seule fois`,
      todo: (what) =>
        `si ${what.file} est une copie (une sauvegarde, un export fait deux fois), le retirer du dossier de la caisse ; la prochaine archive le laissera de côté`,
    },
    "family-differs-catalogue": {
      message: (what) =>
        `l'article ${what.article} est dans la famille ${what.here ?? "?"} ici mais dans ${what.catalogue ?? "?"} au catalogue`,
      todo: () => FR_FIX_CATALOGUE,
    },
    "sold-family-differs-catalogue": {
      message: (what) =>
        `l'article ${what.article} est vendu dans la famille ${what.family} (${lines("fr", what.rows)}) mais est dans ${what.catalogue ?? "?"} au catalogue`,
      todo: () => FR_FIX_CATALOGUE,
    },
    "sold-in-several-families": {
      message: (what) =>
        `l'article ${what.article} est vendu ici dans plusieurs familles (${what.families.join(", ")}) ; ${what.family} à partir de cette ligne (${lines("fr", what.rows)})`,
      todo: () => FR_ONE_FAMILY,
    },
    "sold-family-differs-articles": {
      message: (what) =>
        `l'article ${what.article} est vendu dans la famille ${what.family} (${lines("fr", what.rows)}) mais est dans ${what.expected} dans ${what.file ?? "?"}`,
      todo: () => FR_ONE_FAMILY,
    },
    "family-differs-tills": {
      message: (what) =>
        `l'article ${what.article} n'a pas la même famille dans toutes les caisses : ${frValues(what.values)}`,
      todo: () =>
        "donner la même famille à l'article dans toutes les caisses, ou mettre la référence dans catalog/articles.csv",
    },
    "label-differs-catalogue": {
      message: (what) =>
        `l'article ${what.article} s'appelle « ${what.here} » ici mais « ${what.catalogue} » au catalogue`,
      todo: () => FR_FIX_CATALOGUE,
    },
    "label-differs-tills": {
      message: (what) =>
        `l'article ${what.article} n'a pas le même libellé dans toutes les caisses : ${frValues(what.values)}`,
      todo: () =>
        "donner le même libellé à l'article dans toutes les caisses, ou mettre la référence dans catalog/articles.csv",
    },
    "unknown-family": {
      message: (what) =>
        `la famille ${what.family} (${lines("fr", what.rows)}) n'est pas dans ${what.reference === "catalogue" ? "catalog/familles.csv" : "le fichier familles de la caisse"}`,
      todo: (what) =>
        `ajouter la famille ${what.reference === "catalogue" ? "à catalog/familles.csv" : "au fichier familles de la caisse"}, ou corriger le code dans le logiciel de caisse`,
    },
    "not-in-catalogue": {
      message: (what) =>
        `l'article ${what.article} est vendu (${lines("fr", what.rows)}) mais n'est pas au catalogue`,
      todo: () =>
        "ajouter l'article à catalog/articles.csv, ou corriger son code dans le logiciel de caisse",
    },
    "closure-mismatch": {
      message: (what) =>
        `la clôture Z du ${frDay(what.day)} indique ${money(what.closure, "fr")} mais les lignes de vente de ce jour totalisent ${money(what.lines, "fr")} (écart ${money(what.closure - what.lines, "fr")})`,
      todo: () =>
        "chercher un fichier de ventes de ce jour absent du dossier de la caisse ou laissé de côté (voir les autres anomalies), ou une vente faite après la clôture",
    },
    more: {
      message: (what) =>
        what.findings < 2
          ? `et ${what.findings} autre anomalie ${what.kind}${what.till === null ? "" : ` à ${what.till}`}, semblable à celles ci-dessus`
          : `et ${what.findings} autres anomalies ${what.kind}${what.till === null ? "" : ` à ${what.till}`}, semblables à celles ci-dessus`,
      todo: (what) => sayTodo(FR, what.like),
    },
  },
  where: (till, file, line) =>
    [
      till ?? "toutes les caisses",
      ...(file === null ? [] : [line === null ? file : `${file} ligne ${line}`]),
    ].join(" "),
  found: (where, kind, message) => `${where} : [${kind}] ${message}`,
  whatToDo: (todo) => `  que faire : ${todo}`,
  total: (total, perKind) => `${countedIn("fr", total, "anomalie", "anomalies")} : ${perKind}`,
  none: "aucune anomalie : codes, familles, clôtures et fichiers sont cohérents",
};

function frDay(day: string): string {
  return /^\d{4}-\d{2}-\d{2}$/u.test(day) ? formatDate(day as LocalDate, "fr") : day;
}

/** The catalogues of `check`, one per language. */
export const CHECK_WORDS: Record<Locale, CheckWords> = { en: EN, fr: FR };

/** How `words` say a code: indexed by a type parameter, its facts are those of that code. */
function said<C extends FindingCode>(words: CheckWords, code: C): Said<C> {
  return words.said[code];
}

/** What a finding says, in the language of `words`. */
export function sayMessage(words: CheckWords, what: What): string {
  return said(words, what.code).message(what);
}

/** What to do about a finding, in the language of `words`. */
export function sayTodo(words: CheckWords, what: What): string {
  return said(words, what.code).todo(what);
}

/**
 * The reason a row is invalid, in a language. The reader gives it in English (the log, the JSON
 * and the report index keep it so); a report or a `check` for people says it in French. Each rule
 * matches one form that rows.ts and values.ts write; a reason no rule knows stays in English.
 */
import type { Locale } from "../money.js";
import { rewriteByRules, type TextRule } from "../text.js";
import { AMOUNT, MOMENT, QUANTITY, RATE, TEXT, type ValueType } from "./values.js";

/** The French of each type of value: its noun, and what it should have been. */
const FRENCH = new Map<ValueType<unknown>, { noun: string; expected: string }>([
  [TEXT, { noun: "texte", expected: "une valeur" }],
  [
    AMOUNT,
    {
      noun: "montant",
      expected: "un nombre d'au plus 2 décimales, comme 1 234,50, -3.5, 92,68 €, €-92.68 ou (3,00)",
    },
  ],
  [
    QUANTITY,
    { noun: "quantité", expected: "un nombre d'au plus 3 décimales, comme 2, -1 ou 0,125" },
  ],
  [
    RATE,
    {
      noun: "taux de TVA",
      expected: "un pourcentage de 0 à 100 d'au plus 2 décimales, comme 20 ou 5,5",
    },
  ],
  [
    MOMENT,
    {
      noun: "date",
      expected:
        "une date qui existe, en AAAA-MM-JJ ou JJ/MM/AAAA, suivie ou non de HH:MM ou HH:MM:SS",
    },
  ],
]);

const NOUNS = new Map([...FRENCH].map(([type, french]) => [type.noun, french.noun]));
const EXPECTED = new Map([...FRENCH].map(([type, french]) => [type.expected, french.expected]));
const expected = (english: string): string => EXPECTED.get(english) ?? english;

/** `amount|quantity|VAT rate|...`: the nouns of the value types, for a pattern. */
const NOUN_PATTERN = [...NOUNS.keys()]
  .map((noun) => noun.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&"))
  .join("|");

const RULES: readonly TextRule[] = [
  [
    /^expected (\d+) fields, found (\d+)$/u,
    ([, wanted, found]) =>
      `${wanted} champs attendus, ${found} ${Number(found) < 2 ? "trouvé" : "trouvés"}`,
  ],
  [
    /^invalid (\S+) in column (.+?): ('.*') \(expected text in \1; U\+FFFD marks the bytes that could not be read\)$/su,
    ([, encoding, column, value]) =>
      `${encoding} invalide dans la colonne ${column} : ${value} (attendu : du texte en ${encoding} ; U+FFFD marque les octets qui n'ont pas pu être lus)`,
  ],
  [
    /^missing value in column (.+?): found an empty value, expected (.*)$/su,
    ([, column, wanted]) =>
      `valeur manquante dans la colonne ${column} : valeur vide (attendu : ${expected(wanted ?? "")})`,
  ],
  [
    /^control character (U\+[0-9A-F]+) in column (.+?): ('.*') \(expected text without control characters\)$/su,
    ([, code, column, value]) =>
      `caractère de contrôle ${code} dans la colonne ${column} : ${value} (attendu : du texte sans caractère de contrôle)`,
  ],
  [
    new RegExp(`^invalid (${NOUN_PATTERN}) ('.*') in column (.+) \\(expected (.*)\\)$`, "su"),
    ([, noun, value, column, wanted]) =>
      `${NOUNS.get(noun ?? "") ?? noun} invalide ${value} dans la colonne ${column} (attendu : ${expected(wanted ?? "")})`,
  ],
];

/** Why a row is invalid, as the CSV reader says it in English, in `locale`. */
export function csvReasonIn(reason: string, locale: Locale): string {
  return locale === "en" ? reason : rewriteByRules(reason, RULES);
}

const HINTS: readonly TextRule[] = [
  [
    /^fix the till's encoding in the central config, or remove it to detect it\.$/u,
    () =>
      "corriger l'encodage de la caisse dans la configuration centrale, ou le retirer pour qu'il soit détecté.",
  ],
  [
    /^remove or rename one of them in the till's export\.$/u,
    () => "retirer ou renommer l'une d'elles dans l'export de la caisse.",
  ],
  [
    /^if the till names a column differently, map it in the central config, e\.g\. ("columns": \{ ".*": )"<the till's header>" \}$/su,
    ([, mapping]) =>
      `si la caisse nomme une colonne autrement, l'associer dans la configuration centrale, par exemple ${mapping}"<l'en-tête de la caisse>" }`,
  ],
  [
    /^a quote inside a quoted value must be doubled: (.*)$/su,
    ([, example]) => `un guillemet dans une valeur entre guillemets doit être doublé : ${example}`,
  ],
];

/** What to do about a file the CSV reader cannot read (an error's hint, in English), in `locale`. */
export function csvHintIn(hint: string, locale: Locale): string {
  return locale === "en" ? hint : rewriteByRules(hint, HINTS);
}

import { MARGIN_WORDS } from "@caisse/cli";
import {
  countedIn,
  csvReasonIn,
  formatDate,
  rewriteByRules,
  type LocalDate,
  type Locale,
  type TextRule,
} from "@caisse/core";

/**
 * The report's warnings in the report's language (see docs/reports.md#invalid-data-warnings).
 *
 * A report carries its warnings as the English lines that are logged (the JSON and the log keep
 * them so, whatever the language, and the report index stores them as such); a report for people
 * (Markdown, HTML, the mail) says them in its language. Each rule below matches one English form,
 * as collect.ts, reportIndex/ and build.ts write it, and says it in French; a line no rule
 * matches (a new warning, one that quotes a file's own error) is shown as it is.
 * render/warnings.test.ts makes each producer write its warnings and checks every rule on them,
 * so that a change of the English is seen.
 */
const isDay = (text: string): text is LocalDate => /^\d{4}-\d{2}-\d{2}$/u.test(text);
const day = (text: string): string => (isDay(text) ? formatDate(text, "fr") : text);
const count = (text: string): number => Number(text);
/** `1.56 %` -> `1,56 %`, with a no-break space as the report's percentages have. */
const percent = (text: string): string => `${text.replace(".", ",")}\u00A0%`;
const lines = (text: string): string => text.replaceAll("...;", "... ;");
/** A bounded list's end, `..., ... (3 more)` -> `..., ... (3 de plus)`. */
const more = (text: string): string => text.replace(/\.\.\. \((\d+) more\)$/u, "... ($1 de plus)");

const RULES: readonly TextRule[] = [
  [
    /^(\S+) (.+): (\d+) invalid rows left out \((?:lines (.+), \.\.\.; )?most: (.*)\)$/su,
    ([, owner, file, rows, listed, most]) =>
      `${owner} ${file} : ${countedIn("fr", count(rows ?? ""), "ligne invalide exclue", "lignes invalides exclues")} (${listed === undefined ? "" : `lignes ${lines(listed)}, ... ; `}motif le plus fréquent : ${csvReasonIn(most ?? "", "fr")})`,
  ],
  [
    /^(\S+) (.+): (a symbolic link|not a regular file); file left out$/su,
    ([, owner, file, what]) =>
      `${owner} ${file} : ${what === "a symbolic link" ? "un lien symbolique" : "pas un fichier ordinaire"} ; fichier laissé de côté`,
  ],
  [
    /^(\S+): (\d+) tickets? of (.+) already in (.+); counted once$/su,
    ([, owner, tickets, file, first]) =>
      count(tickets ?? "") < 2
        ? `${owner} : ${tickets} ticket de ${file} déjà dans ${first} ; compté une seule fois`
        : `${owner} : ${tickets} tickets de ${file} déjà dans ${first} ; comptés une seule fois`,
  ],
  [
    /^(\S+): incomplete figures: (?:(\d+) of (\d+) rows invalid \(([\d.]+) %\))?(?:, )?(?:(\d+) files? left out whole)?; see the warnings above$/su,
    ([, owner, invalid, rows, share, files]) => {
      const parts: string[] = [];
      if (invalid !== undefined)
        parts.push(
          `${countedIn("fr", count(invalid), "ligne invalide", "lignes invalides")} sur ${rows} (${percent(share ?? "")})`,
        );
      if (files !== undefined)
        parts.push(
          countedIn("fr", count(files), "fichier laissé de côté", "fichiers laissés de côté") +
            " en entier",
        );
      return `${owner} : chiffres incomplets : ${parts.join(", ")} ; voir les avertissements ci-dessus`;
    },
  ],
  [
    /^(\S+): no data yet \(folder (.+) not found\)$/su,
    ([, owner, folder]) => `${owner} : pas encore de données (dossier ${folder} introuvable)`,
  ],
  [
    /^(\S+): no data in the period: its last sale was on (\S+)$/su,
    ([, owner, sale]) =>
      `${owner} : aucune donnée sur la période : sa dernière vente date du ${day(sale ?? "")}`,
  ],
  [
    /^the comparison is partial: (.+) \(see the freshness of each till\)$/su,
    ([, gaps]) =>
      `la comparaison est partielle : ${(gaps ?? "")
        .split("; ")
        .map((gap) => {
          const found = /^(\S+) has no data (before|after) (\S+)$/u.exec(gap);
          if (found === null) return gap;
          const [, till, side, date] = found;
          return `${till} n'a pas de données ${side === "before" ? "avant" : "après"} le ${day(date ?? "")}`;
        })
        .join(" ; ")} (voir la fraîcheur de chaque caisse)`,
  ],
  [
    /^the last archives are unknown: (.*)$/su,
    ([, reason]) => `les dernières archives sont inconnues : ${reason}`,
  ],
  [
    /^margin unknown for (?:the total|(\d+) of (\d+) rows? \((.*)\)( and the total)?): (\d+) articles? sold without a purchase price \(prix_achat_ht\) in catalog\/articles\.csv: (.*)$/su,
    ([, lacking, rows, keys, total, articles, codes]) => {
      const which =
        lacking === undefined
          ? "le total"
          : `${countedIn("fr", count(lacking), "ligne", "lignes")} sur ${rows} (${more(keys ?? "")})${total === undefined ? "" : " et le total"}`;
      const sold = countedIn("fr", count(articles ?? ""), "article vendu", "articles vendus");
      return `marge inconnue pour ${which} : ${sold} sans prix d'achat (prix_achat_ht) dans catalog/articles.csv : ${more(codes ?? "")}`;
    },
  ],
  [
    /^no purchase price \(prix_achat_ht\) in catalog\/articles\.csv: the margin columns are empty$/su,
    () => MARGIN_WORDS.fr.noPrices,
  ],
  // Last: the most general forms, a file left out whole (its error stays in English) and an
  // invalid row (its reason in French, see csvReasonIn).
  [
    /^(\S+) (.+); file left out$/su,
    ([, owner, reason]) => `${owner} ${reason} ; fichier laissé de côté`,
  ],
  [
    /^(\S+) (.+) line (\d+): (.*)$/su,
    ([, owner, file, line, reason]) =>
      `${owner} ${file} ligne ${line} : ${csvReasonIn(reason ?? "", "fr")}`,
  ],
];

/** One warning of a report in `locale`: English as it is; French by the first rule that fits. */
export function warningIn(warning: string, locale: Locale): string {
  return locale === "en" ? warning : rewriteByRules(warning, RULES);
}

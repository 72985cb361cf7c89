import { main } from "@caisse/central";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runReport } from "../../packages/central/src/actions/report.js";
import { warningIn } from "../../packages/central/src/render/warnings.js";
import { reportMessage } from "../../packages/central/src/report/mail.js";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { CentralRoot, salesCsv, simpleSale } from "../helpers/centralRoot.js";

/**
 * The report's warnings in French in the documents for people (docs/reports.md#invalid-data-warnings):
 * a central root where the real readers write every kind of warning, then the Markdown in each
 * language against the JSON's English lines, with the index and without.
 */
let folder: { path: string; remove: () => Promise<void> };
let root: CentralRoot;
const NOW = new Date(2026, 10, 27, 12, 0, 0);

beforeEach(async () => {
  folder = await temporaryFolder("caisse-warnings-");
  root = new CentralRoot(folder.path);
  await root.config([
    { ref: "D01", name: "Magasin 1", path: "D01", enabled: true },
    { ref: "D02", name: "Magasin 2", path: "D02", enabled: true },
    { ref: "D03", name: "Magasin 3", path: "D03", enabled: true },
    { ref: "D04", name: "Magasin 4", path: "D04", enabled: true },
  ]);
  // D01: five invalid rows of ten, a file that cannot be read, a copy of two tickets.
  const good = Array.from({ length: 5 }, (_, index) =>
    simpleSale(String(index + 1), "2026-11-02", 100),
  );
  const invalid = Array.from(
    { length: 5 },
    (_, index) => `${index + 10};2026-11-03 10:00;A1;EPI;1;12,505;20;Pain`,
  );
  await root.put("tills/D01/ventes.csv", `${salesCsv(good)}${invalid.join("\n")}\n`);
  await root.put("tills/D01/ventes-old.csv", "ticket;date;article\n1;2026-11-02;A1\n");
  await root.put("tills/D01/ventes-zcopie.csv", salesCsv(good.slice(0, 2)));
  // D02: one invalid row, a copy of one ticket, a link named like a sales file.
  await root.put(
    "tills/D02/ventes.csv",
    `${salesCsv([simpleSale("1", "2026-11-04", 250)])}2;2026-11-04 10:00;A1;EPI;1;abc;20;Pain\n`,
  );
  await root.put("tills/D02/ventes-zcopie.csv", salesCsv([simpleSale("1", "2026-11-04", 250)]));
  await symlink(
    join(folder.path, "tills/D02/ventes.csv"),
    join(folder.path, "tills/D02/ventes-lien.csv"),
  );
  // D03: its last sale in October, before the period; D04: no folder at all.
  await root.put("tills/D03/ventes.csv", salesCsv([simpleSale("1", "2026-10-20", 300)]));
});
afterEach(async () => folder.remove());

async function report(argv: readonly string[]): Promise<string> {
  const { ctx, output } = captureContext(folder.path, {}, () => NOW);
  const code = await main(["--root", folder.path, "report", "--period", "2026-11", ...argv], ctx);
  expect(code, output().stderr).toBe(0);
  return output().stdout;
}

/** The lines of a Markdown report's warnings section. */
function warningsOf(markdown: string, title: string): string[] {
  const section = markdown.split(`## ${title}\n\n`)[1] ?? "";
  return (section.split("\n\n")[0] ?? "")
    .split("\n")
    .filter((line) => line.startsWith("- "))
    .map((line) => line.slice(2));
}

const englishLines = (): string[] => [
  "D01 ventes-old.csv, line 1: missing required columns famille, quantite, montant\\_ttc, taux\\_tva; found 'ticket', 'date', 'article'; expected ticket, date, article, famille, quantite, montant\\_ttc, taux\\_tva (optional: libelle), ignoring case, accents, spaces, hyphens and underscores; file left out",
  "D01 ventes.csv: 5 invalid rows left out (lines 7, 8, 9, ...; most: invalid amount '12,505' in column montant\\_ttc (expected a decimal with at most 2 decimals, such as 1 234,50, -3.5, 92,68 €, €-92.68 or (3,00)))",
  "D01: 2 tickets of ventes.csv already in ventes-zcopie.csv; counted once",
  "D01: incomplete figures: 5 of 12 rows invalid (41.67 %), 1 file left out whole; see the warnings above",
  "D02 ventes-lien.csv: a symbolic link; file left out",
  "D02 ventes.csv line 3: invalid amount 'abc' in column montant\\_ttc (expected a decimal with at most 2 decimals, such as 1 234,50, -3.5, 92,68 €, €-92.68 or (3,00))",
  "D02: 1 ticket of ventes.csv already in ventes-zcopie.csv; counted once",
  "D02: incomplete figures: 1 of 3 rows invalid (33.33 %); see the warnings above",
  `D04: no data yet (folder ${join(folder.path, "tills", "D04")} not found)`,
  "D03: no data in the period: its last sale was on 2026-10-20",
];

describe("report warnings in the report's language", () => {
  it.each([[[]], [["--no-index"]]])("Markdown in French and English %o", async (extra) => {
    const en = await report(["--format", "md", "--lang", "en", ...extra]);
    const fr = await report(["--format", "md", "--lang", "fr", ...extra]);
    const english = warningsOf(en, "Warnings");
    expect(english).toEqual(englishLines());
    expect(warningsOf(fr, "Avertissements")).toEqual([
      "D01 ventes-old.csv, line 1: missing required columns famille, quantite, montant\\_ttc, taux\\_tva; found 'ticket', 'date', 'article'; expected ticket, date, article, famille, quantite, montant\\_ttc, taux\\_tva (optional: libelle), ignoring case, accents, spaces, hyphens and underscores ; fichier laissé de côté",
      "D01 ventes.csv : 5 lignes invalides exclues (lignes 7, 8, 9, ... ; motif le plus fréquent : montant invalide '12,505' dans la colonne montant\\_ttc (attendu : un nombre d'au plus 2 décimales, comme 1 234,50, -3.5, 92,68 €, €-92.68 ou (3,00)))",
      "D01 : 2 tickets de ventes.csv déjà dans ventes-zcopie.csv ; comptés une seule fois",
      "D01 : chiffres incomplets : 5 lignes invalides sur 12 (41,67\u00A0%), 1 fichier laissé de côté en entier ; voir les avertissements ci-dessus",
      "D02 ventes-lien.csv : un lien symbolique ; fichier laissé de côté",
      "D02 ventes.csv ligne 3 : montant invalide 'abc' dans la colonne montant\\_ttc (attendu : un nombre d'au plus 2 décimales, comme 1 234,50, -3.5, 92,68 €, €-92.68 ou (3,00))",
      "D02 : 1 ticket de ventes.csv déjà dans ventes-zcopie.csv ; compté une seule fois",
      "D02 : chiffres incomplets : 1 ligne invalide sur 3 (33,33\u00A0%) ; voir les avertissements ci-dessus",
      `D04 : pas encore de données (dossier ${join(folder.path, "tills", "D04")} introuvable)`,
      "D03 : aucune donnée sur la période : sa dernière vente date du 20/10/2026",
    ]);
    // The JSON keeps the English lines whatever the language.
    const json = await report(["--format", "json", "--lang", "fr", ...extra]);
    expect(
      (JSON.parse(json) as { warnings: string[] }).warnings.map((line) =>
        line.replaceAll("_", "\\_"),
      ),
    ).toEqual(english);
  });

  it("HTML in French: the same warnings, escaped", async () => {
    const html = await report(["--format", "html", "--lang", "fr", "--tills", "D02,D03"]);
    expect(html).toContain(
      "<li>D02 : 1 ticket de ventes.csv déjà dans ventes-zcopie.csv ; compté une seule fois</li>",
    );
    expect(html).toContain(
      "<li>D03 : aucune donnée sur la période : sa dernière vente date du 20/10/2026</li>",
    );
  });

  it("the mail's text part lists them in its language, rather than pointing at stderr", async () => {
    const { ctx } = captureContext(folder.path, {}, () => NOW);
    const { report } = await runReport(
      { root: folder.path, period: "2026-11", tills: "D02,D03", format: "json", lang: "fr" },
      ctx,
    );
    const mail = { to: ["direction@example.fr"] };
    const message = (locale: "fr" | "en") =>
      reportMessage({
        report,
        page: "",
        alarms: ["D03 : en retard"],
        locale,
        now: NOW,
        mail,
        smtp: undefined as never,
        env: {},
      }).text;
    const french = message("fr");
    expect(french).not.toContain("stderr");
    expect(french.startsWith("ALERTE\u00A0: D03 : en retard\n\n")).toBe(true);
    expect(french).toContain(
      [
        "",
        "Avertissements\u00A0:",
        "- D02 ventes-lien.csv : un lien symbolique ; fichier laissé de côté",
        "- D02 ventes.csv ligne 3 : montant invalide 'abc' dans la colonne montant_ttc (attendu : un nombre d'au plus 2 décimales, comme 1 234,50, -3.5, 92,68 €, €-92.68 ou (3,00))",
        "- D02 : 1 ticket de ventes.csv déjà dans ventes-zcopie.csv ; compté une seule fois",
        "- D02 : chiffres incomplets : 1 ligne invalide sur 3 (33,33\u00A0%) ; voir les avertissements ci-dessus",
        "- D03 : aucune donnée sur la période : sa dernière vente date du 20/10/2026",
        "",
      ].join("\n"),
    );
    expect(message("en")).toContain(
      "\nWarnings:\n- D02 ventes-lien.csv: a symbolic link; file left out\n- D02 ventes.csv line 3: invalid amount 'abc' in column montant_ttc",
    );
  });

  it("a partial comparison, in French", async () => {
    const fr = await report([
      "--format",
      "md",
      "--lang",
      "fr",
      "--compare",
      "previous",
      "--tills",
      "D03",
    ]);
    expect(warningsOf(fr, "Avertissements")).toEqual([
      "D03 : aucune donnée sur la période : sa dernière vente date du 20/10/2026",
      "la comparaison est partielle : D03 n'a pas de données avant le 20/10/2026 ; D03 n'a pas de données après le 20/10/2026 (voir la fraîcheur de chaque caisse)",
    ]);
  });
});

describe("warningIn", () => {
  it.each([
    [
      "the last archives are unknown: journal.jsonl: permission denied",
      "les dernières archives sont inconnues : journal.jsonl: permission denied",
    ],
    [
      "D01 caisse/ventes.csv: not a regular file; file left out",
      "D01 caisse/ventes.csv : pas un fichier ordinaire ; fichier laissé de côté",
    ],
    [
      "D01: incomplete figures: 2 files left out whole; see the warnings above",
      "D01 : chiffres incomplets : 2 fichiers laissés de côté en entier ; voir les avertissements ci-dessus",
    ],
    [
      "D01 ventes.csv: 4 invalid rows left out (most: bad date)",
      "D01 ventes.csv : 4 lignes invalides exclues (motif le plus fréquent : bad date)",
    ],
    // A warning no rule knows is shown as it is.
    ["something new happened", "something new happened"],
  ])("%s", (english, french) => {
    expect(warningIn(english, "fr")).toBe(french);
    expect(warningIn(english, "en")).toBe(english);
  });
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCsv } from "./read.js";
import { isCaisseError } from "../errors.js";
import { csvHintIn, csvReasonIn } from "./reasonIn.js";

/**
 * Every kind of invalid row, as the reader itself words it, then in French: a change of the
 * English that a rule no longer matches is seen here.
 */
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caisse-reason-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva;libelle";

/** The reasons of the invalid rows of a sales file, in file order. */
async function reasons(rows: readonly (string | Buffer)[]): Promise<string[]> {
  const path = join(dir, "ventes.csv");
  await writeFile(
    path,
    Buffer.concat(
      [HEADER, ...rows].map((row) => Buffer.concat([Buffer.from(row), Buffer.from("\n")])),
    ),
  );
  const found: string[] = [];
  for await (const item of readCsv(path, "ventes", {
    displayName: "ventes.csv",
    encoding: "utf-8",
  }))
    if (item.type === "issue") found.push(item.issue.reason);
  return found;
}

describe("csvReasonIn", () => {
  it("says each reason of the reader in French, and leaves English as it is", async () => {
    const english = await reasons([
      "1;2026-11-02 10:00;A1;EPI;1;12,505;20;Pain",
      "2;2026-11-02 10:00;A1;EPI;1,2345;1,00;20;Pain",
      "3;2026-11-02 10:00;A1;EPI;1;1,00;200;Pain",
      "4;2026-13-02 10:00;A1;EPI;1;1,00;20;Pain",
      "5;2026-11-02 10:00;A1;EPI;1;;20;Pain",
      "6;2026-11-02 10:00;A1;EPI;1;1,00",
      "7;2026-11-02 10:00;A\u00011;EPI;1;1,00;20;Pain",
      Buffer.concat([Buffer.from("8;2026-11-02 10:00;A1;EPI;1;1,00;20;Caf"), Buffer.from([0xe9])]),
    ]);
    expect(english.map((reason) => csvReasonIn(reason, "fr"))).toEqual([
      "montant invalide '12,505' dans la colonne montant_ttc (attendu : un nombre d'au plus 2 décimales, comme 1 234,50, -3.5, 92,68 €, €-92.68 ou (3,00))",
      "quantité invalide '1,2345' dans la colonne quantite (attendu : un nombre d'au plus 3 décimales, comme 2, -1 ou 0,125)",
      "taux de TVA invalide '200' dans la colonne taux_tva (attendu : un pourcentage de 0 à 100 d'au plus 2 décimales, comme 20 ou 5,5)",
      "date invalide '2026-13-02 10:00' dans la colonne date (attendu : une date qui existe, en AAAA-MM-JJ ou JJ/MM/AAAA, suivie ou non de HH:MM ou HH:MM:SS)",
      "valeur manquante dans la colonne montant_ttc : valeur vide (attendu : un nombre d'au plus 2 décimales, comme 1 234,50, -3.5, 92,68 €, €-92.68 ou (3,00))",
      "8 champs attendus, 6 trouvés",
      "caractère de contrôle U+0001 dans la colonne article : 'A\\u00011' (attendu : du texte sans caractère de contrôle)",
      "UTF-8 invalide dans la colonne libelle : 'Caf\uFFFD' (attendu : du texte en UTF-8 ; U+FFFD marque les octets qui n'ont pas pu être lus)",
    ]);
    expect(english.map((reason) => csvReasonIn(reason, "en"))).toEqual(english);
  });

  it("agrees in number, and leaves a reason it does not know in English", () => {
    expect(csvReasonIn("expected 8 fields, found 1", "fr")).toBe("8 champs attendus, 1 trouvé");
    expect(csvReasonIn("invalid colour 'x' in column y (expected z)", "fr")).toBe(
      "invalid colour 'x' in column y (expected z)",
    );
    expect(csvReasonIn("something else", "fr")).toBe("something else");
  });

  it("says the hints of files that cannot be read in French", async () => {
    const hints: string[] = [];
    const tryRead = async (content: string, encoding = "utf-8"): Promise<void> => {
      const path = join(dir, "ventes-bad.csv");
      await writeFile(path, content);
      let rows = 0;
      try {
        for await (const item of readCsv(path, "ventes", {
          displayName: "ventes-bad.csv",
          encoding,
        }))
          if (item.type === "row") rows++;
      } catch (error) {
        if (!isCaisseError(error, "E_CSV_UNREADABLE")) throw error;
        hints.push(error.hint ?? "");
        return;
      }
      throw new Error(`the file was read (${rows} rows): expected E_CSV_UNREADABLE`);
    };
    await tryRead(`${HEADER}\n`, "klingon");
    await tryRead(`${HEADER};quantite\n`);
    await tryRead("ticket;date;article\n");
    await tryRead(`${HEADER}\n1;2026-11-02 10:00;A1;EPI;1;1,00;20;"Pain\n`);
    expect(hints.map((hint) => csvHintIn(hint, "fr"))).toEqual([
      "corriger l'encodage de la caisse dans la configuration centrale, ou le retirer pour qu'il soit détecté.",
      "retirer ou renommer l'une d'elles dans l'export de la caisse.",
      'si la caisse nomme une colonne autrement, l\'associer dans la configuration centrale, par exemple "columns": { "famille": "<l\'en-tête de la caisse>" }',
      'un guillemet dans une valeur entre guillemets doit être doublé : "12"" screen"',
    ]);
    expect(hints.map((hint) => csvHintIn(hint, "en"))).toEqual(hints);
  });
});

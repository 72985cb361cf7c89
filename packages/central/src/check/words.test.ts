import { countedIn } from "@caisse/core";
import { describe, expect, it } from "vitest";
import { KIND_OF_CODE, type FindingCode, type What } from "./findings.js";
import { CHECK_WORDS, sayMessage, sayTodo } from "./words.js";

const FIX_EN =
  "correct the article in the till software to match catalog/articles.csv (or correct the catalogue), then send a new archive";
const FIX_FR =
  "corriger l'article dans le logiciel de caisse pour qu'il corresponde à catalog/articles.csv (ou corriger le catalogue), puis envoyer une nouvelle archive";
const ROWS_EN =
  "correct these rows in the till software (or its export settings) and send a new archive; see docs/csv-format.md";
const ONE_FAMILY_EN = "give the article one family in the till software, then send a new archive";
const ONE_FAMILY_FR =
  "donner une seule famille à l'article dans le logiciel de caisse, puis envoyer une nouvelle archive";
const LINK_EN = "put the file itself in the till's folder, not a link to it";
const LINK_FR = "mettre le fichier lui-même dans le dossier de la caisse, pas un lien vers lui";
const NOT_IN_EN =
  "add the article to catalog/articles.csv, or correct its code in the till software";
const NOT_IN_FR =
  "ajouter l'article à catalog/articles.csv, ou corriger son code dans le logiciel de caisse";

/** Each case: the facts, then [message, todo] in English, then in French. */
const CASES: [What, [string, string], [string, string]][] = [
  [
    { code: "file-unreadable", reason: "ventes.csv, line 1: missing columns", hint: null },
    [
      "cannot be read, left out whole: ventes.csv, line 1: missing columns",
      "export the file again from the till software as CSV (see docs/csv-format.md), then send a new archive",
    ],
    [
      "illisible, laissé de côté en entier : ventes.csv, line 1: missing columns",
      "exporter à nouveau le fichier en CSV depuis le logiciel de caisse (voir docs/csv-format.md), puis envoyer une nouvelle archive",
    ],
  ],
  [
    { code: "file-unreadable", reason: "bad", hint: "map the column" },
    ["cannot be read, left out whole: bad", "map the column"],
    ["illisible, laissé de côté en entier : bad", "map the column"],
  ],
  [
    { code: "file-link" },
    ["a symbolic link, left out", LINK_EN],
    ["un lien symbolique, laissé de côté", LINK_FR],
  ],
  [
    { code: "file-special" },
    ["not a regular file, left out", LINK_EN],
    ["pas un fichier ordinaire, laissé de côté", LINK_FR],
  ],
  [
    {
      code: "invalid-row",
      reason: "expected 8 fields, found 6",
    },
    ["invalid row, left out of every figure: expected 8 fields, found 6", ROWS_EN],
    [
      "ligne invalide, exclue de tous les chiffres : 8 champs attendus, 6 trouvés",
      "corriger cette ligne dans le logiciel de caisse (ou ses réglages d'export) puis envoyer une nouvelle archive ; voir docs/csv-format.md",
    ],
  ],
  [
    { code: "invalid-rows", rows: 3, lines: [5, 6, 9], most: "bad date" },
    ["3 invalid rows, left out of every figure (lines 5, 6, 9; most: bad date)", ROWS_EN],
    [
      "3 lignes invalides, exclues de tous les chiffres (lignes 5, 6, 9 ; motif le plus fréquent : bad date)",
      "corriger ces lignes dans le logiciel de caisse (ou ses réglages d'export) puis envoyer une nouvelle archive ; voir docs/csv-format.md",
    ],
  ],
  [
    { code: "invalid-rows", rows: 1234, lines: [5, 6, 9], most: "bad date" },
    ["1234 invalid rows, left out of every figure (lines 5, 6, 9, ...; most: bad date)", ROWS_EN],
    [
      "1234 lignes invalides, exclues de tous les chiffres (lignes 5, 6, 9, ... ; motif le plus fréquent : bad date)",
      "corriger ces lignes dans le logiciel de caisse (ou ses réglages d'export) puis envoyer une nouvelle archive ; voir docs/csv-format.md",
    ],
  ],
  [
    {
      code: "duplicate-tickets",
      tickets: 1,
      file: "ventes.csv",
      first: "ventes-2.csv",
      ticket: "101",
      day: "2026-11-04",
    },
    [
      "1 ticket already in ventes-2.csv (the first: ticket 101 of 2026-11-04); counted once",
      "if ventes.csv is a copy (a backup, an export made twice), remove it from the till's folder; the next archive then leaves it out",
    ],
    [
      "1 ticket déjà dans ventes-2.csv (ticket 101 du 04/11/2026) ; compté une seule fois",
      "si ventes.csv est une copie (une sauvegarde, un export fait deux fois), le retirer du dossier de la caisse ; la prochaine archive le laissera de côté",
    ],
  ],
  [
    {
      code: "duplicate-tickets",
      tickets: 2,
      file: "ventes.csv",
      first: "copie.csv",
      ticket: "10",
      day: "2026-11-02",
    },
    [
      "2 tickets already in copie.csv (the first: ticket 10 of 2026-11-02); counted once",
      "if ventes.csv is a copy (a backup, an export made twice), remove it from the till's folder; the next archive then leaves it out",
    ],
    [
      "2 tickets déjà dans copie.csv (le premier : ticket 10 du 02/11/2026) ; comptés une seule fois",
      "si ventes.csv est une copie (une sauvegarde, un export fait deux fois), le retirer du dossier de la caisse ; la prochaine archive le laissera de côté",
    ],
  ],
  [
    { code: "family-differs-catalogue", article: "A2", here: "BOI", catalogue: null },
    ["article A2 is in family BOI here but in ? in the catalogue", FIX_EN],
    ["l'article A2 est dans la famille BOI ici mais dans ? au catalogue", FIX_FR],
  ],
  [
    {
      code: "sold-family-differs-catalogue",
      article: "A2",
      family: "BOI",
      rows: 1,
      catalogue: "EPI",
    },
    ["article A2 is sold in family BOI (1 line) but is in EPI in the catalogue", FIX_EN],
    ["l'article A2 est vendu dans la famille BOI (1 ligne) mais est dans EPI au catalogue", FIX_FR],
  ],
  [
    {
      code: "sold-in-several-families",
      article: "A2",
      families: ["EPI", "BOI"],
      family: "BOI",
      rows: 2,
    },
    [
      "article A2 is sold in several families here (EPI, BOI); BOI from this line on 2 lines",
      ONE_FAMILY_EN,
    ],
    [
      "l'article A2 est vendu ici dans plusieurs familles (EPI, BOI) ; BOI à partir de cette ligne (2 lignes)",
      ONE_FAMILY_FR,
    ],
  ],
  [
    {
      code: "sold-family-differs-articles",
      article: "A4",
      family: "BOI",
      rows: 0,
      expected: "FRA",
      file: "articles.csv",
    },
    ["article A4 is sold in family BOI (0 lines) but is in FRA in articles.csv", ONE_FAMILY_EN],
    [
      "l'article A4 est vendu dans la famille BOI (0 ligne) mais est dans FRA dans articles.csv",
      ONE_FAMILY_FR,
    ],
  ],
  [
    {
      code: "family-differs-tills",
      article: "A1",
      values: [
        ["EPI", ["D01", "D03"]],
        ["BOI", ["D02"]],
      ],
    },
    [
      "article A1 has different families at different tills: 'EPI' at D01, D03, 'BOI' at D02",
      "give the article the same family at every till, or put the reference in catalog/articles.csv",
    ],
    [
      "l'article A1 n'a pas la même famille dans toutes les caisses : « EPI » à D01, D03 ; « BOI » à D02",
      "donner la même famille à l'article dans toutes les caisses, ou mettre la référence dans catalog/articles.csv",
    ],
  ],
  [
    { code: "label-differs-catalogue", article: "A3", here: "Jus", catalogue: "Jus d'orange" },
    ["article A3 is 'Jus' here but 'Jus d'orange' in the catalogue", FIX_EN],
    ["l'article A3 s'appelle « Jus » ici mais « Jus d'orange » au catalogue", FIX_FR],
  ],
  [
    {
      code: "label-differs-tills",
      article: "A1",
      values: [
        ["Pain", ["D01"]],
        ["Baguette", ["D02"]],
      ],
    },
    [
      "article A1 has different labels at different tills: 'Pain' at D01, 'Baguette' at D02",
      "give the article the same label at every till, or put the reference in catalog/articles.csv",
    ],
    [
      "l'article A1 n'a pas le même libellé dans toutes les caisses : « Pain » à D01 ; « Baguette » à D02",
      "donner le même libellé à l'article dans toutes les caisses, ou mettre la référence dans catalog/articles.csv",
    ],
  ],
  [
    { code: "unknown-family", family: "XXX", rows: 3, reference: "catalogue" },
    [
      "family XXX (3 lines) is not in catalog/familles.csv",
      "add the family to catalog/familles.csv, or correct the code in the till software",
    ],
    [
      "la famille XXX (3 lignes) n'est pas dans catalog/familles.csv",
      "ajouter la famille à catalog/familles.csv, ou corriger le code dans le logiciel de caisse",
    ],
  ],
  [
    { code: "unknown-family", family: "ZZZ", rows: 1, reference: "till" },
    [
      "family ZZZ (1 line) is not in the till's familles file",
      "add the family to the till's familles file, or correct the code in the till software",
    ],
    [
      "la famille ZZZ (1 ligne) n'est pas dans le fichier familles de la caisse",
      "ajouter la famille au fichier familles de la caisse, ou corriger le code dans le logiciel de caisse",
    ],
  ],
  [
    { code: "not-in-catalogue", article: "Z1", rows: 2 },
    ["article Z1 is sold (2 lines) but is not in the catalogue", NOT_IN_EN],
    ["l'article Z1 est vendu (2 lignes) mais n'est pas au catalogue", NOT_IN_FR],
  ],
  [
    { code: "closure-mismatch", day: "2026-11-03", closure: 123456, lines: 450 },
    [
      "the Z closure of 2026-11-03 says €1,234.56 but the sales lines of that day sum to €4.50 (difference €1,230.06)",
      "look for a sales file of that day missing from the till's folder or left out (see the other findings), or a sale made after the closure",
    ],
    [
      "la clôture Z du 03/11/2026 indique 1\u202f234,56\u00a0€ mais les lignes de vente de ce jour totalisent 4,50\u00a0€ (écart 1\u202f230,06\u00a0€)",
      "chercher un fichier de ventes de ce jour absent du dossier de la caisse ou laissé de côté (voir les autres anomalies), ou une vente faite après la clôture",
    ],
  ],
  [
    {
      code: "more",
      kind: "not-in-catalogue",
      findings: 1,
      till: "D03",
      like: { code: "not-in-catalogue", article: "Z1", rows: 1 },
    },
    ["and 1 more not-in-catalogue finding at D03, like the ones above", NOT_IN_EN],
    ["et 1 autre anomalie not-in-catalogue à D03, semblable à celles ci-dessus", NOT_IN_FR],
  ],
  [
    {
      code: "more",
      kind: "family-differs",
      findings: 2480,
      till: null,
      like: { code: "family-differs-catalogue", article: "A2", here: "BOI", catalogue: "EPI" },
    },
    ["and 2480 more family-differs findings, like the ones above", FIX_EN],
    ["et 2480 autres anomalies family-differs, semblables à celles ci-dessus", FIX_FR],
  ],
];

describe("the words of check", () => {
  it.each(CASES)("%o", (what, en, fr) => {
    expect([sayMessage(CHECK_WORDS.en, what), sayTodo(CHECK_WORDS.en, what)]).toEqual(en);
    expect([sayMessage(CHECK_WORDS.fr, what), sayTodo(CHECK_WORDS.fr, what)]).toEqual(fr);
  });

  it("has a case for every code", () => {
    const codes = new Set<FindingCode>(CASES.map(([what]) => what.code));
    expect([...codes].sort()).toEqual([...Object.keys(KIND_OF_CODE), "more"].sort());
  });

  it("places, findings and totals in both languages", () => {
    const { en, fr } = CHECK_WORDS;
    expect(en.where("D01", "ventes.csv", 17)).toBe("D01 ventes.csv line 17");
    expect(fr.where("D01", "ventes.csv", 17)).toBe("D01 ventes.csv ligne 17");
    expect(en.where(null, null, null)).toBe("all tills");
    expect(fr.where(null, null, null)).toBe("toutes les caisses");
    expect(fr.where("D02", "ventes-old.csv", null)).toBe("D02 ventes-old.csv");
    expect(en.found("D01", "invalid-rows", "x")).toBe("D01: [invalid-rows] x");
    expect(fr.found("D01", "invalid-rows", "x")).toBe("D01 : [invalid-rows] x");
    expect(en.whatToDo("y")).toBe("  what to do: y");
    expect(fr.whatToDo("y")).toBe("  que faire : y");
    expect(en.total(1, "1 invalid-rows")).toBe("1 finding: 1 invalid-rows");
    expect(fr.total(1, "1 invalid-rows")).toBe("1 anomalie : 1 invalid-rows");
    expect(en.total(3, "3 invalid-rows")).toBe("3 findings: 3 invalid-rows");
    expect(fr.total(3, "3 invalid-rows")).toBe("3 anomalies : 3 invalid-rows");
  });
});

describe("countedIn", () => {
  it.each([
    [0, "0 tickets", "0 ticket"],
    [1, "1 ticket", "1 ticket"],
    [2, "2 tickets", "2 tickets"],
    [-1, "-1 tickets", "-1 ticket"],
  ])("%d", (count, en, fr) => {
    expect(countedIn("en", count, "ticket", "tickets")).toBe(en);
    expect(countedIn("fr", count, "ticket", "tickets")).toBe(fr);
  });
});

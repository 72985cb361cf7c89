import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../scripts/seeded-random.mjs";
import { type CaisseError, isCaisseError } from "../errors.js";
import { fileKindOf, normaliseColumnName, readCsv } from "./read.js";
import type {
  CsvEngine,
  CsvIssue,
  CsvItem,
  CsvReadOptions,
  CsvUnreadableDetails,
  FileKind,
  RowOf,
} from "./types.js";

let dir = "";
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caisse-csv-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(content: string | Buffer, name = `ventes-${++fileCount}.csv`) {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

interface Read<K extends FileKind> {
  items: CsvItem<K>[];
  rows: RowOf[K][];
  /** The line of each row. */
  lines: number[];
  issues: CsvIssue[];
}

/**
 * Every read goes through both engines, the fast path (`auto`) and csv-parse alone, which must
 * give exactly the same items, or the same error after the same rows.
 */
const ENGINES = ["auto", "csv-parse"] as const satisfies readonly CsvEngine[];

type Outcome<K extends FileKind> = { items: CsvItem<K>[]; error: Error | undefined };

async function outcomeOf<K extends FileKind>(
  path: string,
  kind: K,
  options: CsvReadOptions,
): Promise<Outcome<K>> {
  const items: CsvItem<K>[] = [];
  try {
    for await (const item of readCsv(path, kind, options)) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** What an error shows: code, message, details, hint; or its text for another error. */
function errorShape(error: Error | undefined): unknown {
  if (isCaisseError(error)) {
    return { code: error.code, message: error.message, details: error.details, hint: error.hint };
  }
  return error === undefined ? undefined : String(error);
}

/** Reads with each engine, checks they agree, and gives the outcome. */
async function readBoth<K extends FileKind>(
  path: string,
  kind: K,
  options: Partial<CsvReadOptions> = {},
): Promise<Outcome<K>> {
  const outcomes = [];
  for (const engine of ENGINES) {
    outcomes.push(await outcomeOf(path, kind, { displayName: basename(path), ...options, engine }));
  }
  const [first, ...others] = outcomes;
  if (first === undefined) throw new Error("no engine");
  for (const other of others) {
    expect(other.items).toEqual(first.items);
    expect(errorShape(other.error)).toEqual(errorShape(first.error));
  }
  return first;
}

async function readAll<K extends FileKind>(
  path: string,
  kind: K,
  options: Partial<CsvReadOptions> = {},
): Promise<Read<K>> {
  const { items, error } = await readBoth(path, kind, options);
  if (error !== undefined) throw error;
  const rows = items.flatMap((item) => (item.type === "row" ? [item] : []));
  return {
    items,
    rows: rows.map((item) => item.row),
    lines: rows.map((item) => item.line),
    issues: items.flatMap((item) => (item.type === "issue" ? [item.issue] : [])),
  };
}

/** The E_CSV_UNREADABLE error of a file, and how many rows were yielded before it. */
async function readError(
  path: string,
  kind: FileKind,
  options: Partial<CsvReadOptions> = {},
): Promise<{ error: CaisseError; line: number | undefined; problem: string; rowsBefore: number }> {
  const { items, error } = await readBoth(path, kind, options);
  if (!isCaisseError(error)) throw error ?? new Error("expected readCsv to throw");
  expect(error.code).toBe("E_CSV_UNREADABLE");
  const details = error.details as CsvUnreadableDetails;
  expect(details.file).toBe(basename(path));
  const rowsBefore = items.filter((item) => item.type === "row").length;
  return { error, line: details.line, problem: details.problem, rowsBefore };
}

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva;libelle";

const GOOD_SALE = {
  ticket: "1",
  date: "2024-03-05 10:00",
  article: "A1",
  famille: "F1",
  quantite: "1",
  montant_ttc: "12,50",
  taux_tva: "20",
  libelle: "Café",
};

/** One sales line in the column order of HEADER, with some values changed. */
function sale(changes: Partial<typeof GOOD_SALE> = {}, delimiter = ";"): string {
  return Object.values({ ...GOOD_SALE, ...changes }).join(delimiter);
}

function csv(lines: readonly string[], eol = "\n"): string {
  return lines.join(eol) + eol;
}

/** Reads a ventes file made of HEADER and one sales line. */
async function readOneSale(changes: Partial<typeof GOOD_SALE>) {
  return readAll(await write(csv([HEADER, sale(changes)])), "ventes");
}

/** ASCII text and single bytes, for files in Windows-1252. */
function bytes(...parts: (string | number)[]): Buffer {
  return Buffer.concat(
    parts.map((part) => (typeof part === "number" ? Buffer.of(part) : Buffer.from(part, "latin1"))),
  );
}

function sumOfTtc(rows: readonly RowOf["ventes"][]): number {
  return rows.reduce((sum, row) => sum + row.ttc, 0);
}

describe("fileKindOf", () => {
  it.each([
    ["ventes.csv", "ventes"],
    ["VENTES_2026-11.CSV", "ventes"],
    ["caisse/Reglements.csv", "reglements"],
    ["data\\articles-2026.csv", "articles"],
    ["familles.CSV", "familles"],
    ["clotures_z.csv", "clotures"],
    ["ventes.csv.bak", undefined],
    ["ventes", undefined],
    ["notes.txt", undefined],
    ["old-ventes.csv", undefined],
    ["ventes.csv/readme.txt", undefined],
  ])("%s is %s", (name, kind) => {
    expect(fileKindOf(name)).toBe(kind);
  });
});

describe("normaliseColumnName", () => {
  it.each([
    ["Quantité", "quantite"],
    ["Montant TTC", "montant_ttc"],
    ["TAUX-TVA", "taux_tva"],
    ["  Prix  achat_HT ", "prix_achat_ht"],
    ["Libellé", "libelle"],
    ["Clôture - Numéro", "cloture_numero"],
  ])("%s is %s", (name, normalised) => {
    expect(normaliseColumnName(name)).toBe(normalised);
  });
});

describe("header", () => {
  const expected: RowOf["ventes"] = {
    ticket: "1",
    at: "2024-03-05T10:00:00" as RowOf["ventes"]["at"],
    article: "A1",
    family: "F1",
    quantity: 1000 as RowOf["ventes"]["quantity"],
    ttc: 1250 as RowOf["ventes"]["ttc"],
    rate: 2000 as RowOf["ventes"]["rate"],
    label: "Café",
  };

  it.each([
    ["our names", HEADER, sale()],
    [
      "capitals, accents and spaces",
      "Ticket;Date;Article;Famille;Quantité;Montant TTC;Taux TVA;Libellé",
      sale(),
    ],
    [
      "hyphens and underscores",
      "TICKET;DATE;ARTICLE;FAMILLE;QUANTITE;MONTANT-TTC;taux_TVA;LIBELLE",
      sale(),
    ],
    [
      "other order and unknown columns",
      "Vendeur;libelle;taux_tva;montant_ttc;Remise;quantite;famille;article;date;ticket",
      "Paul;Café;20;12,50;0;1;F1;A1;2024-03-05 10:00;1",
    ],
  ])("matches %s", async (_case, header, line) => {
    const { rows, issues } = await readAll(await write(csv([header, line])), "ventes");
    expect(issues).toEqual([]);
    expect(rows).toEqual([expected]);
  });

  it("takes an optional column as undefined when it is absent or empty", async () => {
    const header = "ticket;date;article;famille;quantite;montant_ttc;taux_tva";
    const absent = await readAll(await write(csv([header, "1;2024-03-05;A1;F1;1;2;20"])), "ventes");
    const empty = await readOneSale({ libelle: "  " });
    expect(absent.rows.map((row) => row.label)).toEqual([undefined]);
    expect(empty.rows.map((row) => row.label)).toEqual([undefined]);
  });

  it("follows the columns mapping, compared normalised, ignoring other kinds' columns", async () => {
    const path = await write(
      csv([
        "N° ticket;Horodatage;Code;Rayon;Qté vendue;Total;TVA;quantite",
        "1;2024-03-05 10:00;A1;F1;1;12,50;20;999",
      ]),
    );
    const { rows, issues } = await readAll(path, "ventes", {
      columns: {
        ticket: "N° ticket",
        date: "horodatage",
        article: "CODE",
        famille: "rayon",
        // Mapped away from the file's own `quantite` column.
        quantite: "Qte-vendue",
        "Montant TTC": "total",
        taux_tva: "tva",
        mode: "Reglement",
      },
    });
    expect(issues).toEqual([]);
    expect(rows).toEqual([{ ...expected, label: undefined }]);
  });

  it("refuses a file without a required column, listing what it found and expected", async () => {
    const path = await write(
      csv(["Ticket;Date;Article;Famille;Qte;Total TTC;Taux TVA", "1;2024-03-05;A1;F1;1;2;20"]),
    );
    const { error, line, problem } = await readError(path, "ventes");
    expect(error.code).toBe("E_CSV_UNREADABLE");
    expect([line, problem]).toEqual([1, "missing-column"]);
    expect(error.message).toContain("missing required columns quantite, montant_ttc;");
    expect(error.message).toContain("found 'Ticket', 'Date', 'Article', 'Famille', 'Qte'");
    expect(error.message).toContain("expected ticket, date, article, famille, quantite");
    expect(error.hint).toContain('"columns": { "quantite":');
  });

  it("refuses the same column twice", async () => {
    const path = await write(csv([`${HEADER};Montant-TTC`, `${sale()};3`]));
    const { error, line, problem } = await readError(path, "ventes");
    expect([line, problem]).toEqual([1, "duplicate-column"]);
    expect(error.message).toContain("montant_ttc ('montant_ttc' and 'Montant-TTC')");
  });

  it.each([
    ["an empty file", ""],
    ["a file of blank lines", "\n   \r\n\t\n;;;\n"],
  ])("refuses %s: no header", async (_case, content) => {
    const { line, problem } = await readError(await write(content), "ventes");
    expect([line, problem]).toEqual([undefined, "no-header"]);
  });

  it("takes the first non-blank line as the header", async () => {
    const { lines } = await readAll(await write(csv(["", "  ", HEADER, sale()])), "ventes");
    expect(lines).toEqual([4]);
  });
});

describe("delimiter", () => {
  it.each([
    [";", sale()],
    [",", sale({ montant_ttc: '"12,50"' }, ",")],
    [",", sale({ montant_ttc: "12.50" }, ",")],
    ["\t", sale({}, "\t")],
  ])("reads %j", async (delimiter, line) => {
    const { rows, issues } = await readAll(
      await write(csv([HEADER.replaceAll(";", delimiter), line])),
      "ventes",
    );
    expect(issues).toEqual([]);
    expect(rows.map((row) => [row.ticket, row.ttc, row.label])).toEqual([["1", 1250, "Café"]]);
  });

  // familles has two columns; the mapping lets a header name hold the other candidates.
  it.each([
    ["; wins a tie with ,", "famille;libelle,x", "F1;Fruits, légumes", { libelle: "libelle,x" }],
    [
      "tab wins a tie with ,",
      "famille\tlibelle,x",
      "F1\tFruits, légumes",
      { libelle: "libelle,x" },
    ],
    [
      "; wins a tie with tab",
      "famille;libelle\tx",
      "F1;Fruits\tlégumes",
      { libelle: "libelle\tx" },
    ],
    [
      "counts outside quotes only",
      '"famille;x;y",libelle',
      'F1,"Fruits; légumes"',
      { famille: "famille;x;y" },
    ],
  ])("%s", async (_case, header, line, columns) => {
    const { rows } = await readAll(await write(csv([header, line])), "familles", { columns });
    expect(rows.map((row) => row.family)).toEqual(["F1"]);
    expect(rows.map((row) => row.label)).toEqual([line.slice(3).replaceAll('"', "")]);
  });
});

describe("encoding", () => {
  const label = "Bœuf ’bio’ 5€ été";
  const text = csv([HEADER, sale({ libelle: label })], "\r\n");

  it.each([
    ["UTF-8", Buffer.from(text)],
    ["UTF-8 with BOM and CRLF", Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(text)])],
    ["UTF-16LE with BOM", Buffer.concat([Buffer.of(0xff, 0xfe), iconv.encode(text, "utf-16le")])],
    ["UTF-16BE with BOM", Buffer.concat([Buffer.of(0xfe, 0xff), iconv.encode(text, "utf-16be")])],
    ["Windows-1252", iconv.encode(text, "windows-1252")],
  ])("reads %s", async (_case, content) => {
    const { rows, issues } = await readAll(await write(content), "ventes");
    expect(issues).toEqual([]);
    expect(rows.map((row) => [row.ticket, row.label])).toEqual([["1", label]]);
  });

  it("reads Windows-1252 bytes € œ ’ é when the file is not valid UTF-8", async () => {
    const content = bytes(
      `${HEADER}\r\n`,
      "1;2024-03-05;A1;F1;1;5;20;B",
      0x9c,
      "uf ",
      0x92,
      "bio",
      0x92,
      " 5",
      0x80,
      " ",
      0xe9,
      "t",
      0xe9,
      "\r\n",
    );
    const { rows } = await readAll(await write(content), "ventes");
    expect(rows.map((row) => row.label)).toEqual(["Bœuf ’bio’ 5€ été"]);
  });

  it("uses the declared encoding rather than Windows-1252", async () => {
    // 0xA4 is € in ISO-8859-15 and ¤ in Windows-1252.
    const path = await write(bytes(`${HEADER}\n`, "1;2024-03-05;A1;F1;1;5;20;5", 0xa4, "\n"));
    const declared = await readAll(path, "ventes", { encoding: "ISO-8859-15" });
    const detected = await readAll(path, "ventes");
    expect(declared.rows.map((row) => row.label)).toEqual(["5€"]);
    expect(detected.rows.map((row) => row.label)).toEqual(["5¤"]);
  });

  it("lets a BOM win over the declared encoding", async () => {
    const content = Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(text)]);
    const { rows } = await readAll(await write(content), "ventes", { encoding: "windows-1252" });
    expect(rows.map((row) => row.label)).toEqual([label]);
  });

  it("refuses an unknown encoding", async () => {
    const { error, line, problem } = await readError(await write(text), "ventes", {
      encoding: "klingon",
    });
    expect([line, problem]).toEqual([undefined, "unknown-encoding"]);
    expect(error.message).toContain("unknown encoding 'klingon'");
  });

  it("reports only the rows with invalid bytes when UTF-8 is declared", async () => {
    const content = Buffer.concat([
      Buffer.from(csv([HEADER, sale({ ticket: "1", montant_ttc: "1,00" })])),
      bytes("2;2024-03-05;A1;F1;1;2,00;20;Caf", 0xe9, "\n"),
      Buffer.from(csv([sale({ ticket: "3", montant_ttc: "4,00" })])),
      bytes("4;2024-03-05;A1;F1;1;8,00;20;", 0xff, 0xfe, "\n"),
      Buffer.from(csv([sale({ ticket: "5", montant_ttc: "16,00", libelle: "Crème" })])),
    ]);
    const { rows, lines, issues } = await readAll(await write(content), "ventes", {
      encoding: "utf-8",
    });
    expect(issues.map((issue) => [issue.line, issue.code])).toEqual([
      [3, "E_CSV_BAD_TEXT"],
      [5, "E_CSV_BAD_TEXT"],
    ]);
    expect(issues[0]?.reason).toBe(
      "invalid UTF-8 in column libelle: 'Caf\uFFFD' (expected text in UTF-8; U+FFFD marks the bytes that could not be read)",
    );
    expect(lines).toEqual([2, 4, 6]);
    expect(sumOfTtc(rows)).toBe(2100);
    expect(rows.at(-1)?.label).toBe("Crème");
  });
});

describe("quoting, line ends and blank lines", () => {
  it("reads quoted delimiters, doubled quotes and line breaks, and counts lines after them", async () => {
    const path = await write(
      csv(
        [
          HEADER,
          sale({ ticket: "1", libelle: '"Café; ""noir""\r\nsur\r\ntrois lignes"' }),
          sale({ ticket: "2", libelle: '"a\nb"' }),
          sale({ ticket: "3", montant_ttc: "x" }),
        ],
        "\r\n",
      ),
    );
    const { rows, lines, issues } = await readAll(path, "ventes");
    expect(rows.map((row) => row.label)).toEqual(['Café; "noir"\nsur\ntrois lignes', "a\nb"]);
    expect(lines).toEqual([2, 5]);
    expect(issues.map((issue) => issue.line)).toEqual([7]);
  });

  it("skips blank, whitespace-only and delimiter-only lines and keeps counting them", async () => {
    const path = await write(
      [
        HEADER,
        "",
        sale({ ticket: "1" }),
        "   ",
        "\t",
        ";;;;;;;",
        " ; ; ",
        sale({ ticket: "2" }),
        "",
        "",
      ].join("\r\n"),
    );
    const { rows, lines, issues } = await readAll(path, "ventes");
    expect(issues).toEqual([]);
    expect(rows.map((row) => row.ticket)).toEqual(["1", "2"]);
    expect(lines).toEqual([3, 8]);
  });

  it("reads LF, CRLF, CR and no line end at the end of the file", async () => {
    const path = await write(
      `${HEADER}\n${sale({ ticket: "1" })}\r\n${sale({ ticket: "2" })}\r${sale({ ticket: "3" })}`,
    );
    const { rows, lines } = await readAll(path, "ventes");
    expect(rows.map((row) => row.ticket)).toEqual(["1", "2", "3"]);
    expect(lines).toEqual([2, 3, 4]);
  });

  it("trims values, quoted or not", async () => {
    const { rows } = await readOneSale({ ticket: "  7 ", article: '" A 1 "', libelle: "\tCafé  " });
    expect(rows.map((row) => [row.ticket, row.article, row.label])).toEqual([["7", "A 1", "Café"]]);
  });
});

describe("values", () => {
  it.each([
    ["12,50", 1250],
    ["12.50", 1250],
    ["12,5", 1250],
    ["-3,00", -300],
    ["7", 700],
    ["1 234,56", 123456],
    ["1\u00A0234,56", 123456],
    ["1\u202F234,56", 123456],
    ["-1 000 000.01", -100000001],
  ])("reads the amount %j", async (montant_ttc, cents) => {
    const { rows } = await readOneSale({ montant_ttc });
    expect(rows.map((row) => row.ttc)).toEqual([cents]);
  });

  it.each([
    ["92,68 €", 9268],
    ["92,68\u00A0€", 9268],
    ["92,68€", 9268],
    ["€92.68", 9268],
    ["€ 92.68", 9268],
    ["92,68 EUR", 9268],
    ["EUR 92,68", 9268],
    ["EUR92,68", 9268],
    ["-92,68 €", -9268],
    ["-€92.68", -9268],
    ["€-92.68", -9268],
    ["-EUR 92,68", -9268],
    ["1\u202F234,56\u00A0€", 123456],
    ["1 234,56 €", 123456],
    ["€1 234.5", 123450],
    ["0,00 €", 0],
    ["(3,00)", -300],
    ["(3)", -300],
    ["(92,68 €)", -9268],
    ["(€92.68)", -9268],
    ["(1 234,56)", -123456],
    ["(0,00)", 0],
    ["12 €", 1200],
  ])("reads the amount %j as Excel's currency formats write it", async (montant_ttc, cents) => {
    const { rows, issues } = await readOneSale({ montant_ttc });
    expect(issues).toEqual([]);
    expect(rows.map((row) => row.ttc)).toEqual([cents]);
  });

  it.each([
    "3,00-",
    "12,505",
    "abc",
    "1.234,56",
    "+3",
    "- 3",
    "- 92,68 €",
    "12,50 €€",
    "€€12,50",
    "€12,50 €",
    "EUR",
    "€",
    "()",
    "(€)",
    "1 2 3",
    "12.505 €",
    "12,50 $",
    "$12.50",
    "12,50 eur",
    "12,50 E",
    "12,50  €",
    "€  12,50",
    "-(3,00)",
    "(-3,00)",
    "(€-3,00)",
    "-€-3,00",
    "€-(3,00)",
    "( 3,00)",
    "(3,00",
    "3,00)",
    "((3,00))",
    "€ ",
    "-€",
    "12,50 €-",
  ])("refuses the amount %j", async (montant_ttc) => {
    const { rows, issues } = await readOneSale({ montant_ttc });
    expect(rows).toEqual([]);
    expect(issues.map((issue) => [issue.line, issue.code, issue.reason])).toEqual([
      [
        2,
        "E_CSV_BAD_AMOUNT",
        `invalid amount '${montant_ttc.trim()}' in column montant_ttc (expected a decimal with at most 2 decimals, such as 1 234,50, -3.5, 92,68 €, €-92.68 or (3,00))`,
      ],
    ]);
  });

  it.each([
    ["2024-03-05", "2024-03-05T00:00:00"],
    ["2024-03-05 14:30", "2024-03-05T14:30:00"],
    ["2024-03-05 14:30:15", "2024-03-05T14:30:15"],
    ["2024-03-05T14:30", "2024-03-05T14:30:00"],
    ["2024-03-05T14:30:15", "2024-03-05T14:30:15"],
    ["05/03/2024", "2024-03-05T00:00:00"],
    ["05/03/2024 14:30", "2024-03-05T14:30:00"],
    ["05/03/2024 14:30:15", "2024-03-05T14:30:15"],
    ["29/02/2024", "2024-02-29T00:00:00"],
  ])("reads the date %j", async (date, at) => {
    const { rows } = await readOneSale({ date });
    expect(rows.map((row) => row.at)).toEqual([at]);
  });

  it.each([
    "31/02/2024",
    "29/02/2023",
    "2024-13-01",
    "2024-03-05 24:00",
    "2024/03/05",
    "5/3/2024",
    "hier",
  ])("refuses the date %j", async (date) => {
    const { issues } = await readOneSale({ date });
    expect(issues.map((issue) => [issue.code, issue.reason])).toEqual([
      [
        "E_CSV_BAD_DATE",
        `invalid date '${date}' in column date (expected an existing date as YYYY-MM-DD or DD/MM/YYYY, optionally followed by HH:MM or HH:MM:SS)`,
      ],
    ]);
  });

  it.each([
    ["1", 1000],
    ["1,125", 1125],
    ["0.001", 1],
    ["-2", -2000],
    ["-0,5", -500],
    ["1 000", 1000000],
  ])("reads the quantity %j", async (quantite, milli) => {
    const { rows } = await readOneSale({ quantite });
    expect(rows.map((row) => row.quantity)).toEqual([milli]);
  });

  it.each(["1,1255", "un", "2-", "(1)", "1 €", "€1"])(
    "refuses the quantity %j",
    async (quantite) => {
      const { issues } = await readOneSale({ quantite });
      expect(issues.map((issue) => [issue.code, issue.reason])).toEqual([
        [
          "E_CSV_BAD_QUANTITY",
          `invalid quantity '${quantite}' in column quantite (expected a decimal with at most 3 decimals, such as 2, -1 or 0,125)`,
        ],
      ]);
    },
  );

  it.each([
    ["20", 2000],
    ["10", 1000],
    ["5,5", 550],
    ["5.5", 550],
    ["2,1", 210],
    ["0", 0],
  ])("reads the VAT rate %j", async (taux_tva, basisPoints) => {
    const { rows } = await readOneSale({ taux_tva });
    expect(rows.map((row) => row.rate)).toEqual([basisPoints]);
  });

  it.each(["20%", "101", "-5,5", "5,555", "(5,5)", "20 €"])(
    "refuses the VAT rate %j",
    async (taux_tva) => {
      const { issues } = await readOneSale({ taux_tva });
      expect(issues.map((issue) => [issue.code, issue.reason])).toEqual([
        [
          "E_CSV_BAD_RATE",
          `invalid VAT rate '${taux_tva}' in column taux_tva (expected a percentage from 0 to 100 with at most 2 decimals, such as 20 or 5,5)`,
        ],
      ]);
    },
  );

  it("reads a returned item: negative quantity and amount", async () => {
    const { rows } = await readOneSale({ quantite: "-1", montant_ttc: "-12,50" });
    expect(rows.map((row) => [row.quantity, row.ttc])).toEqual([[-1000, -1250]]);
  });

  it.each(["ticket", "date", "article", "famille", "quantite", "montant_ttc", "taux_tva"] as const)(
    "refuses an empty %s",
    async (column) => {
      const { issues } = await readOneSale({ [column]: " " });
      expect(issues.map((issue) => [issue.code, issue.reason.split(":")[0]])).toEqual([
        ["E_CSV_MISSING_VALUE", `missing value in column ${column}`],
      ]);
    },
  );

  it.each([
    ["\u0000", "Café"],
    ["\u0007", "Café"],
    ["\u001B[31m", "Caf[31mé"],
    ["\u007F", "Café"],
    ["\u0085", "Café"],
    ["\u009B2J", "Caf2Jé"],
    ["\u000B\u000C\u001F", "Café"],
  ])("removes the control characters %j from a label and keeps the sale", async (text, label) => {
    const { rows, issues } = await readOneSale({ libelle: `Caf${text}é`, montant_ttc: "4,20" });
    expect(issues).toEqual([]);
    expect(rows.map((row) => [row.label, row.ttc])).toEqual([[label, 420]]);
  });

  it("removes control characters from a payment mode and around a label", async () => {
    const payments = await write(
      csv(["ticket;date;mode;montant", "T1;2024-03-05;C\u0000B;12,50"]),
      "reglements.csv",
    );
    const { rows, issues } = await readAll(payments, "reglements");
    expect(issues).toEqual([]);
    expect(rows.map((row) => [row.mode, row.amount])).toEqual([["CB", 1250]]);
    const sale = await readOneSale({ libelle: "\u0007 Café \u0000" });
    expect(sale.rows.map((row) => row.label)).toEqual(["Café"]);
    const onlyControls = await readOneSale({ libelle: "\u0007\u0000" });
    expect(onlyControls.rows.map((row) => row.label)).toEqual([undefined]);
  });

  it("refuses a required label made only of control characters as missing", async () => {
    const path = await write(csv(["famille;libelle", "F1;\u0007"]), "familles.csv");
    const { issues } = await readAll(path, "familles");
    expect(issues.map((issue) => [issue.line, issue.code])).toEqual([[2, "E_CSV_MISSING_VALUE"]]);
  });

  // Removing the character could turn a damaged code, number or date into a wrong one.
  it.each([
    ["ticket", "T1\u00002", "U+0000", "'T1\\u00002'"],
    ["article", "A\u00071", "U+0007", "'A\\u00071'"],
    ["famille", "F1\u001B", "U+001B", "'F1\\u001B'"],
    ["montant_ttc", "1\u00002,50", "U+0000", "'1\\u00002,50'"],
    ["montant_ttc", "12,50\u000B", "U+000B", "'12,50\\u000B'"],
    ["quantite", "\u00851", "U+0085", "'\\u00851'"],
    ["taux_tva", "2\u007F0", "U+007F", "'2\\u007F0'"],
    ["date", "2024-03-05\u000110:00", "U+0001", "'2024-03-05\\u000110:00'"],
  ] as const)("refuses a control character in %s (%j)", async (column, value, code, shownValue) => {
    const { rows, issues } = await readOneSale({ [column]: value });
    expect(rows).toEqual([]);
    expect(issues.map((issue) => [issue.code, issue.reason])).toEqual([
      [
        "E_CSV_BAD_TEXT",
        `control character ${code} in column ${column}: ${shownValue} (expected text without control characters)`,
      ],
    ]);
  });

  it("keeps a tab inside a value", async () => {
    const { rows } = await readOneSale({ libelle: "Café\tcrème" });
    expect(rows.map((row) => row.label)).toEqual(["Café\tcrème"]);
  });

  it("ignores a control character in an unknown column, which no figure reads", async () => {
    const path = await write(csv([`${HEADER};Remarque`, `${sale()};a\u0001b`]));
    const { rows, issues } = await readAll(path, "ventes");
    expect(issues).toEqual([]);
    expect(rows.map((row) => row.ttc)).toEqual([1250]);
  });

  it("still refuses bytes not valid in the encoding in an unknown column", async () => {
    const content = Buffer.concat([
      Buffer.from(`${HEADER};Remarque\n${sale()};`),
      Buffer.of(0xff),
      Buffer.from("\n"),
    ]);
    const { issues } = await readAll(await write(content), "ventes", { encoding: "utf-8" });
    expect(issues.map((issue) => [issue.line, issue.code])).toEqual([[2, "E_CSV_BAD_TEXT"]]);
  });
});

describe("each kind", () => {
  it("reads reglements", async () => {
    const path = await write(
      csv(["Ticket;Date;Mode;Montant", "T1;05/03/2024 10:02;CB;-1 234,5"]),
      "reglements.csv",
    );
    const { rows } = await readAll(path, "reglements");
    expect(rows).toEqual([
      { ticket: "T1", at: "2024-03-05T10:02:00", mode: "CB", amount: -123450 },
    ]);
  });

  it("reads articles, with and without a purchase price", async () => {
    const path = await write(
      csv([
        "Article;Libellé;Famille;Prix TTC;Taux TVA;Prix achat HT",
        "A1;Pain;BOUL;1,20;5,5;0,40",
        "A2;Sel;EPI;2;20;",
      ]),
      "articles.csv",
    );
    const { rows } = await readAll(path, "articles");
    expect(rows).toEqual([
      { article: "A1", label: "Pain", family: "BOUL", price: 120, rate: 550, purchaseHt: 40 },
      { article: "A2", label: "Sel", family: "EPI", price: 200, rate: 2000, purchaseHt: undefined },
    ]);
  });

  it("refuses a bad purchase price", async () => {
    const path = await write(
      csv([
        "article;libelle;famille;prix_ttc;taux_tva;prix_achat_ht",
        "A1;Pain;BOUL;1,20;5,5;0,405",
      ]),
    );
    const { issues } = await readAll(path, "articles");
    expect(issues.map((issue) => issue.code)).toEqual(["E_CSV_BAD_AMOUNT"]);
  });

  it("reads familles", async () => {
    const path = await write(csv(["famille;libelle", "BOUL;Boulangerie"]), "familles.csv");
    expect((await readAll(path, "familles")).rows).toEqual([
      { family: "BOUL", label: "Boulangerie" },
    ]);
  });

  it("reads clotures: the date of the moment, an optional number", async () => {
    const path = await write(
      csv(["Date;Total TTC;Numéro", "2024-03-05 21:30;1 502,30;Z0042", "06/03/2024;0;"]),
      "clotures.csv",
    );
    expect((await readAll(path, "clotures")).rows).toEqual([
      { date: "2024-03-05", total: 150230, number: "Z0042" },
      { date: "2024-03-06", total: 0, number: undefined },
    ]);
  });
});

describe("broken files", () => {
  it("reports each bad row with its line and code, in order, and keeps the others", async () => {
    const lines = [
      HEADER, // 1
      sale({ ticket: "1", montant_ttc: "10,00" }), // 2
      sale({ ticket: "2", montant_ttc: "12,50 €€" }), // 3
      sale({ ticket: "3", date: "31/02/2024" }), // 4
      "4;2024-03-05;A1;F1;1;5,00", // 5: missing columns
      `${sale({ ticket: "5" })};extra`, // 6: an extra column
      sale({ ticket: "6", famille: "" }), // 7
      sale({ ticket: "7", article: "A\u0007" }), // 8
      sale({ ticket: "8", montant_ttc: '"2,00"x' }), // 9
      sale({ ticket: "9", montant_ttc: "1 000,01", libelle: '"deux\nlignes"' }), // 10-11
      sale({ ticket: "10", montant_ttc: "-2,50", quantite: "-1" }), // 12
      sale({ ticket: "11", quantite: "1,0001" }), // 13
      "", // 14
      sale({ ticket: "12", taux_tva: "7%" }), // 15
      sale({ ticket: "13", libelle: 'ab"c' }), // 16
      sale({ ticket: "14", montant_ttc: "3,00-" }), // 17
      sale({ ticket: "15", montant_ttc: "0,01" }), // 18
    ];
    const { items, rows, issues } = await readAll(await write(csv(lines)), "ventes", {
      displayName: "caisse-3/ventes.csv",
    });
    expect(new Set(issues.map((issue) => issue.file))).toEqual(new Set(["caisse-3/ventes.csv"]));
    expect(
      items.map((item) =>
        item.type === "row" ? [item.line, item.row.ticket] : [item.issue.line, item.issue.code],
      ),
    ).toEqual([
      [2, "1"],
      [3, "E_CSV_BAD_AMOUNT"],
      [4, "E_CSV_BAD_DATE"],
      [5, "E_CSV_FIELD_COUNT"],
      [6, "E_CSV_FIELD_COUNT"],
      [7, "E_CSV_MISSING_VALUE"],
      [8, "E_CSV_BAD_TEXT"],
      [9, "E_CSV_BAD_AMOUNT"],
      [10, "9"],
      [12, "10"],
      [13, "E_CSV_BAD_QUANTITY"],
      [15, "E_CSV_BAD_RATE"],
      [16, "13"],
      [17, "E_CSV_BAD_AMOUNT"],
      [18, "15"],
    ]);
    expect(sumOfTtc(rows)).toBe(1000 + 100001 - 250 + 1250 + 1);
  });

  it("says what was found and expected", async () => {
    const lines = [
      HEADER,
      "4;2024-03-05;A1;F1;1;5,00",
      sale({ famille: "" }),
      sale({ montant_ttc: '"2,00"x' }),
      sale({ libelle: 'ab"c' }),
    ];
    const { issues } = await readAll(await write(csv(lines)), "ventes");
    expect(issues.map((issue) => issue.reason)).toEqual([
      "expected 8 fields, found 6",
      "missing value in column famille: found an empty value, expected a value",
      "invalid amount '\"2,00\"x' in column montant_ttc (expected a decimal with at most 2 decimals, such as 1 234,50, -3.5, 92,68 €, €-92.68 or (3,00))",
    ]);
  });

  it.each([
    ["a quote inside an unquoted label", 'Ecran 12" HD', 'Ecran 12" HD'],
    ["quotes inside an unquoted label", 'a"b""c"', 'a"b""c"'],
    ["a quote after spaces", ' "Café"', '"Café"'],
    ["text after a closing quote", '"Ecran 12" HD"', '"Ecran 12" HD"'],
    ["a doubled quote inside a quoted label", '"Ecran 12"" HD"', 'Ecran 12" HD'],
  ])("reads %s as text, and the next rows as they are", async (_case, libelle, label) => {
    const lines = [
      HEADER,
      sale({ ticket: "1", libelle }),
      sale({ ticket: "2", libelle: '"b;c"' }),
      sale({ ticket: "3", libelle: "d" }),
    ];
    const { rows, lines: at, issues } = await readAll(await write(csv(lines)), "ventes");
    expect(issues).toEqual([]);
    expect(rows.map((row) => [row.ticket, row.label, row.ttc])).toEqual([
      ["1", label, 1250],
      ["2", "b;c", 1250],
      ["3", "d", 1250],
    ]);
    expect(at).toEqual([2, 3, 4]);
  });

  it("never reads a stray quote into a figure nor merges two rows", async () => {
    const lines = [
      HEADER, // 1
      sale({ ticket: "1", montant_ttc: '12"50' }), // 2
      sale({ ticket: "2", montant_ttc: '"12,50"0' }), // 3
      sale({ ticket: "3", quantite: '"1"2' }), // 4
      sale({ ticket: "4", libelle: '"a"b;c"' }), // 5: the ; after b ends the value
      sale({ ticket: "5" }), // 6
    ];
    const { items } = await readAll(await write(csv(lines)), "ventes");
    expect(
      items.map((item) =>
        item.type === "row" ? [item.line, item.row.ticket] : [item.issue.line, item.issue.code],
      ),
    ).toEqual([
      [2, "E_CSV_BAD_AMOUNT"],
      [3, "E_CSV_BAD_AMOUNT"],
      [4, "E_CSV_BAD_QUANTITY"],
      [5, "E_CSV_FIELD_COUNT"],
      [6, "5"],
    ]);
  });

  it("refuses the whole file for an unterminated quote, after yielding the rows before", async () => {
    const lines = [
      HEADER,
      sale({ ticket: "1" }),
      "",
      sale({ ticket: "2", libelle: '"jamais fermé' }),
      sale(),
      sale(),
    ];
    const { error, line, problem, rowsBefore } = await readError(await write(csv(lines)), "ventes");
    expect([line, problem]).toEqual([4, "unterminated-quote"]);
    expect(error.message).toContain(
      "line 4: a quote opened in the record starting on this line is never closed",
    );
    expect(rowsBefore).toBe(1);
  });

  it("refuses the whole file for a record over 1 MiB", async () => {
    const path = await write(
      csv([HEADER, sale(), sale({ libelle: "x".repeat(1_048_577) }), sale()]),
    );
    const { error, line, problem } = await readError(path, "ventes");
    expect([line, problem]).toEqual([3, "record-too-large"]);
    expect(error.message).toContain("longer than 1048576 bytes");
  });

  it("yields the rows before a record over the limit, and reports an earlier problem first", async () => {
    const long = sale({ ticket: "3", libelle: "x".repeat(100) });
    const rows = await readError(await write(csv([HEADER, sale(), sale(), long])), "ventes", {
      maxRecordBytes: 80,
    });
    expect([rows.line, rows.problem, rows.rowsBefore]).toEqual([4, "record-too-large", 2]);
    const header = HEADER.replace("quantite", "qte");
    const first = await readError(await write(csv([header, sale(), long])), "ventes", {
      maxRecordBytes: 80,
    });
    expect([first.line, first.problem]).toEqual([1, "missing-column"]);
  });

  it("reads a record just under 1 MiB", async () => {
    const path = await write(csv([HEADER, sale({ libelle: "x".repeat(1_000_000) })]));
    const { rows } = await readAll(path, "ventes");
    expect(rows.map((row) => row.label?.length)).toEqual([1_000_000]);
  });

  it("refuses a first line without an end within the limit", async () => {
    const { error, line, problem } = await readError(await write("a".repeat(2_000_000)), "ventes");
    expect([line, problem]).toEqual([undefined, "record-too-large"]);
    expect(error.message).toContain("no end to the header line within 1048576 bytes");
  });

  it("refuses a header line over the limit, and follows maxRecordBytes", async () => {
    const path = await write(csv([`${HEADER};${"y".repeat(300)}`, sale()]));
    const { line, problem } = await readError(path, "ventes", { maxRecordBytes: 200 });
    expect([line, problem]).toEqual([1, "record-too-large"]);
  });

  it("throws E_IO for a missing file", async () => {
    const read = readCsv(join(dir, "absent.csv"), "ventes", { displayName: "absent.csv" });
    await expect(read.next()).rejects.toMatchObject({ code: "E_IO" });
  });

  it("stops cleanly when the caller stops early", async () => {
    const path = await write(csv([HEADER, sale({ ticket: "1" }), sale({ ticket: "2" })]));
    const tickets: string[] = [];
    for await (const item of readCsv(path, "ventes", { displayName: "v.csv" })) {
      if (item.type === "row") tickets.push(item.row.ticket);
      break;
    }
    expect(tickets).toEqual(["1"]);
  });
});

describe("the fast path", () => {
  const EXAMPLES = fileURLToPath(new URL("../../../../examples/tills/", import.meta.url));

  it.each(["D01", "D02", "D03"])(
    "reads every file of the example store %s without csv-parse, as csv-parse does",
    async (till) => {
      const folder = join(EXAMPLES, till, "donnees");
      const names = (await readdir(folder)).filter((name) => fileKindOf(name) !== undefined);
      expect(names.length).toBeGreaterThanOrEqual(4);
      for (const name of names) {
        const path = join(folder, name);
        const kind = fileKindOf(name) ?? "ventes";
        const both = await readBoth(path, kind);
        const fast = await outcomeOf(path, kind, { displayName: name, engine: "fast" });
        expect(fast.error, name).toBeUndefined();
        expect(fast.items).toEqual(both.items);
        expect(both.items.length, name).toBeGreaterThan(5);
      }
    },
  );

  it("reads values over a few lines itself, and hands a longer one to csv-parse", async () => {
    const path = await write(
      csv([
        HEADER,
        sale({ ticket: "1", libelle: '"a;b"' }),
        sale({ ticket: "2", libelle: '"deux\r\nlignes"' }),
        sale({ ticket: "3", libelle: `"${"x\n".repeat(15)}"` }),
        sale({ ticket: "4", libelle: `"${"y\n".repeat(16)}"` }),
        sale({ ticket: "5" }),
      ]),
    );
    const { lines } = await readAll(path, "ventes");
    expect(lines).toEqual([2, 3, 5, 21, 38]);
    const fast = await outcomeOf(path, "ventes", { displayName: "v.csv", engine: "fast" });
    expect(fast.items.length).toBe(3);
    expect(String(fast.error)).toBe("Error: the fast path cannot read line 21 of v.csv");
  });

  it.each([
    ["text after a closing quote", sale({ libelle: '"a"b' })],
    ["a quote never closed", sale({ libelle: '"a' })],
  ])("hands over for %s", async (_case, line) => {
    const path = await write(csv([HEADER, sale({ ticket: "0" }), line, sale({ ticket: "9" })]));
    await readBoth(path, "ventes");
    const fast = await outcomeOf(path, "ventes", { displayName: "v.csv", engine: "fast" });
    expect(String(fast.error)).toBe("Error: the fast path cannot read line 3 of v.csv");
  });

  it("hands over a file that starts with a second BOM", async () => {
    const path = await write(`\uFEFF\uFEFF${csv([HEADER, sale()])}`);
    const { rows } = await readAll(path, "ventes");
    expect(rows.map((row) => row.ttc)).toEqual([1250]);
  });

  // Chunks of 64 KiB: lines, multi-byte characters, quotes and invalid bytes across their ends.
  it("reads a file of many chunks with every kind of line as csv-parse does", async () => {
    const random = mulberry32(7);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const labels = [
      "Café",
      '"Bœuf; ""bio"""',
      'Ecran 12" HD',
      "",
      "  x  ",
      '"a"',
      "Thé\u0007",
      "€€€",
    ];
    const amounts = ["12,50", "92,68 €", "(3,00)", "1 234,5", "abc", "-0,01", '"4,20"'];
    const parts: Buffer[] = [Buffer.from(`${HEADER}\r\n`)];
    for (let i = 0; i < 9000; i++) {
      const line = sale({
        ticket: String(i),
        libelle: pick(labels),
        montant_ttc: pick(amounts),
      });
      // Now and then a byte that is not UTF-8, at the start of the ticket.
      if (random() < 0.002) parts.push(Buffer.of(0xc3));
      parts.push(Buffer.from(line));
      parts.push(Buffer.from(pick(["\r\n", "\n", "\r", "\n\n", "\n;;;\n"])));
    }
    parts.push(Buffer.from(csv([sale({ ticket: "last", libelle: '"deux\r\nlignes"' }), sale()])));
    const path = await write(Buffer.concat(parts));
    expect((await stat(path)).size).toBeGreaterThan(6 * 65536);
    const utf8 = await readAll(path, "ventes", { encoding: "utf-8" });
    const fast = await outcomeOf(path, "ventes", {
      displayName: basename(path),
      encoding: "utf-8",
      engine: "fast",
    });
    expect(fast.error).toBeUndefined();
    expect(fast.items).toEqual(utf8.items);
    expect(utf8.issues.filter((issue) => issue.code === "E_CSV_BAD_TEXT").length).toBeGreaterThan(
      0,
    );
    expect(utf8.rows.length).toBeGreaterThan(3000);
    // The same bytes detected as Windows-1252 (0xC3 alone is not UTF-8).
    const detected = await readAll(path, "ventes");
    expect(detected.rows.length).toBeGreaterThan(3000);
  });
});

describe("streaming", () => {
  it("reads a 50 MB file with flat memory", async () => {
    const path = join(dir, "ventes-big.csv");
    const rowCount = 470_000;
    const out = createWriteStream(path);
    out.write(`${HEADER}\r\n`);
    const padding = "x".repeat(60);
    for (let start = 0; start < rowCount; start += 1000) {
      const block: string[] = [];
      for (let i = start; i < start + 1000; i++) {
        block.push(`${i};2026-11-27 10:00;A${i % 97};F${i % 7};1;1,01;20;Café ${padding}\r\n`);
      }
      if (!out.write(block.join(""))) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    expect((await stat(path)).size).toBeGreaterThan(50_000_000);

    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let count = 0;
    let cents = 0;
    for await (const item of readCsv(path, "ventes", { displayName: "ventes-big.csv" })) {
      if (item.type !== "row") throw new Error(`unexpected issue ${JSON.stringify(item.issue)}`);
      count++;
      cents += item.row.ttc;
      if (count % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(rowCount);
    expect(cents).toBe(rowCount * 101);
    expect(peak - baseline).toBeLessThan(100 * 1024 * 1024);
  });
});

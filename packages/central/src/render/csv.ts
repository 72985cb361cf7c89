import {
  fixedDecimal,
  formatCentsPlain,
  formatDate,
  formatQuantity,
  oneLine,
  protectFormula,
  type Cents,
  type Locale,
  type Report,
  type ReportRow,
  type ReportTotal,
} from "@caisse/core";
import { MARGIN_WORDS, REPORT_WORDS } from "@caisse/cli";
import { defaultMetrics, figureColumns, plainValue, storeName, withMark } from "./columns.js";
import { timeCell } from "./cells.js";
import { totalWord, type RenderOptions } from "./grid.js";

/** Key of the total row in CSV, where it is one more line. */
export const CSV_TOTAL_KEY = "(total)";

interface Dialect {
  separator: string;
  point: string;
  /** A UTF-8 BOM first: how French Excel knows the file is UTF-8. */
  bom: string;
}

// French Excel opens `;` and decimal commas; English spreadsheets `,` and points.
const DIALECTS: Record<Locale, Dialect> = {
  fr: { separator: ";", point: ",", bom: "\uFEFF" },
  en: { separator: ",", point: ".", bom: "" },
};

/** RFC 4180: a field with the separator, a quote or a line end is quoted, quotes doubled. */
function quoted(field: string, separator: string): string {
  return field.includes(separator) || /["\r\n]/u.test(field)
    ? `"${field.replaceAll('"', '""')}"`
    : field;
}

/** A text cell: one line, protected against formula injection. Numbers never go through here. */
function text(value: string): string {
  return protectFormula(oneLine(value));
}

/** The lines of a CSV file in a dialect: quoted where needed, CRLF line ends, the BOM first. */
function csvText(lines: readonly (readonly string[])[], { separator, bom }: Dialect): string {
  return (
    bom +
    lines
      .map((cells) => cells.map((cell) => quoted(cell, separator)).join(separator))
      .join("\r\n") +
    "\r\n"
  );
}

/**
 * The report as CSV for people (`--format csv`), as a spreadsheet in the report's language opens
 * it: heads in that language (`Magasin;CA TTC;HT;TVA;Tickets;Panier moyen;Part`), the store named
 * `Magasin 1 (D01)`, plain numbers (`1234,56`), shares and changes as percentages (`41,23%`),
 * the total last. French: `;`, decimal comma and a UTF-8 BOM; English: `,` and points. The
 * columns follow `--metrics` (see docs/reports.md#csv-for-people); with `--by till`, each store's
 * last sale and last archive follow, as dates a spreadsheet reads.
 */
export function renderCsv(report: Report, options: RenderOptions): string {
  const { locale } = options;
  const words = REPORT_WORDS[locale];
  const columns = figureColumns(
    report,
    words,
    options.metrics ?? defaultMetrics(report, true),
    MARGIN_WORDS[locale],
  );
  const byTill = report.by === "till";
  const head = [
    ...(byTill ? [words.store] : [words.key[report.by], words.label]),
    ...columns.map((column) => column.csvHead),
    ...(byTill ? [words.csvLastSale, words.csvLastArchive] : []),
  ].map(text);
  const freshness = (row: ReportRow): string[] => {
    if (!byTill) return [];
    const till = report.tills.find((each) => each.ref === row.key);
    const sale = till?.lastSale ?? null;
    const archive = till?.lastArchive ?? null;
    return [
      sale === null ? "" : formatDate(sale, locale),
      archive === null ? "" : text(timeCell(archive, locale)),
    ];
  };
  const naming = (row: ReportRow): string[] => {
    if (!byTill) return [row.key, row.label];
    const till = report.tills.find((each) => each.ref === row.key) ?? {
      ref: row.key,
      name: row.label,
    };
    return [withMark(storeName(till), row.incomplete === true, words)];
  };
  const total = withMark(words.total, report.total.incomplete === true, words);
  const lines = [
    head,
    ...report.rows.map((row) => [
      ...naming(row).map(text),
      ...columns.map((column) => plainValue(column.value(row, false), locale)),
      ...freshness(row),
    ]),
    [
      ...(byTill ? [text(total)] : [text(total), ""]),
      ...columns.map((column) => plainValue(column.value(report.total, true), locale)),
      ...(byTill ? ["", ""] : []),
    ],
  ];
  return csvText(lines, DIALECTS[locale]);
}

/**
 * The report as CSV for scripts (`--format csv-raw`): the same whatever the language, like the
 * JSON (`,`, decimal points, no BOM; labels follow the language). One line per row then the total
 * (key `(total)`), columns `key,label,ttc,ht,vat,tickets,quantity,avg_basket,share`, then
 * `cost_ht,margin_ht,margin_rate` in a report with a margin, then `ttc_<TILL>` per till unless `--by till`, then `compare_ttc,delta,pct` with `--compare`, then
 * with `--by till` `last_sale,last_archive,sequence` (ISO, empty when unknown).
 * Amounts in euros with 2 decimals, share as a fraction with 4, pct in percent with 2; an empty
 * cell where a figure does not exist. CRLF line ends.
 */
export function renderCsvRaw(report: Report, { locale }: RenderOptions): string {
  const dialect = DIALECTS.en;
  const { point } = dialect;
  const plain: Locale = "en";
  const money = (amount: Cents | null): string =>
    amount === null ? "" : formatCentsPlain(amount, plain);
  const perTill = report.by !== "till";
  const withCompare = report.compared !== undefined;

  const head = ["key", "label", "ttc", "ht", "vat", "tickets", "quantity", "avg_basket", "share"];
  // The gross margin's, in a report that has one (see docs/reports.md#gross-margin).
  const withMargin = report.total.cost !== undefined;
  if (withMargin) head.push("cost_ht", "margin_ht", "margin_rate");
  if (perTill) head.push(...report.tills.map((till) => text(`ttc_${till.ref}`)));
  if (withCompare) head.push("compare_ttc", "delta", "pct");
  // With `--by till` the rows are the tills: each with how fresh its data is.
  if (!perTill) head.push("last_sale", "last_archive", "sequence");
  const tills = new Map(report.tills.map((till) => [till.ref, till]));

  const ratio = (value: number | null | undefined, decimals: number): string =>
    value === null || value === undefined ? "" : fixedDecimal(value, decimals, point);

  // The total has no share: it is the whole.
  // After a till's last sale there is no figure: empty cells, not zeros.
  const line = (
    key: string,
    label: string,
    figures: ReportRow | ReportTotal,
    share: number | null,
  ): string[] => {
    const cells =
      figures.noData === true
        ? [text(key), text(label), "", "", "", "", "", "", ""]
        : [
            text(key),
            text(label),
            money(figures.ttc),
            money(figures.ht),
            money(figures.vat),
            String(figures.tickets),
            figures.quantity === null ? "" : formatQuantity(figures.quantity, plain, false),
            money(figures.avgBasket),
            ratio(share, 4),
          ];
    if (withMargin) {
      cells.push(
        ...(figures.noData === true
          ? ["", "", ""]
          : [
              money(figures.cost ?? null),
              money(figures.margin ?? null),
              ratio(figures.marginRateBp, 4),
            ]),
      );
    }
    if (perTill) {
      cells.push(
        ...report.tills.map((till) => {
          const own = figures.byTill?.[till.ref];
          return own?.noData === true ? "" : money(own?.ttc ?? null);
        }),
      );
    }
    if (withCompare) {
      const { compare } = figures;
      cells.push(
        money(compare?.ttc ?? null),
        money(compare?.delta ?? null),
        ratio(compare?.pctBp, 2),
      );
    }
    if (!perTill) {
      const till = tills.get(key);
      cells.push(
        till?.lastSale ?? "",
        text(till?.lastArchive ?? ""),
        till?.sequence === null || till?.sequence === undefined ? "" : String(till.sequence),
      );
    }
    return cells;
  };

  const lines = [
    head,
    ...report.rows.map((row) => line(row.key, row.label, row, row.shareBp)),
    line(CSV_TOTAL_KEY, totalWord(locale), report.total, null),
  ];
  return csvText(lines, dialect);
}

import {
  fixedDecimal,
  formatCentsPlain,
  formatQuantity,
  oneLine,
  protectFormula,
  type Cents,
  type Locale,
  type Report,
  type ReportRow,
  type ReportTotal,
} from "@caisse/core";
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

/**
 * The report as CSV for spreadsheets: one line per row then the total (key `(total)`), columns
 * `key,label,ttc,ht,vat,tickets,quantity,avg_basket,share`, then `ttc_<TILL>` per till unless
 * `--by till`, then `compare_ttc,delta,pct` with `--compare`, then with `--by till`
 * `last_sale,last_archive,sequence` (ISO, empty when unknown). French: `;`, decimal comma and a
 * BOM; English: `,` and points. Amounts in euros with 2 decimals, share as a fraction with 4,
 * pct in percent with 2; an empty cell where a figure does not exist. CRLF line ends.
 */
export function renderCsv(report: Report, { locale }: RenderOptions): string {
  const { separator, point, bom } = DIALECTS[locale];
  const money = (amount: Cents | null): string =>
    amount === null ? "" : formatCentsPlain(amount, locale);
  const perTill = report.by !== "till";
  const withCompare = report.compared !== undefined;

  const head = ["key", "label", "ttc", "ht", "vat", "tickets", "quantity", "avg_basket", "share"];
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
            figures.quantity === null ? "" : formatQuantity(figures.quantity, locale, false),
            money(figures.avgBasket),
            ratio(share, 4),
          ];
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
  return (
    bom +
    lines
      .map((cells) => cells.map((cell) => quoted(cell, separator)).join(separator))
      .join("\r\n") +
    "\r\n"
  );
}

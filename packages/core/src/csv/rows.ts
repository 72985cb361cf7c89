/**
 * Stage 4b, the rows: a record becomes a typed row of its kind, or an issue that says why not
 * (field count, text, values). An invalid row is left out of every figure, never the file.
 */
import { dateOf } from "../dates.js";
import type { ErrorCode } from "../errors.js";
import { columnName, type CheckContext, type Layout } from "./header.js";
import type { ParsedRecord } from "./records.js";
import { RowProblem } from "./rowProblem.js";
import { shown } from "./shown.js";
import type { CsvIssue, CsvItem, FileKind, RowOf } from "./types.js";
import { AMOUNT, FREE_TEXT, MOMENT, QUANTITY, RATE, RecordValues, TEXT } from "./values.js";

/** The row of a record after the header, or the issue of its first problem. */
export function checkRecord<K extends FileKind>(
  record: ParsedRecord,
  kind: K,
  layout: Layout,
  context: CheckContext,
): CsvItem<K> {
  try {
    checkFieldCount(record.fields, layout);
    checkText(record.fields, layout, context.encodingLabel);
    const row = BUILDERS[kind](new RecordValues(record.fields, layout));
    return { type: "row", line: record.line, row };
  } catch (error) {
    if (!(error instanceof RowProblem)) throw error;
    return issue(context.displayName, record.line, error.code, error.message);
  }
}

function checkFieldCount(fields: readonly string[], layout: Layout): void {
  if (fields.length !== layout.names.length) {
    throw new RowProblem(
      "E_CSV_FIELD_COUNT",
      `expected ${layout.names.length} fields, found ${fields.length}`,
    );
  }
}

/**
 * U+FFFD, which stands for bytes the decoder could not read, makes the row invalid in any column,
 * unknown ones too: a bad byte means a damaged row. Control characters are checked as each value
 * is read (see values.ts).
 */
function checkText(fields: readonly string[], layout: Layout, encodingLabel: string): void {
  fields.forEach((field, index) => {
    if (!field.includes("\uFFFD")) return;
    const column = columnName(layout, index);
    throw new RowProblem(
      "E_CSV_BAD_TEXT",
      `invalid ${encodingLabel} in column ${column}: ${shown(field)} (expected text in ` +
        `${encodingLabel}; U+FFFD marks the bytes that could not be read)`,
    );
  });
}

/** Builds a row of each kind; properties are read in column order, so the first problem wins. */
const BUILDERS: { readonly [K in FileKind]: (values: RecordValues) => RowOf[K] } = {
  ventes: (values) => ({
    ticket: values.required("ticket", TEXT),
    at: values.required("date", MOMENT),
    article: values.required("article", TEXT),
    family: values.required("famille", TEXT),
    quantity: values.required("quantite", QUANTITY),
    ttc: values.required("montant_ttc", AMOUNT),
    rate: values.required("taux_tva", RATE),
    label: values.optional("libelle", FREE_TEXT),
  }),
  reglements: (values) => ({
    ticket: values.required("ticket", TEXT),
    at: values.required("date", MOMENT),
    mode: values.required("mode", FREE_TEXT),
    amount: values.required("montant", AMOUNT),
  }),
  articles: (values) => ({
    article: values.required("article", TEXT),
    label: values.required("libelle", FREE_TEXT),
    family: values.required("famille", TEXT),
    price: values.required("prix_ttc", AMOUNT),
    rate: values.required("taux_tva", RATE),
    purchaseHt: values.optional("prix_achat_ht", AMOUNT),
  }),
  familles: (values) => ({
    family: values.required("famille", TEXT),
    label: values.required("libelle", FREE_TEXT),
  }),
  clotures: (values) => ({
    date: dateOf(values.required("date", MOMENT)),
    total: values.required("total_ttc", AMOUNT),
    number: values.optional("numero", TEXT),
  }),
};

type IssueItem = Extract<CsvItem<FileKind>, { type: "issue" }>;

function issue(file: string, line: number, code: ErrorCode, reason: string): IssueItem {
  const found: CsvIssue = { file, line, code, reason };
  return { type: "issue", issue: found };
}

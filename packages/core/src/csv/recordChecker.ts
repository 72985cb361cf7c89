import type { CaisseError } from "../errors.js";
import { columnName, layoutOf, type CheckContext, type Layout } from "./header.js";
import type { BadQuote, Parsed } from "./records.js";
import { checkRecord, issue } from "./rows.js";
import { shown } from "./shown.js";
import { COLUMNS_OF, type CsvItem, type FileKind } from "./types.js";
import { unreadable } from "./unreadable.js";

/** Turns parsed records into rows and issues; the first non-blank record is the header. */
export class RecordChecker<K extends FileKind> {
  private layout: Layout | undefined;

  constructor(
    private readonly kind: K,
    private readonly context: CheckContext,
  ) {}

  /** The row or issue of one record; undefined for the header and blank lines. */
  check(record: Parsed): CsvItem<K> | undefined {
    const file = this.context.displayName;
    if (record.type === "bad-quote") {
      if (this.layout === undefined) throw badHeader(record, file);
      return issue(file, record.line, "E_CSV_BAD_QUOTE", quoteReason(record, this.layout));
    }
    if (isBlank(record.fields)) return undefined;
    if (this.layout === undefined) {
      this.layout = layoutOf(record, this.kind, this.context);
      return undefined;
    }
    return checkRecord(record, this.kind, this.layout, this.context);
  }

  /** Throws when the file had no header. */
  finish(): void {
    if (this.layout !== undefined) return;
    throw unreadable(
      { file: this.context.displayName, line: undefined, problem: "no-header" },
      "no header line: the file is empty or blank (expected a header such as " +
        `${COLUMNS_OF[this.kind].required.join(";")})`,
    );
  }
}

/**
 * A line of only whitespace is skipped; so is a line of only delimiters and whitespace, such as
 * the `;;;;;;` rows Excel writes for formatted empty rows: they hold no value at all.
 */
function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => field.trim() === "");
}

function badHeader(record: BadQuote, file: string): CaisseError {
  return unreadable(
    { file, line: record.line, problem: "bad-header" },
    `the header line has a quote problem: ${quoteReason(record, { indexOf: new Map(), names: [] })}`,
  );
}

function quoteReason(record: BadQuote, layout: Layout): string {
  const column = columnName(layout, record.field);
  if (record.kind === "closing") {
    return (
      `the quoted value ${shown(record.found)} in column ${column} is followed by more text ` +
      '(expected a delimiter or the end of the line after a closing quote; a quote inside a quoted value is written "")'
    );
  }
  return (
    `a quote inside the unquoted value ${shown(`${record.found}"`)} in column ${column} ` +
    '(expected the whole value in quotes, with each quote inside doubled: "12"" screen")'
  );
}

import { layoutOf, type CheckContext, type Layout } from "./header.js";
import type { ParsedRecord } from "./records.js";
import { checkRecord } from "./rows.js";
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
  check(record: ParsedRecord): CsvItem<K> | undefined {
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

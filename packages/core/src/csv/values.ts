/** Stage 4b, the values: each type of value, how it is read and what a refusal says. */
import { parseLocalDateTime, type LocalDateTime } from "../dates.js";
import type { ErrorCode } from "../errors.js";
import {
  parseCents,
  parseMilli,
  parseRate,
  type Cents,
  type Milli,
  type RateBp,
} from "../money.js";
import type { Layout } from "./header.js";
import { RowProblem } from "./rowProblem.js";
import { codePoint, shown } from "./shown.js";

/** How to read one type of value, and how to say what was expected. */
export interface ValueType<T> {
  readonly parse: (text: string) => T | undefined;
  /** The code when `parse` refuses a value. */
  readonly code: ErrorCode;
  readonly noun: string;
  readonly expected: string;
  /**
   * Free text for people (`libelle`, `mode`): control characters are removed and the row is kept.
   * Elsewhere (codes, numbers, dates) a control character makes the row invalid: removing it
   * could turn a damaged value into a wrong one (`1\u00002,50`, `T1\u00002`).
   */
  readonly freeText?: boolean;
}

export const TEXT: ValueType<string> = {
  parse: (text) => text,
  code: "E_CSV_BAD_TEXT",
  noun: "text",
  expected: "a value",
};

/** Text for people, where a control character is removed rather than refused. */
export const FREE_TEXT: ValueType<string> = { ...TEXT, freeText: true };

// C0 controls except tab and LF (CR is gone), DEL and C1 controls. Columns no row reads (unknown
// ones) are not checked: nothing of them reaches a figure.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;
const CONTROLS = new RegExp(CONTROL.source, "gu");

export const AMOUNT: ValueType<Cents> = {
  parse: parseCents,
  code: "E_CSV_BAD_AMOUNT",
  noun: "amount",
  expected: "a decimal with at most 2 decimals, such as 1 234,50, -3.5, 92,68 €, €-92.68 or (3,00)",
};

export const QUANTITY: ValueType<Milli> = {
  parse: parseMilli,
  code: "E_CSV_BAD_QUANTITY",
  noun: "quantity",
  expected: "a decimal with at most 3 decimals, such as 2, -1 or 0,125",
};

export const RATE: ValueType<RateBp> = {
  parse: parseRate,
  code: "E_CSV_BAD_RATE",
  noun: "VAT rate",
  expected: "a percentage from 0 to 100 with at most 2 decimals, such as 20 or 5,5",
};

export const MOMENT: ValueType<LocalDateTime> = {
  parse: parseLocalDateTime,
  code: "E_CSV_BAD_DATE",
  noun: "date",
  expected:
    "an existing date as YYYY-MM-DD or DD/MM/YYYY, optionally followed by HH:MM or HH:MM:SS",
};

/** The values of one record, read by our column names; trimmed. */
export class RecordValues {
  constructor(
    private readonly fields: readonly string[],
    private readonly layout: Layout,
  ) {}

  /** The value, converted; throws a RowProblem when it is empty or does not parse. */
  required<T>(column: string, type: ValueType<T>): T {
    const value = this.optional(column, type);
    if (value === undefined) {
      throw new RowProblem(
        "E_CSV_MISSING_VALUE",
        `missing value in column ${column}: found an empty value, expected ${type.expected}`,
      );
    }
    return value;
  }

  /** Undefined when the column is absent or the value empty. */
  optional<T>(column: string, type: ValueType<T>): T | undefined {
    const index = this.layout.indexOf.get(column);
    const field = index === undefined ? "" : (this.fields[index] ?? "");
    const text = (type.freeText === true ? field.replace(CONTROLS, "") : field).trim();
    // The untrimmed value: trim() takes some controls for spaces (U+000B, U+001F).
    const control = type.freeText === true ? undefined : CONTROL.exec(field)?.[0];
    if (control !== undefined) {
      throw new RowProblem(
        "E_CSV_BAD_TEXT",
        `control character ${codePoint(control)} in column ${column}: ${shown(field)} ` +
          "(expected text without control characters)",
      );
    }
    if (text === "") return undefined;
    const value = type.parse(text);
    if (value === undefined) {
      throw new RowProblem(
        type.code,
        `invalid ${type.noun} ${shown(text)} in column ${column} (expected ${type.expected})`,
      );
    }
    return value;
  }
}

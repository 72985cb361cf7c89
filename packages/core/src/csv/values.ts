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
import { shown } from "./shown.js";

/** How to read one type of value, and how to say what was expected. */
export interface ValueType<T> {
  readonly parse: (text: string) => T | undefined;
  /** The code when `parse` refuses a value. */
  readonly code: ErrorCode;
  readonly noun: string;
  readonly expected: string;
}

export const TEXT: ValueType<string> = {
  parse: (text) => text,
  code: "E_CSV_BAD_TEXT",
  noun: "text",
  expected: "a value",
};

export const AMOUNT: ValueType<Cents> = {
  parse: parseCents,
  code: "E_CSV_BAD_AMOUNT",
  noun: "amount",
  expected: "a decimal with at most 2 decimals, such as 1 234,50 or -3.5",
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
    const text = index === undefined ? "" : (this.fields[index] ?? "").trim();
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

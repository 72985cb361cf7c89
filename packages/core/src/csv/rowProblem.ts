import type { ErrorCode } from "../errors.js";

/** Why one row is invalid; thrown by the checks and caught by checkRecord, never further. */
export class RowProblem extends Error {
  constructor(
    readonly code: ErrorCode,
    reason: string,
  ) {
    super(reason);
    this.name = "RowProblem";
  }
}

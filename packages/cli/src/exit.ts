import { isCaisseError, type ErrorClass } from "@caisse/core/errors";

/** Exit statuses (see docs/operations.md#exit-codes). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  rejected: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CLASS: Record<ErrorClass, ExitCode> = {
  usage: EXIT.usage,
  failure: EXIT.failed,
  rejected: EXIT.rejected,
};

export function exitCodeForClass(errorClass: ErrorClass): ExitCode {
  return BY_CLASS[errorClass];
}

/** The exit status for an error that reached the top: unknown errors are failures. */
export function exitCodeFor(error: unknown): ExitCode {
  return isCaisseError(error) ? exitCodeForClass(error.errorClass) : EXIT.failed;
}

// Which outcome wins when a run has several: a failure hides a rejection, a rejection hides success.
const SEVERITY: Record<ExitCode, number> = { 0: 0, 3: 1, 2: 2, 1: 3 };

/** The status of a run made of several outcomes: the most severe one. */
export function worstExit(codes: Iterable<ExitCode>): ExitCode {
  let worst: ExitCode = EXIT.ok;
  for (const code of codes) if (SEVERITY[code] > SEVERITY[worst]) worst = code;
  return worst;
}

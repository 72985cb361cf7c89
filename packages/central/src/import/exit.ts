import { EXIT, worstExit, type ExitCode } from "@caisse/cli";
import type { RunSummary } from "./run.js";

/** 1 when a source or the disk failed, else 3 when an archive was refused, else 0. */
export function exitCodeOfRun(summary: RunSummary): ExitCode {
  return worstExit([
    ...summary.failures.map((): ExitCode => EXIT.failed),
    ...summary.results.map((result): ExitCode =>
      result.outcome === "rejected" ? EXIT.rejected : EXIT.ok,
    ),
  ]);
}

/**
 * What a CLI's entry point needs to declare its commands and run one: `@caisse/cli/start`. Kept
 * narrow (no archive, CSV, table or progress code) so that `--version` and `--help` start fast;
 * each command's code is loaded when it runs (see docs/architecture.md#a-command).
 */
import { setFlagsFromString } from "node:v8";

export { processContext, type CliContext } from "./context.js";
export type { ExitCode } from "./exit.js";
export { runMain, type CommandEnv } from "./run.js";

/**
 * Keeps V8's young generation at its starting size for the whole run (see
 * docs/decisions.md#the-young-generation-of-the-clis). Under the allocation rate of extracting
 * and hashing archives, V8 otherwise doubles it step by step: the reserved heap then climbs
 * from 48 to 140 MiB while the live data stays at 15 to 30 MiB, and the chunks of file data it
 * holds until the next scavenge add to that. `--semi-space-growth-factor` is read each time
 * the young generation would grow, so unlike the heap sizes fixed at start-up it can be set from
 * inside the process. Called first by the CLIs' entry points (the bins, the npm packages, the
 * single executables), not by the library: a program that embeds the tools keeps its own
 * settings, and so does a run whose NODE_OPTIONS or node flags size the young generation.
 */
export function limitYoungGeneration(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ");
  if (/semi-space/u.test(given)) return;
  setFlagsFromString("--semi-space-growth-factor=1");
}

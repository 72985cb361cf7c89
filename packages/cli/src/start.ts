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

/**
 * Keeps V8's old generation within a fifth above the data it found alive at its last
 * collection (see docs/decisions.md#the-old-generation-of-the-central). By default V8 lets it
 * grow to several times that before collecting again when the process allocates fast: building
 * the report index held 20 MiB alive in a 70 MiB heap, and its peak went from 128 to 170 MiB.
 * `--heap-growing-percent` is read at each collection, so it can be set from inside the process.
 * Each collection then finds less garbage: more of them, about a fifth more CPU time where the
 * process allocates most. Called by the central's entry point only, after
 * `limitYoungGeneration`, and left alone when node flags set it.
 */
export function limitOldGeneration(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ");
  if (/heap-growing/u.test(given)) return;
  setFlagsFromString("--heap-growing-percent=20");
}

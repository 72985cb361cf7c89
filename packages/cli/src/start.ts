/**
 * What a CLI's entry point needs to declare its commands and run one: `@caisse/cli/start`. Kept
 * narrow (no archive, CSV, table or progress code) so that `--version` and `--help` start fast;
 * each command's code is loaded when it runs (see docs/architecture.md#a-command).
 */
export { processContext, type CliContext } from "./context.js";
export { limitYoungGeneration } from "./heap.js";
export type { ExitCode } from "./exit.js";
export { runMain, type CommandEnv } from "./run.js";

/**
 * Preloaded (`node --import`) into a CLI run as a child process: at exit, writes the process's own
 * resource figures (`process.resourceUsage()`: maxRSS in KiB, CPU times in microseconds) to the
 * file named by CAISSE_TEST_RESOURCE_USAGE, so that a test can bound a run's memory and work by
 * what the process measured rather than by the wall clock. A process killed or out of memory
 * writes nothing.
 */
import { writeFileSync } from "node:fs";

const target = process.env.CAISSE_TEST_RESOURCE_USAGE;
if (target !== undefined && target !== "") {
  process.on("exit", () => {
    writeFileSync(target, JSON.stringify(process.resourceUsage()));
  });
}

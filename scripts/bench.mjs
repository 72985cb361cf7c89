// npm run bench: every benchmark, each in its own process so that one's memory does not weigh on
// the next. Each prints its ratio against a baseline measured in the same run.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const scripts = [
  "bench-startup.mjs",
  "bench-csv.mjs",
  "bench-archive.mjs",
  "bench-journal.mjs",
  "bench-table.mjs",
];
let failed = false;
for (const script of scripts) {
  console.log(`\n== ${script}`);
  const result = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], {
    stdio: "inherit",
  });
  failed ||= result.status !== 0;
}
process.exitCode = failed ? 1 : 0;

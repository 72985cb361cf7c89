// Start-up time of both CLIs (--version and --help) against a bare `node -e 0`, whole processes,
// the runs of every command interleaved so that the machine's load weighs on all alike. Not a
// test: the ratio is what to compare, and the goal is at most 2 x.
//
//   node scripts/bench-startup.mjs [runs]                  (default 21 runs of each)
//   CAISSE_BENCH_BIN_DIR=DIR node scripts/bench-startup.mjs  (another layout: DIR/caisse-export...)
//   CAISSE_BENCH_COMPARE=DIR1:DIR2 node scripts/bench-startup.mjs
//       also these folders, in the same run: another build's bin/ or release/, before and after a
//       change (DIR/caisse-export, else DIR/caisse-export.mjs)
//
// Without CAISSE_BENCH_BIN_DIR it measures the workspace layout (bin/, after `tsc -b`) and, when
// `npm run package` has been run, the single-file builds in release/ and the npm packages, unpacked
// in release/<cli>/.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const runs = Number(process.argv[2] ?? 21);
const repo = fileURLToPath(new URL("..", import.meta.url));

/** Each layout: a name and how to find a CLI's entry point in it. */
const layouts = [];
if (process.env.CAISSE_BENCH_BIN_DIR !== undefined) {
  const dir = process.env.CAISSE_BENCH_BIN_DIR;
  layouts.push({ name: dir, entry: (cli) => join(dir, cli) });
} else {
  layouts.push({ name: "workspace (bin/)", entry: (cli) => join(repo, "bin", cli) });
  if (existsSync(join(repo, "release", "caisse-export.mjs"))) {
    layouts.push({
      name: "packaged (release/*.mjs)",
      entry: (cli) => join(repo, "release", `${cli}.mjs`),
    });
  }
  if (existsSync(join(repo, "release", "caisse-export", "caisse-export.mjs"))) {
    layouts.push({
      name: "npm package (release/*/)",
      entry: (cli) => join(repo, "release", cli, `${cli}.mjs`),
    });
  }
}

for (const dir of process.env.CAISSE_BENCH_COMPARE?.split(delimiter) ?? []) {
  const entry = (cli) =>
    existsSync(join(dir, cli)) && statSync(join(dir, cli)).isFile()
      ? join(dir, cli)
      : join(dir, `${cli}.mjs`);
  layouts.push({ name: dir, entry });
}

const commands = [{ label: "node -e 0", args: ["-e", "0"] }];
for (const layout of layouts) {
  for (const cli of ["caisse-export", "caisse-central"]) {
    for (const flag of ["--version", "--help"]) {
      commands.push({ label: `${layout.name}: ${cli} ${flag}`, args: [layout.entry(cli), flag] });
    }
  }
}

const times = commands.map(() => []);
for (let run = 0; run < runs; run++) {
  commands.forEach((command, index) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, command.args, { stdio: "ignore" });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${command.label} exited with ${result.status}`);
    times[index].push(elapsed);
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const base = median(times[0]);
let over = 0;
console.log(`node ${process.version}, ${runs} runs of each, medians`);
commands.forEach((command, index) => {
  const ms = median(times[index]);
  const ratio = ms / base;
  if (index > 0 && ratio > 2) over += 1;
  console.log(`${command.label.padEnd(60)} ${ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)} x`);
});
console.log(
  over === 0 ? "every start-up is within 2 x node -e 0" : `${over} start-up(s) over 2 x node -e 0`,
);

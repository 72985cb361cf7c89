// npm run bench: generates a chain's history (20 tills x 1 year by default, seeded), then measures
// the commands as whole processes against a reference run in the same script, in turn, several
// times; prints the table of medians, ratios and peak memory, and writes it as JSON. See
// docs/performance.md for how to read it.
//
//   node bench/run.mjs [--scale 1] [--tills 20] [--runs 5] [--work DIR] [--keep] [--out FILE]
//
// --scale shortens the year (0.1: 37 days) for a quick run; the ratios are what to compare.
// The reference tools: DuckDB (bench/node_modules, installed by `npm install --prefix bench`,
// never by the project's npm ci), Info-ZIP's zip and unzip.
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { dayOf, LINES_PER_DAY, tillRef, writeTillDays } from "./generate.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..");
const EXPORT = join(REPO, "bin", "caisse-export");
const CENTRAL = join(REPO, "bin", "caisse-central");
const TIME = "/usr/bin/time";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    tills: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
    work: { type: "string" },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(HERE, "results", "latest.json") },
  },
});
const scale = Number(values.scale);
const tills = Number(values.tills);
const runs = Number(values.runs);
if (!(scale > 0 && scale <= 10) || !(tills >= 1) || !(runs >= 1)) {
  throw new Error("--scale must be in (0, 10], --tills and --runs at least 1");
}
const days = Math.max(2, Math.round(365 * scale));
const refs = Array.from({ length: tills }, (_, index) => tillRef(index));

/** Runs a command to completion; throws with its output when it fails. */
function exec(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  const allowed = options.allowed ?? [0];
  if (result.error !== undefined || !allowed.includes(result.status)) {
    throw new Error(
      `${argv.join(" ")} exited ${result.status}: ${result.error?.message ?? ""}\n${result.stderr}`,
    );
  }
  return result;
}

/** One timed whole process: wall time around it, peak memory from /usr/bin/time (%M, KiB). */
function timed(argv, options = {}) {
  const start = process.hrtime.bigint();
  const result = exec([TIME, "-f", "caisse-bench-rss %M", ...argv], options);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rss = /caisse-bench-rss (\d+)/u.exec(result.stderr);
  return { seconds, rssMiB: rss === null ? null : Number(rss[1]) / 1024, stdout: result.stdout };
}

const median = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Measures `ours` and `reference` in turn, `runs` times each; `prepare` runs untimed before each
 * measurement (a fresh copy of a folder). Returns medians and the highest peak memory.
 */
async function compare(name, { ours, reference, prepare, target, note, allowed }) {
  const samples = { ours: [], reference: [] };
  for (let run = 0; run < runs; run += 1) {
    for (const side of ["ours", "reference"]) {
      const command = side === "ours" ? ours : reference;
      if (command === undefined) continue;
      await prepare?.(side);
      samples[side].push(timed(command.argv, { cwd: command.cwd, allowed }));
    }
  }
  const summary = (list) =>
    list.length === 0
      ? null
      : {
          seconds: median(list.map((sample) => sample.seconds)),
          peakMiB: Math.max(...list.map((sample) => sample.rssMiB ?? 0)),
        };
  const row = {
    name,
    caisse: summary(samples.ours),
    reference: summary(samples.reference),
    referenceName: reference?.name ?? null,
    target: target ?? null,
    note: note ?? null,
  };
  row.ratio =
    row.caisse !== null && row.reference !== null
      ? row.caisse.seconds / row.reference.seconds
      : null;
  row.met =
    row.target === null || row.ratio === null
      ? null
      : row.ratio <= row.target && row.caisse.peakMiB <= MEMORY_TARGET_MIB;
  rows.push(row);
  console.log(formatRow(row));
  return row;
}

const MEMORY_TARGET_MIB = 150;
const rows = [];

function formatRow(row) {
  const side = (value) =>
    value === null ? "-" : `${value.seconds.toFixed(2)} s, ${Math.round(value.peakMiB)} MiB`;
  const ratio = row.ratio === null ? "-" : `${row.ratio.toFixed(2)}x`;
  const target = row.target === null ? "-" : `<= ${row.target}x`;
  const met = row.met === null ? "" : row.met ? "yes" : "no";
  return `| ${row.name} | ${side(row.caisse)} | ${row.referenceName ?? "-"}: ${side(row.reference)} | ${ratio} | ${target} | ${met} |`;
}

async function sizeOfTree(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function zipsIn(dir) {
  return (await readdir(dir))
    .filter((name) => name.endsWith(".zip"))
    .sort()
    .map((name) => join(dir, name));
}

const node = process.execPath;
const work = values.work ?? (await mkdtemp(join(tmpdir(), "caisse-bench-")));
await mkdir(work, { recursive: true });
console.log(
  `caisse bench: ${tills} tills x ${days} days (scale ${scale}), ${runs} runs each, in ${work}`,
);
try {
  // --- The history: `days` days for every till, then one more day for the nightly run.
  const data = join(work, "data");
  let start = process.hrtime.bigint();
  for (const [index, ref] of refs.entries()) {
    await writeTillDays(join(data, ref), index, 0, days);
  }
  const bytes = await sizeOfTree(data);
  const generated = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `generated ${(bytes / 1e6).toFixed(0)} MB (about ${((tills * days * LINES_PER_DAY) / 1e6).toFixed(2)} million sales lines) in ${generated.toFixed(1)} s`,
  );

  // --- The central and the tills; each till's first `run` is full, into the central's inbox.
  const central = join(work, "central");
  exec([node, CENTRAL, "--root", central, "init"]);
  for (const ref of refs) {
    exec([node, CENTRAL, "--root", central, "tills", "add", ref, "--name", `Magasin ${ref}`]);
  }
  const tillConfig = async (ref, dropFolder) => {
    const dir = join(work, "tills", ref);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "caisse-export.json"),
      JSON.stringify({
        till: ref,
        data: join(data, ref),
        transport: { type: "dir", path: dropFolder },
      }),
    );
    return dir;
  };
  for (const ref of refs) {
    exec([node, EXPORT, "run"], { cwd: await tillConfig(ref, join(central, "inbox")) });
  }
  start = process.hrtime.bigint();
  const initial = timed([node, CENTRAL, "--root", central, "fetch"]);
  console.log(
    `initial fetch of ${tills} full archives: ${initial.seconds.toFixed(2)} s, ${Math.round(initial.rssMiB)} MiB`,
  );
  const loaded = join(work, "central-loaded");
  await cp(central, loaded, { recursive: true });

  // --- Reports on the loaded central, against DuckDB on the same files.
  const help = exec([node, CENTRAL, "report", "--help"]).stdout;
  const hasIndex = help.includes("--no-index");
  const from = dayOf(0);
  const to = dayOf(days - 1);
  const report = (...extra) => ({
    argv: [
      node,
      CENTRAL,
      "--root",
      loaded,
      "report",
      "--by",
      "family",
      "--from",
      from,
      "--to",
      to,
      "--format",
      "json",
      ...extra,
    ],
  });
  const duckdb = {
    name: "DuckDB",
    argv: [node, join(HERE, "duckdb-report.mjs"), join(loaded, "tills"), from, to],
  };
  await compare("report --by family, cold (no index)", {
    ours: report(...(hasIndex ? ["--no-index"] : [])),
    reference: duckdb,
    target: 0.5,
    note: hasIndex ? null : "this build has no index: every report reads the CSV files",
  });
  exec(report().argv); // builds the index, when there is one
  await compare("report --by family, warm", {
    ours: report(),
    reference: duckdb,
    target: 0.1,
    note: hasIndex ? null : "this build has no index: the same as cold",
  });

  // --- The night: one new day on every till, then incremental and full archives of it.
  for (const [index, ref] of refs.entries()) {
    await writeTillDays(join(data, ref), index, days, days + 1);
  }
  const nights = {};
  for (const mode of ["incremental", "full"]) {
    const drop = join(work, `night-${mode}`);
    await mkdir(drop, { recursive: true });
    for (const ref of refs) {
      const dir = await tillConfig(ref, drop);
      exec([node, EXPORT, "run", ...(mode === "full" ? ["--full"] : [])], { cwd: dir });
    }
    nights[mode] = await zipsIn(drop);
  }
  const nightBytes = {};
  for (const [mode, files] of Object.entries(nights)) {
    nightBytes[mode] = (await Promise.all(files.map((file) => stat(file)))).reduce(
      (sum, info) => sum + info.size,
      0,
    );
  }
  const fetching = join(work, "central-fetching");
  for (const mode of ["full", "incremental"]) {
    await compare(`nightly fetch of ${tills} ${mode} archives (one new day)`, {
      ours: { argv: [node, CENTRAL, "--root", fetching, "fetch"] },
      reference: {
        name: "unzip -t",
        argv: [
          "sh",
          "-c",
          'for f in "$@"; do unzip -tqq "$f" || exit 1; done',
          "sh",
          ...nights[mode],
        ],
      },
      prepare: async (side) => {
        if (side !== "ours") return;
        await rm(fetching, { recursive: true, force: true });
        await cp(loaded, fetching, { recursive: true });
        for (const file of nights[mode]) {
          await cp(file, join(fetching, "inbox", file.split("/").at(-1)));
        }
      },
      target: mode === "full" ? 3 : 1,
      note: `${(nightBytes[mode] / 1e6).toFixed(1)} MB of archives`,
    });
  }

  // --- One till's whole history: zip, then import, against Info-ZIP.
  const zipCwd = join(work, "zip-state");
  await mkdir(zipCwd, { recursive: true });
  const ours = join(work, "caisse.zip");
  const theirs = join(work, "info-zip.zip");
  const zipRow = await compare(`zip of one till (${days + 1} days)`, {
    ours: {
      argv: [node, EXPORT, "zip", "--data", join(data, refs[0]), "--till", refs[0], "--out", ours],
      cwd: zipCwd,
    },
    reference: {
      name: "zip -r -6",
      argv: ["zip", "-q", "-r", "-6", theirs, "."],
      cwd: join(data, refs[0]),
    },
    prepare: (side) => rm(side === "ours" ? ours : theirs, { force: true }),
    target: 1.25,
  });
  const zipSizes = { caisse: (await stat(ours)).size, reference: (await stat(theirs)).size };
  zipRow.note = `archive ${(zipSizes.caisse / 1e6).toFixed(2)} MB, zip -r -6 ${(zipSizes.reference / 1e6).toFixed(2)} MB`;
  zipRow.sizes = zipSizes;
  zipRow.met = zipRow.met === true && zipSizes.caisse <= zipSizes.reference;

  const empty = join(work, "central-empty");
  exec([node, CENTRAL, "--root", empty, "init"]);
  exec([node, CENTRAL, "--root", empty, "tills", "add", refs[0], "--name", "Magasin"]);
  const importing = join(work, "central-importing");
  const unzipped = join(work, "unzipped");
  await compare(`import of that archive`, {
    ours: { argv: [node, CENTRAL, "--root", importing, "import", ours] },
    reference: { name: "unzip -o", argv: ["unzip", "-qq", "-o", ours, "-d", unzipped] },
    prepare: async (side) => {
      if (side === "ours") {
        await rm(importing, { recursive: true, force: true });
        await cp(empty, importing, { recursive: true });
      } else await rm(unzipped, { recursive: true, force: true });
    },
    target: 2,
  });

  // --- The table and the JSON.
  const table = [
    "| work | caisse (median, peak memory) | reference | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(formatRow),
  ].join("\n");
  console.log(`\n${table}\n`);
  for (const row of rows.filter((item) => item.note !== null))
    console.log(`- ${row.name}: ${row.note}`);
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
    scale,
    tills,
    days,
    runs,
    dataBytes: bytes,
    salesLines: tills * days * LINES_PER_DAY,
    index: hasIndex,
    initialFetch: { seconds: initial.seconds, peakMiB: initial.rssMiB },
    memoryTargetMiB: MEMORY_TARGET_MIB,
    rows,
    table,
  };
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written to ${values.out}`);
} finally {
  if (!values.keep && values.work === undefined) await rm(work, { recursive: true, force: true });
}

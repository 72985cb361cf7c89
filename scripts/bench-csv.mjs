// Throughput of the CSV reader against csv-parse alone on the same generated ventes file, through
// the fast path (engine auto) and through csv-parse alone (engine csv-parse, the reader before the
// fast path), in UTF-8 and Windows-1252, with the peak heap and RSS of each. Each reading runs in a
// child process of its own, so that one's memory does not weigh on the next.
// Not a test: numbers depend on the machine. Build first: npx tsc -b packages/core
//
//   node scripts/bench-csv.mjs [rows]     (default 200000)
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse";
import { readCsv } from "../packages/core/dist/index.js";

const [mode = "200000", ...args] = process.argv.slice(2);

/** Writes a ventes file the way a till does: `;`, decimal commas, CRLF, accents. */
async function writeVentes(path, count, encoding) {
  const out = createWriteStream(path, { encoding });
  const write = async (text) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write("ticket;date;article;famille;quantite;montant_ttc;taux_tva;libelle\r\n");
  for (let i = 0; i < count; i++) {
    const cents = (i % 5000) + 1;
    const amount = `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
    await write(
      `T${Math.floor(i / 3)};2026-11-${String((i % 28) + 1).padStart(2, "0")} 10:${String(i % 60).padStart(2, "0")};` +
        `A${i % 900};F${i % 12};${(i % 4) + 1};${amount};${i % 2 === 0 ? "20" : "5,5"};` +
        `${i % 10 === 0 ? '"Café; crème"' : `Café crème n°${i}`}\r\n`,
    );
  }
  out.end();
  await once(out, "finish");
}

async function countReadCsv(path, encoding, engine) {
  let count = 0;
  for await (const item of readCsv(path, "ventes", {
    displayName: "ventes.csv",
    encoding,
    engine,
  })) {
    if (item.type === "row") count++;
  }
  return count;
}

async function countCsvParse(path, encoding) {
  let count = 0;
  const parser = createReadStream(path).pipe(
    parse({ delimiter: ";", bom: true, from_line: 2, encoding }),
  );
  for await (const record of parser) if (record.length > 0) count++;
  return count;
}

/** In a child: one reading, then its rows, seconds and peak heap and RSS as JSON. */
async function measure([what, path, encoding, engine]) {
  let heap = 0;
  let rss = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    heap = Math.max(heap, usage.heapUsed);
    rss = Math.max(rss, usage.rss);
  };
  const timer = setInterval(sample, 20);
  const start = process.hrtime.bigint();
  const count =
    what === "csv-parse"
      ? await countCsvParse(path, encoding === "windows-1252" ? "latin1" : "utf8")
      : await countReadCsv(path, encoding === "-" ? undefined : encoding, engine);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(timer);
  sample();
  console.log(JSON.stringify({ count, seconds, heap, rss }));
}

function run(label, args) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "measure", ...args], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`${label} failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout.trim().split("\n").pop());
  const perSecond = result.count / result.seconds;
  const mb = (bytes) => `${Math.round(bytes / 1e6)} MB`;
  console.log(
    `${label.padEnd(36)} ${result.count} rows in ${result.seconds.toFixed(2)} s: ` +
      `${String(Math.round(perSecond)).padStart(7)} rows/s, peak heap ${mb(result.heap)}, RSS ${mb(result.rss)}`,
  );
  return perSecond;
}

async function bench(rows) {
  const dir = await mkdtemp(join(tmpdir(), "bench-csv-"));
  try {
    for (const encoding of ["utf-8", "windows-1252"]) {
      const path = join(dir, `ventes-${encoding}.csv`);
      await writeVentes(path, rows, encoding === "utf-8" ? "utf8" : "latin1");
      const { size } = await stat(path);
      console.log(`\nventes.csv in ${encoding}: ${rows} rows, ${(size / 1e6).toFixed(1)} MB`);
      const baseline = run("csv-parse alone", ["csv-parse", path, encoding]);
      const ratio = (label, args) => (run(label, args) / baseline).toFixed(2);
      // Detecting the encoding reads a UTF-8 file twice; declaring it skips the pre-scan.
      const before = ratio("readCsv, csv-parse only, declared", [
        "read",
        path,
        encoding,
        "csv-parse",
      ]);
      const after = ratio("readCsv, fast path, declared", ["read", path, encoding, "auto"]);
      const detected = ratio("readCsv, fast path, detected", ["read", path, "-", "auto"]);
      console.log(
        `${encoding}: readCsv runs at ${after} x the speed of csv-parse alone (which converts no ` +
          `value) with the fast path, ${before} x without it; ${detected} x detecting the encoding`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (mode === "measure") await measure(args);
else await bench(Number(mode));

// Throughput of the CSV reader against csv-parse alone on the same generated ventes file.
// Not a test: numbers depend on the machine. Build first: npx tsc -b packages/core
//
//   node scripts/bench-csv.mjs [rows]     (default 200000)
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse";
import { readCsv } from "../packages/core/dist/index.js";

const rows = Number(process.argv[2] ?? 200_000);

/** Writes a ventes file the way a till does: `;`, decimal commas, CRLF, accents. */
async function writeVentes(path, count) {
  const out = createWriteStream(path);
  const write = async (text) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write("ticket;date;article;famille;quantite;montant_ttc;taux_tva;libelle\r\n");
  for (let i = 0; i < count; i++) {
    const cents = (i % 5000) + 1;
    const amount = `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
    await write(
      `T${Math.floor(i / 3)};2026-11-${String((i % 28) + 1).padStart(2, "0")} 10:${String(i % 60).padStart(2, "0")};` +
        `A${i % 900};F${i % 12};${(i % 4) + 1};${amount};${i % 2 === 0 ? "20" : "5,5"};Café crème n°${i}\r\n`,
    );
  }
  out.end();
  await once(out, "finish");
}

async function time(label, count) {
  const start = process.hrtime.bigint();
  const counted = await count();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = counted / seconds;
  console.log(
    `${label.padEnd(26)} ${counted} rows in ${seconds.toFixed(2)} s: ${Math.round(perSecond)} rows/s`,
  );
  return perSecond;
}

async function countReadCsv(path, encoding) {
  let count = 0;
  for await (const item of readCsv(path, "ventes", { displayName: "ventes.csv", encoding })) {
    if (item.type === "row") count++;
  }
  return count;
}

async function countCsvParse(path) {
  let count = 0;
  const parser = createReadStream(path).pipe(parse({ delimiter: ";", bom: true, from_line: 2 }));
  for await (const record of parser) if (record.length > 0) count++;
  return count;
}

const dir = await mkdtemp(join(tmpdir(), "bench-csv-"));
try {
  const path = join(dir, "ventes.csv");
  await writeVentes(path, rows);
  const { size } = await stat(path);
  console.log(`ventes.csv: ${rows} rows, ${(size / 1e6).toFixed(1)} MB`);
  const baseline = await time("csv-parse alone", () => countCsvParse(path));
  // Detecting the encoding reads a UTF-8 file twice; declaring it skips the pre-scan.
  const ours = await time("readCsv", () => countReadCsv(path, undefined));
  const declared = await time("readCsv, utf-8 declared", () => countReadCsv(path, "utf-8"));
  console.log(
    `readCsv runs at ${(ours / baseline).toFixed(2)} x (${(declared / baseline).toFixed(2)} x with ` +
      "the encoding declared) the speed of csv-parse alone, which converts no value",
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

// Speed of the archive writer and the safe reader against the bare libraries on the same data.
// Not a test: numbers depend on the machine; the ratios are what to compare between versions.
// Build first: npx tsc -b packages/core
//
//   node scripts/bench-archive.mjs [files] [kib-per-file]     (default 300 files of 64 KiB)
import { ZipArchive } from "archiver";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { buildArchive, openArchive, planArchive } from "../packages/core/dist/index.js";

const files = Number(process.argv[2] ?? 300);
const kib = Number(process.argv[3] ?? 64);

/** Till-like CSV content: compressible, but not trivially. */
function content(index) {
  const lines = [];
  let size = 0;
  for (let row = 0; size < kib * 1024; row++) {
    const line = `T${index}-${row};2026-11-${String((row % 28) + 1).padStart(2, "0")} 10:${String(row % 60).padStart(2, "0")};A${(row * 7919) % 900};F${row % 12};${(row % 4) + 1};${(row * 37) % 5000},${row % 100};5,5\r\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join("");
}

async function time(label, task) {
  const start = process.hrtime.bigint();
  await task();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(36)} ${seconds.toFixed(3)} s`);
  return seconds;
}

/** Baseline: archiver alone, no hashing, no manifest, no temporary name. */
async function archiverAlone(plan, out) {
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const output = createWriteStream(out);
  const done = pipeline(archive, output);
  for (const file of plan.files) archive.file(file.absolute, { name: file.path });
  await archive.finalize();
  await done;
}

/** Baseline: yauzl alone, every entry piped to a file, no checks of our own. */
function yauzlAlone(zip, into) {
  return new Promise((resolve, reject) => {
    yauzl.open(zip, { lazyEntries: true }, (error, zipfile) => {
      if (error) return reject(error);
      zipfile.on("error", reject);
      zipfile.on("end", resolve);
      zipfile.on("entry", (entry) => {
        if (entry.fileName.endsWith("/")) return zipfile.readEntry();
        zipfile.openReadStream(entry, async (streamError, stream) => {
          if (streamError) return reject(streamError);
          const target = join(into, entry.fileName);
          await mkdir(dirname(target), { recursive: true });
          await pipeline(stream, createWriteStream(target));
          zipfile.readEntry();
        });
      });
      zipfile.readEntry();
    });
  });
}

const work = await mkdtemp(join(tmpdir(), "bench-archive-"));
try {
  const data = join(work, "data");
  for (let index = 0; index < files; index++) {
    const path = join(data, `m${index % 12}`, `ventes-${index}.csv`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content(index));
  }
  const plan = await planArchive(data);
  console.log(`data: ${plan.files.length} files, ${(plan.totalBytes / 1e6).toFixed(1)} MB`);

  const bare = join(work, "bare.zip");
  const ours = join(work, "ours.zip");
  const writeBase = await time("write: archiver alone", () => archiverAlone(plan, bare));
  const writeOurs = await time("write: buildArchive (sha256, manifest)", () =>
    buildArchive(plan, {
      outPath: ours,
      till: "D01",
      name: "Bench",
      sequence: 1,
      previous: null,
      created: new Date(),
    }),
  );
  const { size } = await stat(ours);
  console.log(`archive: ${(size / 1e6).toFixed(1)} MB`);

  const readBase = await time("read: yauzl alone", () => yauzlAlone(ours, join(work, "out-bare")));
  const readOurs = await time("read: openArchive + extractTo", async () => {
    const archive = await openArchive(ours);
    try {
      await archive.extractTo(join(work, "out-ours"));
    } finally {
      await archive.close();
    }
  });
  console.log(
    `buildArchive takes ${(writeOurs / writeBase).toFixed(2)} x the time of archiver alone`,
  );
  console.log(
    `the safe reader takes ${(readOurs / readBase).toFixed(2)} x the time of yauzl alone ` +
      "(it also checks CRCs, sizes, headers, overlap and sums, and fsyncs every file)",
  );
} finally {
  await rm(work, { recursive: true, force: true });
}

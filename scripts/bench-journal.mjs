// Cost of one journal append after years of nights, against reading the whole journal (what an
// append did before it read only the file's end); and the cost of the check fetch and import run
// before trusting the journal (its end against the head record, archives/ against the entries),
// against reading it (which a run does anyway) and against verifying the whole hash chain.
// Not a test: the ratios are what to compare.
// Build first: npx tsc -b
//
//   node scripts/bench-journal.mjs [entries]     (default 36,500: 20 tills for 5 years)
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import {
  appendJournal,
  archiveProblems,
  readCheckedJournal,
  readJournal,
  verifyJournal,
} from "../packages/central/dist/journal.js";

const entries = Number(process.argv[2] ?? 36_500);
const appends = 50;

function record(sequence) {
  const till = `D${String(sequence % 20).padStart(2, "0")}`;
  return {
    time: "2026-11-27T23:00:05+01:00",
    source: "inbox",
    file: `D01_20261127T230005_${String(sequence).padStart(6, "0")}.zip`,
    till,
    sequence,
    sha256: createHash("sha256").update(String(sequence)).digest("hex"),
    size: 123_456,
    outcome: "accepted",
    code: null,
    reason: null,
    stored: `archives/${till}/${till}_20261127T230005_${String(sequence).padStart(6, "0")}.zip`,
    gap: null,
    manifest: createHash("sha256").update(`m${sequence}`).digest("hex"),
  };
}

async function time(label, task, runs = appends, unit = "append") {
  const start = process.hrtime.bigint();
  for (let index = 0; index < runs; index++) await task(index);
  const perCall = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  console.log(`${label.padEnd(52)} ${perCall.toFixed(2)} ms per ${unit}`);
  return perCall;
}

const work = await mkdtemp(join(tmpdir(), "bench-journal-"));
try {
  const path = join(work, "journal.jsonl");
  // A chained journal, written in one go.
  const lines = [];
  let prev = "0".repeat(64);
  for (let n = 1; n <= entries; n++) {
    const line = JSON.stringify({ n, ...record(n), prev });
    lines.push(line);
    prev = createHash("sha256").update(line).digest("hex");
  }
  await writeFile(path, `${lines.join("\n")}\n`);
  const megabytes = (Buffer.byteLength(lines.join("\n")) / 1e6).toFixed(1);
  console.log(`journal: ${entries} entries, ${megabytes} MB`);

  // Baseline: find the tail by reading the whole file, as the first version did (no write).
  const whole = await time("baseline: read the whole journal for its tail", async () => {
    const text = await readFile(path, "utf8");
    const committed = text
      .slice(0, text.lastIndexOf("\n") + 1)
      .split("\n")
      .slice(0, -1);
    createHash("sha256")
      .update(committed.at(-1) ?? "")
      .digest("hex");
  });
  const ours = await time("appendJournal (reads the end, writes, fsyncs)", (index) =>
    appendJournal(path, record(entries + index + 1)),
  );
  console.log(
    `an append takes ${(ours / whole).toFixed(2)} x the time of reading the whole journal`,
  );

  // The check of a run: the journal's archives/, one file per accepted entry, 20 tills.
  const archives = join(work, "archives");
  for (const line of lines) {
    const { stored } = JSON.parse(line);
    await mkdir(join(work, stored, ".."), { recursive: true });
    await writeFile(join(work, stored), "");
  }
  const runs = 20;
  const read = await time(
    "a run reads the journal (readJournal)",
    () => readJournal(path),
    runs,
    "run",
  );
  const tail = await time(
    "check: the end against the head (readCheckedJournal)",
    () => readCheckedJournal(path),
    runs,
    "run",
  );
  const entriesRead = await readJournal(path);
  const stored = await time(
    "check: archives/ against the entries",
    () => archiveProblems(archives, entriesRead),
    runs,
    "run",
  );
  const chain = await time(
    "journal --verify: the whole hash chain",
    () => verifyJournal(path),
    runs,
    "run",
  );
  console.log(
    `a run's journal work, once read with its check: ${((tail + stored) / read).toFixed(2)} x reading it alone; ` +
      `with the whole hash chain instead of its end: ${((chain + stored) / read).toFixed(2)} x`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}

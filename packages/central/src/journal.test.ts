import { sha256Hex } from "@caisse/core";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  appendJournal,
  GENESIS,
  readJournal,
  verifyJournal,
  type JournalRecord,
} from "./journal.js";

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "caisse-journal-"));
  path = join(dir, "journal.jsonl");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(sequence: number, reason: string | null = null): JournalRecord {
  return {
    time: "2026-11-27T23:00:05+01:00",
    source: "inbox",
    file: `D01_20261127T230005_${String(sequence).padStart(6, "0")}.zip`,
    till: "D01",
    sequence,
    sha256: "a".repeat(64),
    size: 1234,
    outcome: reason === null ? "accepted" : "rejected",
    code: reason === null ? null : "E_ARCHIVE_CRC",
    reason,
    stored: null,
    gap: null,
    manifest: null,
  };
}

const lastLine = async (): Promise<string> =>
  (await readFile(path, "utf8")).slice(0, -1).split("\n").at(-1) ?? "";

describe("appendJournal", () => {
  it("numbers and chains the entries from the genesis hash", async () => {
    const first = await appendJournal(path, record(1));
    expect(first).toMatchObject({ n: 1, prev: GENESIS });
    const line = await lastLine();
    const second = await appendJournal(path, record(2));
    expect(second).toMatchObject({ n: 2, prev: sha256Hex(line) });
    expect(await verifyJournal(path)).toEqual({ entries: 2, problems: [], interruptedTail: false });
  });

  it("chains to the last line however long it is, and whatever the text (read from the end)", async () => {
    // Longer than the 64 KiB read at a time, with accents cut across the reads.
    const long = "é€’".repeat(40_000);
    for (let sequence = 1; sequence <= 30; sequence++) {
      await appendJournal(path, record(sequence, sequence % 7 === 0 ? long : `raison ${sequence}`));
    }
    await appendJournal(path, record(31, long));
    const beforeLast = await lastLine();
    const entry = await appendJournal(path, record(32));
    expect(entry).toMatchObject({ n: 32, prev: sha256Hex(beforeLast) });
    expect(await verifyJournal(path)).toEqual({
      entries: 32,
      problems: [],
      interruptedTail: false,
    });
    expect((await readJournal(path)).map((line) => line.n)).toEqual(
      Array.from({ length: 32 }, (_, index) => index + 1),
    );
  });

  it("cuts an interrupted last line, even one longer than a read, before appending", async () => {
    await appendJournal(path, record(1));
    await appendJournal(path, record(2));
    const intact = await readFile(path, "utf8");
    await appendFile(path, `{"n":3,"reason":"${"x".repeat(100_000)}`);
    const entry = await appendJournal(path, record(3));
    expect(entry.n).toBe(3);
    const text = await readFile(path, "utf8");
    expect(text.startsWith(intact)).toBe(true);
    expect(await verifyJournal(path)).toMatchObject({ entries: 3, problems: [] });
  });

  it("still chains to the real last line when that line is not an entry", async () => {
    await appendJournal(path, record(1));
    await appendFile(path, "not an entry\n");
    const entry = await appendJournal(path, record(2));
    expect(entry).toMatchObject({ n: 3, prev: sha256Hex("not an entry") });
    expect((await verifyJournal(path)).problems).toEqual([{ line: 2, problem: "not valid JSON" }]);
  });

  it("starts a journal that holds only an interrupted line", async () => {
    await writeFile(path, '{"n":1,"sou');
    expect(await appendJournal(path, record(1))).toMatchObject({ n: 1, prev: GENESIS });
    expect(await verifyJournal(path)).toMatchObject({ entries: 1, problems: [] });
  });
});

import { sha256Hex } from "@caisse/core";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  appendJournal,
  GENESIS,
  journalHeadPath,
  readJournal,
  type JournalRecord,
} from "./journal.js";
import { verifyJournal } from "./journalCheck.js";

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

describe("the journal's head record", () => {
  async function threeEntries(): Promise<string[]> {
    for (const sequence of [1, 2, 3]) await appendJournal(path, record(sequence));
    return (await readFile(path, "utf8")).slice(0, -1).split("\n");
  }

  it("holds the number and hash of the last entry", async () => {
    const lines = await threeEntries();
    expect(JSON.parse(await readFile(journalHeadPath(path), "utf8"))).toEqual({
      n: 3,
      sha256: sha256Hex(lines[2] ?? ""),
    });
    expect(journalHeadPath(path)).toBe(join(dir, "journal.head.json"));
  });

  it("shows entries removed from the end, which the chain alone cannot", async () => {
    const lines = await threeEntries();
    await writeFile(path, `${lines.slice(0, 2).join("\n")}\n`);
    expect((await verifyJournal(path)).problems).toEqual([
      {
        line: 3,
        problem:
          "journal.head.json says entry 3 was written, but the journal ends at entry 2: entries were removed from its end",
      },
    ]);
    await writeFile(path, "");
    expect((await verifyJournal(path)).problems).toHaveLength(1);
  });

  it("shows an edited last line", async () => {
    const lines = await threeEntries();
    const edited = (lines[2] ?? "").replace('"outcome":"accepted"', '"outcome":"rejected"');
    await writeFile(path, `${[...lines.slice(0, 2), edited].join("\n")}\n`);
    expect((await verifyJournal(path)).problems).toEqual([
      {
        line: 3,
        problem: "the last line is not the one written (journal.head.json): it was edited",
      },
    ]);
  });

  it("takes a head one entry behind as a crash between the append and the head, not an alteration", async () => {
    await threeEntries();
    const behind = await readFile(journalHeadPath(path), "utf8");
    await appendJournal(path, record(4));
    await writeFile(journalHeadPath(path), behind);
    expect((await verifyJournal(path)).problems).toEqual([]);
    // The next append puts it right.
    await appendJournal(path, record(5));
    expect(JSON.parse(await readFile(journalHeadPath(path), "utf8"))).toMatchObject({ n: 5 });
  });

  it("shows lines added by hand after the head", async () => {
    await threeEntries();
    const head = await readFile(journalHeadPath(path), "utf8");
    await appendJournal(path, record(4));
    await appendJournal(path, record(5));
    await writeFile(journalHeadPath(path), head);
    expect((await verifyJournal(path)).problems).toEqual([
      {
        line: 3,
        problem:
          "journal.head.json records entry 3, which does not match the journal: entries after it were added or edited by hand",
      },
    ]);
  });

  it("shows a deleted head record, and a damaged one", async () => {
    await threeEntries();
    await rm(journalHeadPath(path));
    expect((await verifyJournal(path)).problems).toEqual([
      {
        line: 3,
        problem:
          "journal.head.json is missing: the end of the journal cannot be checked (entries removed from its end would not show)",
      },
    ]);
    await writeFile(journalHeadPath(path), "{ not a head");
    expect((await verifyJournal(path)).problems).toEqual([
      { line: 3, problem: "journal.head.json is not a head record: it was altered" },
    ]);
  });
});

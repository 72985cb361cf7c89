import { main } from "@caisse/central";
import { archiveTransportName, sha256Hex, temporarySibling } from "@caisse/core";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { snapshotTree } from "../helpers/tree.js";
import { buildTillZip } from "../helpers/zip-builder.js";

/**
 * The journal is the replay guard: fetch and import check it before trusting it, refuse to build
 * on a damaged one (E_JOURNAL_DAMAGED, exit 1), and `journal repair` rebuilds one that holds.
 */
let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);

const journalPath = (): string => join(root, "journal.jsonl");
const headPath = (): string => join(root, "journal.head.json");
const tillDir = (): string => join(root, "tills", "D01");

interface Line {
  n: number;
  source: string;
  till: string | null;
  sequence: number | null;
  outcome: string;
  code: string | null;
  reason: string | null;
  stored: string | null;
}

async function journal(): Promise<Line[]> {
  const text = await readFile(journalPath(), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Line);
}

/** The archives of till D01, a chain (each names the manifest before it), #1 to #5. */
const chain: { path: string; bytes: Buffer; data: Record<string, string> }[] = [];

async function buildChain(): Promise<void> {
  chain.length = 0;
  let previous: string | null = null;
  for (let sequence = 1; sequence <= 5; sequence++) {
    const data = { "ventes.csv": `ticket;date\n${sequence};2026-11-0${sequence}\n` };
    const created = `2026-11-0${sequence}T23:00:05+01:00`;
    const { zip, manifestBytes } = buildTillZip(data, {
      manifest: { till: "D01", name: "Magasin 1", sequence, created, previous },
    });
    previous = sha256Hex(manifestBytes);
    const path = join(work.path, "out", archiveTransportName("D01", created, sequence));
    await mkdir(join(work.path, "out"), { recursive: true });
    await writeFile(path, zip);
    chain.push({ path, bytes: zip, data });
  }
}

function archive(sequence: number): string {
  return chain[sequence - 1]?.path ?? "";
}

async function importOk(...sequences: number[]): Promise<void> {
  for (const sequence of sequences) {
    const result = await central("import", archive(sequence));
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
  }
}

/** The text lines of the journal, to cut or edit by hand. */
async function journalLines(): Promise<string[]> {
  return (await readFile(journalPath(), "utf8")).split("\n").slice(0, -1);
}

/** Expects a run refused because the journal does not hold, and that nothing changed. */
function expectRefused(result: Captured, problem: string): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("E_JOURNAL_DAMAGED");
  expect(result.stderr).toContain(problem);
  expect(result.stderr).toContain("caisse-central journal repair");
}

beforeEach(async () => {
  work = await temporaryFolder("caisse-guard-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
  await buildChain();
});
afterEach(async () => work.remove());

describe("fetch and import refuse a journal that does not hold", () => {
  it("a last line cut in the middle: exit 1, nothing appended, the head kept", async () => {
    await importOk(1, 2, 3);
    const text = await readFile(journalPath(), "utf8");
    const cut = text.slice(0, text.length - 40);
    await writeFile(journalPath(), cut);
    const head = await readFile(headPath(), "utf8");
    const tillBefore = await snapshotTree(tillDir());

    expectRefused(
      await central("import", archive(4)),
      "journal.head.json says entry 3 was written, but the journal ends at entry 2",
    );
    expectRefused(await central("fetch"), "entries were removed from its end");
    expect(await readFile(journalPath(), "utf8")).toBe(cut);
    expect(await readFile(headPath(), "utf8")).toBe(head);
    expect(await snapshotTree(tillDir())).toEqual(tillBefore);
    expect((await central("journal", "--verify")).code).toBe(3);
  });

  it("the last entries deleted: an older archive replayed does not roll the till back", async () => {
    await importOk(1, 2, 3);
    const lines = await journalLines();
    await writeFile(journalPath(), `${lines[0]}\n`);
    const tillBefore = await snapshotTree(tillDir());

    expectRefused(await central("import", archive(2)), "entries were removed from its end");
    expectRefused(await central("import", "--dry-run", archive(2)), "ends at entry 1");
    expect(await snapshotTree(tillDir())).toEqual(tillBefore);
    expect(await journal()).toHaveLength(1);
  });

  it("the journal and its head deleted: archives/ still shows what was imported", async () => {
    await importOk(1, 2);
    await rm(journalPath());
    await rm(headPath());
    const tillBefore = await snapshotTree(tillDir());

    expectRefused(
      await central("import", archive(1)),
      "2 archives under archives/ are in no journal entry (archives/D01/D01_20261101T230005_000001.zip, archives/D01/D01_20261102T230005_000002.zip)",
    );
    expect(await snapshotTree(tillDir())).toEqual(tillBefore);
    await expect(readFile(journalPath())).rejects.toThrow();
  });

  it("the head record deleted: refused, and --verify says so", async () => {
    await importOk(1, 2);
    await rm(headPath());
    expectRefused(await central("import", archive(3)), "journal.head.json is missing");
    const verify = await central("journal", "--verify");
    expect(verify.code).toBe(3);
    expect(verify.stdout).toContain("line 2: journal.head.json is missing");
  });

  it("an accepted entry's sequence edited in the middle: its archive's name disagrees", async () => {
    await importOk(1, 2, 3, 4);
    const lines = await journalLines();
    lines[1] = (lines[1] ?? "").replace('"sequence":2', '"sequence":9');
    await writeFile(journalPath(), `${lines.join("\n")}\n`);
    expectRefused(
      await central("import", archive(5)),
      "line 2: the entry says sequence 9 but its archive archives/D01/D01_20261102T230005_000002.zip is #2",
    );
  });

  it("an older copy of the journal and its head put back: archives/ shows the entries lost", async () => {
    await importOk(1);
    const oldJournal = await readFile(journalPath());
    const oldHead = await readFile(headPath());
    await importOk(2, 3);
    await writeFile(journalPath(), oldJournal);
    await writeFile(headPath(), oldHead);
    const tillBefore = await snapshotTree(tillDir());
    expectRefused(
      await central("import", archive(2)),
      "2 archives under archives/ are in no journal entry",
    );
    expect(await snapshotTree(tillDir())).toEqual(tillBefore);
  });

  it("old archives removed from archives/ to save room are not damage", async () => {
    await importOk(1, 2, 3);
    await rm(join(root, "archives", "D01", "D01_20261101T230005_000001.zip"));
    await rm(join(root, "archives", "D01", "D01_20261102T230005_000002.zip"));
    await importOk(4);
    expect((await central("journal", "--verify")).code).toBe(0);
  });

  it("an archive put in place by a decided swap, not journaled yet, is not damage", async () => {
    // What a kill between the archive's rename into place and the journal's append leaves.
    await importOk(1);
    const oldJournal = await readFile(journalPath());
    const oldHead = await readFile(headPath());
    await importOk(2);
    const [, second] = await journalLines();
    const record = JSON.parse(second ?? "") as Record<string, unknown>;
    delete record.n;
    delete record.prev;
    await writeFile(journalPath(), oldJournal);
    await writeFile(headPath(), oldHead);
    await writeFile(join(root, "tills", "D01.caisse-swap.json"), JSON.stringify({ record }));

    const dry = await central("import", "--dry-run", archive(3));
    expect(dry.stderr).not.toContain("E_JOURNAL_DAMAGED");
    expect(dry.code).toBe(0);
    const real = await central("fetch");
    expect(real.code).toBe(0);
    expect(real.stdout).toContain("recovered D01: an interrupted import was completed");
    expect((await journal()).map((entry) => entry.sequence)).toEqual([1, 2]);
    expect((await central("journal", "--verify")).code).toBe(0);
  });

  it("a crash between the append and the head is not damage: the next import goes on", async () => {
    await importOk(1, 2);
    const head = await readFile(headPath(), "utf8");
    await importOk(3);
    await writeFile(headPath(), head);
    await importOk(4);
    expect((await central("journal", "--verify")).code).toBe(0);
  });
});

describe("caisse-central journal repair", () => {
  it("rebuilds the lost entries from archives/, keeps the damaged journal, journals both", async () => {
    await importOk(1, 2, 3);
    const lines = await journalLines();
    const damaged = `${lines[0]}\n`;
    await writeFile(journalPath(), damaged);
    const head = await readFile(headPath(), "utf8");

    const dry = await central("journal", "repair", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("would keep: entries 1 to 1, as they were");
    expect(dry.stdout).toContain("would journal again from archives/: 2 archives");
    expect(dry.stdout).toContain("dry run: nothing was changed");
    expect(await readFile(journalPath(), "utf8")).toBe(damaged);
    expect(await readFile(headPath(), "utf8")).toBe(head);

    const repaired = await central("journal", "repair");
    expect(repaired.code).toBe(0);
    const copy = (await readdir(root)).filter((name) => name.startsWith("journal.damaged-"));
    expect(copy).toHaveLength(2);
    const [headCopy, journalCopy] = copy.sort();
    expect(await readFile(join(root, journalCopy ?? ""), "utf8")).toBe(damaged);
    expect(await readFile(join(root, headCopy ?? ""), "utf8")).toBe(head);
    expect(repaired.stdout.split("\n")).toEqual([
      "the journal did not hold:",
      "  line 2: journal.head.json says entry 3 was written, but the journal ends at entry 1: entries were removed from its end",
      "  2 archives under archives/ are in no journal entry (archives/D01/D01_20261102T230005_000002.zip, archives/D01/D01_20261103T230005_000003.zip): entries were removed, or the journal was replaced or deleted",
      "kept: entries 1 to 1, as they were",
      "journaled again from archives/: 2 archives",
      "  D01 #2  archives/D01/D01_20261102T230005_000002.zip",
      "  D01 #3  archives/D01/D01_20261103T230005_000003.zip",
      `damaged journal kept as ${journalCopy}`,
      `its head record kept as ${headCopy}`,
      "journaled: the damage (entry 2) and the repair (entry 5)",
      "",
    ]);
    const entries = await journal();
    expect(entries.map((entry) => [entry.n, entry.source, entry.outcome, entry.sequence])).toEqual([
      [1, "import", "accepted", 1],
      [2, "journal-repair", "repair", null],
      [3, "journal-repair", "accepted", 2],
      [4, "journal-repair", "accepted", 3],
      [5, "journal-repair", "repair", null],
    ]);
    expect(entries[1]?.code).toBe("E_JOURNAL_DAMAGED");
    expect(entries[1]?.stored).toBe(journalCopy);
    const verify = await central("journal", "--verify");
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain("journal intact: 5 entries");

    // The replay guard holds again: #2 is already imported, #4 follows #3.
    const tillBefore = await snapshotTree(tillDir());
    const replay = await central("import", archive(2));
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain("already imported");
    expect(await snapshotTree(tillDir())).toEqual(tillBefore);
    await importOk(4);
    expect((await journal()).at(-1)).toMatchObject({ sequence: 4, outcome: "accepted" });
  });

  it("a line cut in the middle: keeps the whole entries, brings back the cut one", async () => {
    await importOk(1, 2, 3);
    const text = await readFile(journalPath(), "utf8");
    await writeFile(journalPath(), text.slice(0, text.length - 40));
    const repaired = await central("journal", "repair");
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain("kept: entries 1 to 2, as they were");
    expect(repaired.stdout).toContain("  D01 #3  archives/D01/D01_20261103T230005_000003.zip");
    expect((await central("journal", "--verify")).code).toBe(0);
    await importOk(4);
  });

  it("an edited entry: the entries from it on come back from archives/", async () => {
    await importOk(1, 2, 3);
    const lines = await journalLines();
    lines[1] = (lines[1] ?? "").replace('"source":"import"', '"source":"forged"');
    await writeFile(journalPath(), `${lines.join("\n")}\n`);
    const repaired = await central("journal", "repair");
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain("kept: entries 1 to 1, as they were");
    expect(repaired.stdout).toContain("not carried over: 2 later lines");
    expect(
      (await journal()).filter((entry) => entry.outcome === "accepted").map((e) => e.sequence),
    ).toEqual([1, 2, 3]);
    expect((await central("journal", "--verify")).code).toBe(0);
  });

  it("the journal deleted: every archive comes back; one not to be trusted is journaled as rejected, left in place (exit 3)", async () => {
    await importOk(1, 2);
    await rm(journalPath());
    await rm(headPath());
    await writeFile(join(root, "archives", "D01", "junk.zip"), "not a zip");
    const repaired = await central("journal", "repair");
    expect(repaired.code).toBe(3);
    expect(repaired.stdout).toContain("kept: no entry (none could be trusted)");
    expect(repaired.stdout).toContain("journaled again from archives/: 2 archives");
    expect(repaired.stdout).toContain(
      "could not be recovered (journaled as rejected, left where they are): 1",
    );
    expect(repaired.stdout).toContain("  archives/D01/junk.zip: found under archives/");
    expect(await readFile(join(root, "archives", "D01", "junk.zip"), "utf8")).toBe("not a zip");
    expect((await journal()).map((entry) => entry.outcome)).toEqual([
      "repair",
      "accepted",
      "accepted",
      "rejected",
      "repair",
    ]);
    expect((await central("journal", "--verify")).code).toBe(0);
    const replay = await central("import", archive(1));
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain("already imported");
    await importOk(3);
  });

  it("an intact journal: nothing to repair, nothing changed", async () => {
    await importOk(1);
    const before = await snapshotTree(root);
    const repaired = await central("journal", "repair");
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toBe("journal intact: nothing to repair\n");
    expect(await snapshotTree(root)).toEqual(before);
  });
});

describe("recovery removes every temporary file of the central's making", () => {
  it("in quarantine/, at the root, beside a till's directory; nothing else", async () => {
    await importOk(1);
    const leftovers = [
      temporarySibling(join(root, "archives", "D01", "D01_20261102T230005_000002.zip")),
      temporarySibling(join(root, "quarantine", "x.zip")),
      temporarySibling(join(root, "quarantine", "x.zip.txt")),
      temporarySibling(join(root, "caisse-central.json")),
      temporarySibling(join(root, "journal.head.json")),
      temporarySibling(join(root, "journal.jsonl")),
      temporarySibling(join(root, "tills", "D01.caisse-swap.json")),
    ];
    const kept = [
      join(root, "quarantine", ".notes.tmp"),
      join(root, ".other.0123456789ab.tmp"),
      join(root, "tills", ".D02.caisse-swap.json.0123456789ab.tmp"),
    ];
    await mkdir(join(root, "quarantine"), { recursive: true });
    for (const path of [...leftovers, ...kept]) await writeFile(path, "partial");
    expect((await central("fetch")).code).toBe(0);
    for (const path of leftovers) await expect(readFile(path)).rejects.toThrow();
    for (const path of kept) expect(await readFile(path, "utf8")).toBe("partial");
  });
});

describe("a gap caused by a refused archive", () => {
  it("says '#2 rejected', not 'never arrived'", async () => {
    await importOk(1);
    const bad = join(work.path, "out", "bad.zip");
    await writeFile(bad, (chain[1]?.bytes ?? Buffer.alloc(0)).subarray(0, 60));
    const refused = await central("import", bad, "--till", "D01");
    expect(refused.code).toBe(3);
    // A refused archive whose manifest was read: its sequence is known.
    const { zip } = buildTillZip(
      { "ventes.csv": "x" },
      {
        manifest: {
          till: "D01",
          name: "Magasin 1",
          sequence: 3,
          created: "2026-11-03T23:00:05+01:00",
          files: [{ path: "ventes.csv", size: 1, sha256: "0".repeat(64) }],
        },
      },
    );
    await writeFile(bad, zip);
    expect((await central("import", bad)).code).toBe(3);
    expect((await journal()).at(-1)).toMatchObject({ outcome: "rejected", sequence: 3 });
    const result = await central("import", archive(5));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "warn: D01: archives #2 never arrived, #3 rejected, #4 never arrived",
    );
    expect(result.stdout).toContain("missing #2..#4 (rejected: #3)");
  });
});

import { centralPaths, loadCentralConfig, main } from "@caisse/central";
import { restoreTill } from "../../packages/central/src/import/restore.js";
import { readJournal } from "../../packages/central/src/journal.js";
import { tillHistories } from "../../packages/central/src/tillHistory.js";
import { archiveTransportName, sha256Hex, type Manifest } from "@caisse/core";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder, type Captured } from "../helpers/cli.js";
import { snapshotTree } from "../helpers/tree.js";
import { buildTillZip } from "../helpers/zip-builder.js";

let work: { path: string; remove: () => Promise<void> };
let root: string;

/** Runs caisse-central at a given time of the central's clock. */
async function central(at: string, ...argv: string[]): Promise<Captured> {
  const { ctx, output } = captureContext(root, {}, () => new Date(at));
  const code = await main(["--root", root, ...argv], ctx);
  return { code, ...output() };
}

const ventes = (till: string, sequence: number): string =>
  `ticket;date;article;famille;quantite;montant_ttc;taux_tva\n${sequence};2026-11-0${sequence} 10:00;A1;EPI;1;${sequence},00;5,5\n`;

/** Archive #sequence of `till`, created on 2026-11-<sequence>, chained to the one before. */
async function archive(
  till: string,
  sequence: number,
  files?: Record<string, string>,
): Promise<string> {
  const manifestOf = (n: number): Partial<Manifest> => ({
    till,
    name: "Magasin",
    sequence: n,
    created: `2026-11-0${n}T23:00:05+01:00`,
    previous:
      n === 1
        ? null
        : sha256Hex(
            buildTillZip({ "ventes.csv": ventes(till, n - 1) }, { manifest: manifestOf(n - 1) })
              .manifestBytes,
          ),
  });
  const { zip, manifest } = buildTillZip(files ?? { "ventes.csv": ventes(till, sequence) }, {
    manifest: manifestOf(sequence),
  });
  const path = join(work.path, archiveTransportName(till, manifest.created, sequence));
  await writeFile(path, zip);
  return path;
}

async function journal(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(root, "journal.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(async () => {
  work = await temporaryFolder();
  root = join(work.path, "central");
  await mkdir(root);
  expect((await central("2026-11-01T08:00:00Z", "init")).code).toBe(0);
  for (const till of ["D01", "D02"])
    expect(
      (await central("2026-11-01T08:00:00Z", "tills", "add", till, "--name", "Magasin")).code,
    ).toBe(0);
});
afterEach(async () => work.remove());

describe("caisse-central restore", () => {
  it("rebuilds a till's directory from a kept archive, journaled, the sequence unchanged", async () => {
    expect((await central("2026-11-02T08:00:00Z", "import", await archive("D01", 1))).code).toBe(0);
    const two = await archive("D01", 2, {
      "ventes.csv": ventes("D01", 2),
      "notes/a.txt": "deux\n",
    });
    expect((await central("2026-11-03T08:00:00Z", "import", two)).code).toBe(0);
    expect((await central("2026-11-04T08:00:00Z", "import", await archive("D01", 3))).code).toBe(0);
    const tillDir = join(root, "tills", "D01");
    expect(Object.keys(await snapshotTree(tillDir))).toEqual(["ventes.csv"]);

    const restored = await central("2026-11-05T08:00:00Z", "restore", "d01", "--sequence", "2");
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    const stored = "archives/D01/D01_20261102T230005_000002.zip";
    expect(restored.stdout).toBe(
      `D01: directory ${tillDir} rebuilt from archive #2 (${stored}, 2 files); journal entry 4\n`,
    );
    expect(await snapshotTree(tillDir)).toEqual({
      notes: "dir",
      "notes/a.txt": sha256Hex("deux\n"),
      "ventes.csv": sha256Hex(ventes("D01", 2)),
    });
    expect(await readdir(join(root, "tills"))).toEqual(["D01"]);
    const entries = await journal();
    expect(entries).toHaveLength(4);
    const entry = entries[3] ?? {};
    expect(Object.keys(entry)).toEqual([
      "n",
      "time",
      "source",
      "file",
      "till",
      "sequence",
      "sha256",
      "size",
      "outcome",
      "code",
      "reason",
      "stored",
      "gap",
      "manifest",
      "prev",
    ]);
    expect(entry).toMatchObject({
      n: 4,
      time: "2026-11-05T08:00:00+00:00",
      source: "restore",
      file: "D01_20261102T230005_000002.zip",
      till: "D01",
      sequence: 2,
      sha256: sha256Hex(await readFile(join(root, stored))),
      outcome: "restored",
      code: null,
      reason: "directory rebuilt from archive #2 by hand",
      stored,
      gap: null,
    });
    expect((await central("2026-11-05T09:00:00Z", "journal", "--verify")).code).toBe(0);
    // Nothing was received: the till's history (the monitor's "last archive") is unchanged.
    const history = tillHistories(await readJournal(join(root, "journal.jsonl"))).get("D01");
    expect([history?.lastReceived?.n, history?.lastAccepted?.n, history?.lastSequence]).toEqual([
      3, 3, 3,
    ]);

    // The sequence guard still stands at #3: #4 is taken, #3 again is a duplicate.
    const four = await central("2026-11-06T08:00:00Z", "import", await archive("D01", 4));
    expect(four.code).toBe(0);
    expect(Object.keys(await snapshotTree(tillDir))).toEqual(["ventes.csv"]);

    const missing = await central("2026-11-06T09:00:00Z", "restore", "D01", "--sequence", "7");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      "E_RESTORE_NOT_KEPT: till D01: no archive #7 is kept under archives/ (kept: #1, #2, #3, #4)",
    );
    const none = await central("2026-11-06T09:00:00Z", "restore", "D02", "--sequence", "1");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("till D02: no archive #1 is kept under archives/ (none is kept)");
    const bad = await central("2026-11-06T09:00:00Z", "restore", "D01", "--sequence", "two");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--sequence must be a whole number from 1 (found 'two')");
  });

  it("refuses a kept archive that is not the one journaled, changing nothing", async () => {
    expect((await central("2026-11-02T08:00:00Z", "import", await archive("D01", 1))).code).toBe(0);
    expect((await central("2026-11-03T08:00:00Z", "import", await archive("D01", 2))).code).toBe(0);
    const stored = join(root, "archives", "D01", "D01_20261101T230005_000001.zip");
    await writeFile(stored, Buffer.concat([await readFile(stored), Buffer.from("x")]));
    const before = await snapshotTree(root);
    const result = await central("2026-11-04T08:00:00Z", "restore", "D01", "--sequence", "1");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "E_JOURNAL_DAMAGED: archives/D01/D01_20261101T230005_000001.zip is not the archive journaled in entry 1",
    );
    expect(await snapshotTree(root)).toEqual(before);
  });
});

describe("a restore interrupted after the swap", () => {
  it("is journaled by the next run, although the archive was journaled when accepted", async () => {
    expect((await central("2026-11-02T08:00:00Z", "import", await archive("D01", 1))).code).toBe(0);
    expect((await central("2026-11-03T08:00:00Z", "import", await archive("D01", 2))).code).toBe(0);
    const paths = centralPaths(root);
    const crash = new Error("the process died here");
    await expect(
      restoreTill({ paths, config: await loadCentralConfig(paths) }, "D01", 1, {
        now: () => new Date("2026-11-04T08:00:00Z"),
        pause: (point) => (point === "moved-new" ? Promise.reject(crash) : Promise.resolve()),
      }),
    ).rejects.toBe(crash);
    expect(await journal()).toHaveLength(2);
    const next = await central("2026-11-05T08:00:00Z", "import", await archive("D01", 3));
    expect(next.code).toBe(0);
    expect(next.stderr).toContain("D01: an interrupted import was completed");
    expect((await journal()).map((entry) => [entry.outcome, entry.sequence, entry.time])).toEqual([
      ["accepted", 1, "2026-11-02T08:00:00+00:00"],
      ["accepted", 2, "2026-11-03T08:00:00+00:00"],
      ["restored", 1, "2026-11-04T08:00:00+00:00"],
      ["accepted", 3, "2026-11-05T08:00:00+00:00"],
    ]);
    expect((await central("2026-11-05T09:00:00Z", "journal", "--verify")).code).toBe(0);
  });
});

describe("archives.keepDays", () => {
  it("removes accepted archives older than that after an import, never a till's last one", async () => {
    const config = join(root, "caisse-central.json");
    const value = JSON.parse(await readFile(config, "utf8")) as Record<string, unknown>;
    await writeFile(config, JSON.stringify({ ...value, archives: { keepDays: 10 } }, null, 2));
    expect((await central("2026-11-02T08:00:00Z", "import", await archive("D02", 1))).code).toBe(0);
    expect((await central("2026-11-02T08:00:00Z", "import", await archive("D01", 1))).code).toBe(0);
    const second = await central("2026-11-15T08:00:00Z", "import", await archive("D01", 2));
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(
      "archives/D01/D01_20261101T230005_000001.zip removed: older than archives.keepDays",
    );
    const third = await central("2026-11-20T08:00:00Z", "import", await archive("D01", 3));
    expect(third.code).toBe(0);
    expect(third.stderr).not.toContain("removed");
    expect(await readdir(join(root, "archives", "D01"))).toEqual([
      "D01_20261102T230005_000002.zip",
      "D01_20261103T230005_000003.zip",
    ]);
    // D02's only archive is older than 10 days, and stays: it is the till's last one.
    expect(await readdir(join(root, "archives", "D02"))).toEqual([
      "D02_20261101T230005_000001.zip",
    ]);
    expect((await central("2026-11-20T09:00:00Z", "journal", "--verify")).code).toBe(0);
    const gone = await central("2026-11-20T09:00:00Z", "restore", "D01", "--sequence", "1");
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain("no archive #1 is kept under archives/ (kept: #2, #3)");
    expect((await central("2026-11-20T09:00:00Z", "restore", "D02", "--sequence", "1")).code).toBe(
      0,
    );
  });

  it("keeps every archive when it is not set", async () => {
    expect((await central("2026-11-02T08:00:00Z", "import", await archive("D01", 1))).code).toBe(0);
    expect((await central("2027-11-02T08:00:00Z", "import", await archive("D01", 2))).code).toBe(0);
    expect(await readdir(join(root, "archives", "D01"))).toHaveLength(2);
  });
});

import { main } from "@caisse/central";
import { openArchive, sha256Hex, type Manifest } from "@caisse/core";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { importKilledAt } from "../helpers/killed-import.js";
import { snapshotTree } from "../helpers/tree.js";
import { buildTillZip } from "../helpers/zip-builder.js";
import { makeTill, type Till } from "../export/fixture.js";

/**
 * Incremental archives at the central (see docs/archive-format.md#incremental-archives): applied
 * only onto the data they were built against, all or nothing; anything else is
 * E_ARCHIVE_NEEDS_FULL, and the till's next full archive repairs it.
 */

let work: { path: string; remove: () => Promise<void> };
let root: string;
let till: Till;
const central = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);
const tillDir = (): string => join(root, "tills", "D01");

beforeEach(async () => {
  work = await temporaryFolder("caisse-incremental-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
  till = await makeTill();
  await rm(join(till.data, "ventes.csv"));
  await till.writeData(Object.fromEntries(Array.from({ length: 30 }, (_, i) => dayFile(i + 1))));
  await mkdir(till.share);
});
afterEach(async () => {
  await till.remove();
  await work.remove();
});

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n";

function dayFile(day: number): [string, string] {
  const date = new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10);
  return [`2026/ventes-${date}.csv`, `${HEADER}${day};${date} 10:00;A1;EPI;1;${day},50;5,5\n`];
}

const DAY = 24 * 60 * 60 * 1000;
const FIRST = new Date("2026-02-10T22:00:00Z");
const at = (days: number): Date => new Date(FIRST.getTime() + days * DAY);

/** Runs `caisse-export run` on the till; returns the path of the archive it put on the share. */
async function tillRun(days: number, ...flags: string[]): Promise<string> {
  const before = new Set(await till.shareNames());
  const result = await till.run(["run", ...flags], { now: at(days) });
  expect(result.code, result.stderr).toBe(0);
  const added = (await till.shareNames()).filter((name) => !before.has(name));
  expect(added).toHaveLength(1);
  return join(till.share, added[0] ?? "");
}

async function modeOf(path: string): Promise<Manifest["mode"]> {
  const archive = await openArchive(path);
  try {
    return archive.manifest?.value.mode;
  } finally {
    await archive.close();
  }
}

interface JournalLine {
  outcome: string;
  code: string | null;
  sequence: number | null;
  stored: string | null;
}

async function journal(): Promise<JournalLine[]> {
  return (await readFile(join(root, "journal.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as JournalLine);
}

async function expectNeedsFull(result: Captured, sequence: number): Promise<void> {
  expect(result.code, result.stderr).toBe(3);
  expect(result.stderr).toContain("E_ARCHIVE_NEEDS_FULL");
  expect(result.stderr).toContain("needs a full archive");
  expect((await journal()).at(-1)).toMatchObject({
    outcome: "rejected",
    code: "E_ARCHIVE_NEEDS_FULL",
    sequence,
  });
  expect((await journal()).at(-1)?.stored).toMatch(/^quarantine\//u);
}

describe("importing incremental archives", () => {
  it("one new day, a changed and a removed file: the same directory as a full import", async () => {
    expect((await central("import", await tillRun(0))).code).toBe(0);
    await till.writeData(Object.fromEntries([dayFile(31)]));
    await writeFile(join(till.data, dayFile(3)[0]), `${HEADER}corrected\n`);
    await rm(join(till.data, dayFile(5)[0]));
    const incremental = await tillRun(1);
    expect(await modeOf(incremental)).toBe("incremental");

    const result = await central("import", incremental, "--format", "json");
    expect(result.code, result.stderr).toBe(0);
    const [archive] = (JSON.parse(result.stdout) as { archives: Record<string, unknown>[] })
      .archives;
    expect(archive).toMatchObject({ outcome: "accepted", sequence: 2, files: 30 });
    const expected = await snapshotTree(till.data);
    expect(await snapshotTree(tillDir())).toEqual(expected);

    // A full archive of the same data, into another central, gives the same tree.
    const full = await tillRun(1.5, "--full");
    expect(await modeOf(full)).toBe("full");
    root = join(work.path, "other");
    expect((await central("init")).code).toBe(0);
    expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
    expect((await central("import", full)).code).toBe(0);
    expect(await snapshotTree(tillDir())).toEqual(expected);
  });

  it("applies incremental archives night after night, each onto the last", async () => {
    expect((await central("import", await tillRun(0))).code).toBe(0);
    for (const day of [1, 2, 3]) {
      await till.writeData(Object.fromEntries([dayFile(30 + day)]));
      const archive = await tillRun(day);
      expect(await modeOf(archive)).toBe("incremental");
      expect((await central("import", archive)).code).toBe(0);
      expect(await snapshotTree(tillDir())).toEqual(await snapshotTree(till.data));
    }
    // An incremental archive missed in between does not matter: each one builds on the full one.
    await till.writeData(Object.fromEntries([dayFile(34)]));
    await tillRun(4);
    await till.writeData(Object.fromEntries([dayFile(35)]));
    expect((await central("import", await tillRun(5))).code).toBe(0);
    expect(await snapshotTree(tillDir())).toEqual(await snapshotTree(till.data));
  });

  it("takes a full archive and the incremental one on it in the same fetch", async () => {
    const full = await tillRun(0);
    await till.writeData(Object.fromEntries([dayFile(31)]));
    const incremental = await tillRun(1);
    for (const file of [full, incremental]) {
      await writeFile(join(root, "inbox", basename(file)), await readFile(file));
    }
    const fetched = await central("fetch");
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toContain("2 imported, 0 already imported, 0 rejected");
    expect(await snapshotTree(tillDir())).toEqual(await snapshotTree(till.data));
  });

  it("refuses one whose base never arrived, changing nothing; the next full archive repairs", async () => {
    expect((await central("import", await tillRun(0))).code).toBe(0);
    const before = await snapshotTree(tillDir());
    await till.writeData(Object.fromEntries([dayFile(31)]));
    const lost = await tillRun(1, "--full"); // sent, but lost on the way
    await rm(lost);
    await till.writeData(Object.fromEntries([dayFile(32)]));
    const incremental = await tillRun(2);
    expect(await modeOf(incremental)).toBe("incremental");

    const refused = await central("import", incremental);
    await expectNeedsFull(refused, 3);
    expect(refused.stderr).toContain("the central never imported #2 (the last one imported is #1)");
    expect(refused.stderr).toContain("caisse-export run --full");
    expect(await snapshotTree(tillDir())).toEqual(before);

    expect((await central("import", await tillRun(3, "--full"))).code).toBe(0);
    expect(await snapshotTree(tillDir())).toEqual(await snapshotTree(till.data));
  });

  it("refuses one when the till's directory at the central is not the base any more", async () => {
    expect((await central("import", await tillRun(0))).code).toBe(0);
    await writeFile(join(tillDir(), dayFile(7)[0]), "changed by hand\n");
    await rm(join(tillDir(), dayFile(8)[0]));
    const before = await snapshotTree(tillDir());
    await till.writeData(Object.fromEntries([dayFile(31)]));
    const refused = await central("import", await tillRun(1));
    await expectNeedsFull(refused, 2);
    expect(refused.stderr).toContain(`'${dayFile(7)[0]}' holds 16 bytes at the central`);
    expect(refused.stderr).toContain(`'${dayFile(8)[0]}' is not in the till's directory`);
    expect(await snapshotTree(tillDir())).toEqual(before);
  });

  it("refuses one from a till the central holds nothing of", async () => {
    await tillRun(0);
    const refused = await central("import", await tillRun(1));
    await expectNeedsFull(refused, 2);
    expect(refused.stderr).toContain("the central holds nothing from this till yet");
  });
});

describe("hostile incremental archives", () => {
  const A = "ticket;date\n1;2026-11-01\n";
  const B = "ticket;date\n2;2026-11-02\n";
  const C = "ticket;date\n3;2026-11-03\n";
  const listed = (files: Record<string, string>): Manifest["files"] =>
    Object.entries(files).map(([path, data]) => ({
      path,
      size: Buffer.byteLength(data),
      sha256: sha256Hex(data),
    }));

  async function importZip(name: string, zip: Buffer): Promise<Captured> {
    const path = join(work.path, name);
    await writeFile(path, zip);
    return central("import", path);
  }

  /** Full archive #1 holding a.csv and b.csv, imported. */
  async function importBase(): Promise<Record<string, string>> {
    const result = await importZip("base.zip", buildTillZip({ "a.csv": A, "b.csv": B }).zip);
    expect(result.code, result.stderr).toBe(0);
    return snapshotTree(tillDir());
  }

  function incremental(
    carried: Record<string, string>,
    files: Manifest["files"],
    fields: Partial<Manifest> = {},
  ): Buffer {
    return buildTillZip(carried, {
      manifest: {
        sequence: 2,
        created: "2026-11-28T23:00:05+01:00",
        mode: "incremental",
        base: 1,
        files,
        ...fields,
      },
    }).zip;
  }

  it("a listed file not carried whose sum is not the base's: needs a full archive", async () => {
    const before = await importBase();
    const files = listed({ "a.csv": "forged\n", "b.csv": B, "c.csv": C });
    await expectNeedsFull(await importZip("forged.zip", incremental({ "c.csv": C }, files)), 2);
    expect(await snapshotTree(tillDir())).toEqual(before);
  });

  it("a carried file the manifest does not list: the manifest does not match", async () => {
    const before = await importBase();
    const files = listed({ "a.csv": A, "b.csv": B, "c.csv": C });
    const result = await importZip("extra.zip", incremental({ "c.csv": C, "d.csv": A }, files));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("E_MANIFEST_MISMATCH");
    expect(result.stderr).toContain("'d.csv' is in the archive but not in the manifest");
    expect(await snapshotTree(tillDir())).toEqual(before);
  });

  it("a base that is not below its own sequence: the manifest is invalid", async () => {
    await importBase();
    const files = listed({ "a.csv": A, "b.csv": B, "c.csv": C });
    const result = await importZip("future.zip", incremental({ "c.csv": C }, files, { base: 2 }));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("E_MANIFEST_INVALID");
    expect(result.stderr).toContain("base is 2, not below the archive's own sequence 2");
  });

  it("a base the central has not imported yet: needs a full archive", async () => {
    const before = await importBase();
    const files = listed({ "a.csv": A, "b.csv": B, "c.csv": C });
    const archive = incremental({ "c.csv": C }, files, { sequence: 9, base: 5 });
    await expectNeedsFull(await importZip("ahead.zip", archive), 9);
    expect(await snapshotTree(tillDir())).toEqual(before);
  });

  it("a mode that is neither full nor incremental, or a base on a full archive: invalid", async () => {
    await importBase();
    const files = listed({ "a.csv": A, "b.csv": B });
    for (const [name, fields, problem] of [
      ["odd.zip", { mode: "delta" as Manifest["mode"] }, "mode is 'delta'"],
      ["based.zip", { mode: "full" as const, base: 1 }, "but the archive is not incremental"],
      ["nobase.zip", { mode: "incremental" as const, base: undefined }, "base is missing"],
    ] as const) {
      const result = await importZip(name, incremental({ "a.csv": A, "b.csv": B }, files, fields));
      expect(result.code).toBe(3);
      expect(result.stderr).toContain("E_MANIFEST_INVALID");
      expect(result.stderr).toContain(problem);
    }
  });

  it("a carried name that collides with a kept one once case is folded: refused", async () => {
    const before = await importBase();
    const files = [...listed({ "a.csv": A, "b.csv": B }), ...listed({ "A.CSV": C })];
    const result = await importZip("case.zip", incremental({ "A.CSV": C }, files));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("E_ARCHIVE_DUPLICATE_NAME");
    expect(await snapshotTree(tillDir())).toEqual(before);
    expect(await readdir(root)).not.toContain("tills.caisse-new");
  });

  it("is refused whole by a reader that is not asked for a partial extraction (an older central)", async () => {
    const files = listed({ "a.csv": A, "b.csv": B, "c.csv": C });
    const path = join(work.path, "old.zip");
    await writeFile(path, incremental({ "c.csv": C }, files));
    const archive = await openArchive(path);
    const staging = join(work.path, "staging");
    await expect(archive.extractTo(staging)).rejects.toMatchObject({
      code: "E_MANIFEST_MISMATCH",
      message: expect.stringContaining(
        "'a.csv' is in the manifest but not in the archive",
      ) as string,
    });
    await archive.close();
    await expect(readdir(staging)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("an incremental import killed at each step of the swap", () => {
  it.each([
    ["staged", "before"],
    ["marked", "after"],
    ["moved-old", "after"],
    ["moved-new", "after"],
    ["journaled", "after"],
  ] as const)(
    "killed at '%s': the directory ends exactly %s, then imports",
    async (point, state) => {
      expect((await central("import", await tillRun(0))).code).toBe(0);
      const before = await snapshotTree(tillDir());
      await till.writeData(Object.fromEntries([dayFile(31)]));
      await rm(join(till.data, dayFile(2)[0]));
      const archive = await tillRun(1);
      const after = await snapshotTree(till.data);

      await importKilledAt(root, work.path, point, archive);
      expect((await central("fetch")).code).toBe(0);
      expect(await snapshotTree(tillDir())).toEqual(state === "before" ? before : after);
      const tills = await snapshotTree(join(root, "tills"));
      expect(Object.keys(tills).filter((name) => name.includes(".caisse-"))).toEqual([]);

      expect((await central("import", archive)).code).toBe(0);
      expect(await snapshotTree(tillDir())).toEqual(after);
      expect(
        (await journal())
          .filter((line) => line.outcome === "accepted")
          .map((line) => line.sequence),
      ).toEqual([1, 2]);
      expect((await central("journal", "--verify")).code).toBe(0);
    },
  );
});

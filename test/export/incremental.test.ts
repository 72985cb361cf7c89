import { openArchive, type Manifest } from "@caisse/core";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, makeTill, type Till } from "./fixture.js";

/**
 * `caisse-export run` builds incremental archives between full ones (see
 * docs/archive-format.md#incremental-archives): only the files changed since the last full
 * archive are packed, every file is listed.
 */

let till: Till;
beforeEach(async () => {
  till = await makeTill();
  await rm(join(till.data, "ventes.csv"));
  await till.writeData(yearOfDays(40));
  await mkdir(till.share);
});
afterEach(async () => till.remove());

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n";

/** One file per day, as tills that write a file a day do: `2026/ventes-2026-MM-DD.csv`. */
function dayFile(day: number): [string, string] {
  const date = new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10);
  return [
    `2026/ventes-${date}.csv`,
    `${HEADER}${day};${date} 10:00;A1;EPI;1;${day},50;5,5\n`.repeat(20),
  ];
}

function yearOfDays(days: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: days }, (_, index) => dayFile(index + 1)));
}

const DAY = 24 * 60 * 60 * 1000;
const FIRST = new Date("2026-02-10T22:00:00Z");
const at = (days: number): Date => new Date(FIRST.getTime() + days * DAY);

/** The manifest and the entry names of the archive `run` just put on the share. */
async function lastSent(): Promise<{ manifest: Manifest; entries: string[]; size: number }> {
  const names = await till.shareNames();
  const path = join(till.share, names.at(-1) ?? "");
  const archive = await openArchive(path);
  try {
    const manifest = archive.manifest?.value;
    if (manifest === undefined) throw new Error("no manifest");
    return {
      manifest,
      entries: archive.entries.map((entry) => entry.name),
      size: (await readFile(path)).length,
    };
  } finally {
    await archive.close();
  }
}

async function run(now: Date, ...flags: string[]): Promise<string> {
  const result = await till.run(["run", ...flags], { now });
  expect(result.stderr).not.toMatch(/ (warn|error)/u);
  expect(result.code).toBe(0);
  return result.stdout;
}

describe("incremental archives", () => {
  it("packs only the new day, lists every file, and a full one carries them all", async () => {
    const first = await run(at(0));
    expect(first).toContain("sequence 1, 40 files");
    const full = await lastSent();
    expect(full.manifest.mode).toBe("full");
    expect(full.manifest.base).toBeUndefined();
    expect(full.entries).toHaveLength(40);

    const [name, content] = dayFile(41);
    await till.writeData({ [name]: content });
    const second = await run(at(1));
    expect(second).toContain("sequence 2, incremental on #1, 1 of 41 files carried");
    const incremental = await lastSent();
    expect(incremental.manifest.mode).toBe("incremental");
    expect(incremental.manifest.base).toBe(1);
    expect(incremental.entries).toEqual([name]);
    expect(incremental.manifest.files.map((file) => file.path)).toEqual(
      [...full.manifest.files.map((file) => file.path), name].sort(),
    );
    // The files not carried are listed as the full archive gave them.
    expect(incremental.manifest.files.filter((file) => file.path !== name)).toEqual(
      full.manifest.files,
    );
    // What remains is mostly the manifest, which lists all 41 files.
    expect(incremental.size * 4).toBeLessThan(full.size);
  });

  it("builds on the last full archive: each incremental carries everything changed since", async () => {
    await run(at(0));
    await till.writeData(Object.fromEntries([dayFile(41)]));
    await run(at(1));
    await till.writeData(Object.fromEntries([dayFile(42)]));
    await run(at(2));
    const third = await lastSent();
    expect(third.manifest.sequence).toBe(3);
    expect(third.manifest.base).toBe(1);
    expect(third.entries).toEqual([dayFile(41)[0], dayFile(42)[0]]);
  });

  it("carries a changed file and drops a removed one from the list", async () => {
    await run(at(0));
    const [changed] = dayFile(3);
    const [removed] = dayFile(5);
    await writeFile(join(till.data, changed), "ticket;date\n");
    await rm(join(till.data, removed));
    await run(at(1));
    const { manifest, entries } = await lastSent();
    expect(entries).toEqual([changed]);
    expect(manifest.files.map((file) => file.path)).not.toContain(removed);
    expect(manifest.files).toHaveLength(39);
  });

  it("builds a full archive with --full, and records it as the new base", async () => {
    await run(at(0));
    await till.writeData(Object.fromEntries([dayFile(41)]));
    expect(await run(at(1), "--full")).toContain("sequence 2, 41 files");
    expect((await lastSent()).manifest.mode).toBe("full");
    await till.writeData(Object.fromEntries([dayFile(42)]));
    expect(await run(at(2))).toContain("incremental on #2, 1 of 42 files carried");
  });

  it("builds a full archive once the last full one is fullEveryDays days old", async () => {
    await till.writeConfig({ ...DEFAULT_CONFIG, fullEveryDays: 3 });
    await run(at(0));
    for (const day of [1, 2]) {
      await till.writeData(Object.fromEntries([dayFile(40 + day)]));
      await run(at(day));
      expect((await lastSent()).manifest.mode).toBe("incremental");
    }
    await till.writeData(Object.fromEntries([dayFile(43)]));
    await run(at(3));
    const { manifest, entries } = await lastSent();
    expect(manifest.mode).toBe("full");
    expect(entries).toHaveLength(43);
  });

  it("with the default of 7 days, the eighth archive is full", async () => {
    await run(at(0));
    await run(at(6.9));
    expect((await lastSent()).manifest.mode).toBe("incremental");
    await run(at(7));
    expect((await lastSent()).manifest.mode).toBe("full");
  });

  it("builds only full archives with fullEveryDays 0", async () => {
    await till.writeConfig({ ...DEFAULT_CONFIG, fullEveryDays: 0 });
    await run(at(0));
    await run(at(0.5));
    expect((await lastSent()).manifest.mode).toBe("full");
  });

  it("refuses a fullEveryDays that is not a whole number of days from 0 to 366", async () => {
    for (const value of [-1, 1.5, 367, "7"]) {
      await till.writeConfig({ ...DEFAULT_CONFIG, fullEveryDays: value });
      const result = await till.run(["run"], { now: at(0) });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("fullEveryDays must be");
    }
  });

  it("builds a full archive when the base was never sent and has left the outbox", async () => {
    await till.writeConfig({
      ...DEFAULT_CONFIG,
      transport: { type: "dir", path: "absent/depot" },
    });
    // The share does not exist: the full archive stays in the outbox, unsent.
    expect((await till.run(["run"], { now: at(0) })).code).toBe(1);
    expect(await till.outboxNames()).toHaveLength(1);
    // While it waits in the outbox, the next one builds on it (the outbox sends in order).
    expect((await till.run(["run"], { now: at(1) })).stdout).toContain("incremental on #1");
    // Someone empties the outbox: the base is lost, so the next archive is full.
    for (const name of await till.outboxNames()) await rm(join(till.outbox, name));
    const result = await till.run(["run"], { now: at(2) });
    expect(result.stdout).toContain("sequence 3, 40 files");
  });

  it("says in a dry run whether the archive would be incremental", async () => {
    await run(at(0));
    expect(await run(at(1), "--dry-run")).toContain("incremental on #1");
    expect(await run(at(1), "--dry-run", "--full")).not.toContain("incremental");
  });

  it("builds a full archive when the base file is damaged, and warns", async () => {
    await run(at(0));
    await writeFile(join(till.dir, "caisse-export-state", "base.json"), "{");
    const result = await till.run(["run"], { now: at(1) });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("base.json is damaged; the next archive is full");
    expect((await lastSent()).manifest.mode).toBe("full");
  });
});

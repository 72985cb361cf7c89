import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { sales, smallDisk, smallDiskTitle } from "../helpers/small-disk.js";
import { snapshotTree } from "../helpers/tree.js";

/**
 * A real full disk (docs/central-layout.md#the-till-directory-swap: an import leaves the till's
 * directory exactly as before or exactly as after, even when the disk fills up): the central's
 * root on a small tmpfs. Mounting needs root (as in CI); elsewhere the suite's title says why it is
 * skipped.
 */
const disk = await smallDisk("1536k");

let work: { path: string; remove: () => Promise<void> };
const root = (): string => join(disk.path, "central");
const central = (...argv: string[]) =>
  runBin(BIN.central, ["--root", root(), ...argv], { cwd: work.path });

/** An archive of `files` built by the real caisse-export, outside the small disk. */
async function archiveOf(name: string, files: Record<string, string>): Promise<string> {
  const data = join(work.path, `data-${name}`);
  await mkdir(data, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(data, file), content);
  const out = join(work.path, `${name}.zip`);
  const result = await runBin(
    BIN.export,
    ["zip", "--data", data, "--till", "D01", "--name", "Magasin 1", "--out", out],
    { cwd: work.path },
  );
  expect(result.code).toBe(0);
  return out;
}

beforeAll(async () => {
  work = await temporaryFolder("caisse-full-work-");
});

afterAll(async () => {
  await disk.remove();
  await work.remove();
});

describe.skipIf(!disk.mounted)(smallDiskTitle("an import on a full disk", disk), () => {
  it("fails with exit 1 and loses nothing; once there is room, the next fetch imports", async () => {
    expect((await central("init")).code).toBe(0);
    expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
    const first = await archiveOf("first", { "ventes.csv": sales(10) });
    await copyFile(first, join(root(), "inbox", "first.zip"));
    expect((await central("fetch")).code).toBe(0);
    const tillDir = join(root(), "tills", "D01");
    const before = await snapshotTree(tillDir);
    const journal = await readFile(join(root(), "journal.jsonl"), "utf8");

    // About 1.7 MB of CSV in a 0.5 MB archive: it fits in the inbox, not once extracted.
    const big = await archiveOf("big", { "ventes.csv": sales(40_000) });
    await copyFile(big, join(root(), "inbox", "big.zip"));
    const full = await central("fetch");
    expect(full.code).toBe(1);
    expect(full.stderr).toContain("E_IO");
    expect(full.stderr).toContain("no space left");

    expect(await snapshotTree(tillDir)).toEqual(before);
    expect(await readdir(join(root(), "inbox"))).toEqual(["big.zip"]);
    expect(await readdir(join(root(), "quarantine"))).toEqual([]);
    expect(await readFile(join(root(), "journal.jsonl"), "utf8")).toBe(journal);
    const leftovers = Object.keys(await snapshotTree(root())).filter(
      (path) => path.includes(".caisse-new") || path.includes("incoming-"),
    );
    expect(leftovers).toEqual([]);

    disk.resize("16m");
    const again = await central("fetch");
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("big.zip: imported into D01 (1 file)\n");
    expect(await readdir(join(root(), "inbox"))).toEqual([]);
    expect(await readFile(join(tillDir, "ventes.csv"), "utf8")).toBe(sales(40_000));
    expect((await central("journal", "--verify")).code).toBe(0);
  });
});

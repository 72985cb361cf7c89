import { main } from "@caisse/export";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { sales, smallDisk, smallDiskTitle } from "../helpers/small-disk.js";
import { readZip } from "./zip.js";

/**
 * The till's state folder (outbox, sequence) on a really full disk: the nightly run fails with
 * exit 1, leaves no half-written archive and spends no sequence number; once there is room, the
 * next run builds and sends sequence 1.
 */
const disk = await smallDisk("256k");
let outside: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  outside = await temporaryFolder("caisse-export-full-");
});

afterAll(async () => {
  await disk.remove();
  await outside.remove();
});

async function run(): Promise<{ code: number; stderr: string }> {
  const { ctx, output } = captureContext(disk.path, {}, () => new Date(2026, 10, 27, 23, 0, 5));
  const code = await main(["run", "--config", join(disk.path, "caisse-export.json")], ctx);
  return { code, stderr: output().stderr };
}

const namesIn = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

describe.skipIf(!disk.mounted)(smallDiskTitle("caisse-export run on a full disk", disk), () => {
  it("exits 1 with no partial archive and no sequence spent; the next run sends #1", async () => {
    const data = join(outside.path, "donnees");
    const share = join(outside.path, "depot");
    await mkdir(data);
    await mkdir(share);
    // About 1.7 MB of CSV: a 0.5 MB archive, which the 256 KiB disk cannot hold.
    await writeFile(join(data, "ventes.csv"), sales(40_000));
    await writeFile(
      join(disk.path, "caisse-export.json"),
      JSON.stringify({
        till: "D01",
        name: "Magasin 1",
        data,
        transport: { type: "dir", path: share },
      }),
    );

    const full = await run();
    expect(full.code).toBe(1);
    // Said as a disk problem, not blamed on the till file being read when the disk filled up.
    expect(full.stderr).toContain("error E_IO: cannot write ");
    expect(full.stderr).toContain("no space left on device");
    expect(full.stderr).toContain("free some disk space");
    const state = join(disk.path, "caisse-export-state");
    expect(await namesIn(join(state, "outbox"))).toEqual([]);
    expect(await namesIn(share)).toEqual([]);

    disk.resize("16m");
    const again = await run();
    expect(again.stderr).not.toContain("error");
    expect(again.code).toBe(0);
    expect(await namesIn(join(state, "outbox"))).toEqual([]);
    expect(await namesIn(share)).toEqual(["D01_20261127T230005_000001.zip"]);
    const zip = await readZip(join(share, "D01_20261127T230005_000001.zip"));
    expect(zip.map((entry) => entry.name)).toEqual(["ventes.csv", "caisse-manifest.json"]);
  });
});

import type { OutgoingArchive, Sender } from "@caisse/transports";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanStrays, listOutbox, nextSequence, sendArchives } from "./outbox.js";
import { silentLogger } from "../../../test/helpers/cli.js";

let outbox: string;
const log = silentLogger();

beforeEach(async () => {
  outbox = await mkdtemp(join(tmpdir(), "caisse-outbox-"));
});
afterEach(async () => rm(outbox, { recursive: true, force: true }));

describe("listOutbox", () => {
  it("orders archives by sequence, not by name, and sets strays and other files apart", async () => {
    for (const name of [
      "D01_20261201T230000_000010.zip",
      "D01_20261130T230000_000009.zip",
      "D01_20261202T230000_1000000.zip",
      ".D01_20261203T230000_000011.zip.1a2b.tmp",
      "D01_20261203T230000_000011.zip.part",
      "notes.txt",
    ]) {
      await writeFile(join(outbox, name), name);
    }
    await mkdir(join(outbox, "D01_20261204T230000_000012.zip"));
    const listing = await listOutbox(outbox);
    expect(listing.archives.map((archive) => archive.sequence)).toEqual([9, 10, 1_000_000]);
    expect(listing.strays.map((stray) => stray.name)).toEqual([
      ".D01_20261203T230000_000011.zip.1a2b.tmp",
      "D01_20261203T230000_000011.zip.part",
    ]);
    expect(listing.others).toEqual(["D01_20261204T230000_000012.zip", "notes.txt"]);
    expect(nextSequence(5, listing)).toBe(1_000_001);
    expect(nextSequence(2_000_000, listing)).toBe(2_000_000);
  });

  it("treats a missing outbox as empty", async () => {
    expect(await listOutbox(join(outbox, "absent"))).toEqual({
      archives: [],
      strays: [],
      others: [],
    });
  });
});

describe("cleanStrays", () => {
  it("removes only the stray files older than an hour", async () => {
    await writeFile(join(outbox, "old.zip.part"), "");
    await writeFile(join(outbox, "new.zip.part"), "");
    const past = new Date(Date.now() - 3 * 60 * 60 * 1000);
    await utimes(join(outbox, "old.zip.part"), past, past);
    const removed = await cleanStrays(outbox, await listOutbox(outbox), new Date());
    expect(removed).toEqual(["old.zip.part"]);
    expect(await readdir(outbox)).toEqual(["new.zip.part"]);
  });
});

describe("sendArchives", () => {
  it("stops at the first failure, keeps the rest, and closes the sender", async () => {
    const sent: string[] = [];
    let closed = false;
    const sender: Sender = {
      kind: "fake",
      send: (archive: OutgoingArchive) => {
        sent.push(archive.name);
        return Promise.resolve({ destination: archive.name });
      },
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
    const broken = join(outbox, "broken.zip");
    await writeFile(broken, "not a zip");
    const report = await sendArchives([broken, join(outbox, "other.zip")], sender, {
      remove: true,
      log,
    });
    expect(sent).toEqual([]);
    expect(report.failure?.code).toMatch(/^E_ARCHIVE_/u);
    expect(report.notSent).toEqual([broken, join(outbox, "other.zip")]);
    expect(closed).toBe(true);
    expect(await readdir(outbox)).toEqual(["broken.zip"]);
  });
});

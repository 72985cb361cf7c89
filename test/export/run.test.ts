import { acquireLock, parseManifest } from "@caisse/core";
import type { StatusReport } from "@caisse/export";
import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTill, type Till } from "./fixture.js";
import { readZip, sha256 } from "./zip.js";

let till: Till;

beforeEach(async () => {
  till = await makeTill();
});
afterEach(async () => till.remove());

async function manifestOf(path: string): Promise<ReturnType<typeof parseManifest>> {
  const entry = (await readZip(path)).find(
    (candidate) => candidate.name === "caisse-manifest.json",
  );
  return parseManifest(entry?.content ?? Buffer.alloc(0));
}

describe("caisse-export run", () => {
  it("keeps the archive in the outbox while the destination is missing, then sends both in sequence order", async () => {
    const first = await till.run(["run"]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("E_TRANSPORT");
    expect(first.stderr).toContain(`${till.share} does not exist`);
    expect(first.stdout).toMatch(/built .*D01_\d{8}T\d{6}_000001\.zip: D01 sequence 1, 1 file/u);
    expect(await till.outboxNames()).toEqual([
      expect.stringMatching(/^D01_\d{8}T\d{6}_000001\.zip$/u),
    ]);

    await till.writeData({ "ventes.csv": "ticket;date\n2;2026-11-28 10:00\n" });
    const second = await till.run(["run"]);
    expect(second.code).toBe(1);
    expect(await till.outboxNames()).toHaveLength(2);

    await mkdir(till.share);
    const third = await till.run(["run"]);
    expect(third.code).toBe(0);
    expect(third.stderr).not.toContain("error");
    expect(await till.outboxNames()).toEqual([]);
    const sent = await till.shareNames();
    expect(sent.map((name) => name.slice(-10))).toEqual(["000001.zip", "000002.zip", "000003.zip"]);
    // Oldest first: the order of the 'sent' lines is the order of the sequences.
    expect(
      [...third.stdout.matchAll(/sent D01_\d{8}T\d{6}_(\d{6})\.zip/gu)].map((match) => match[1]),
    ).toEqual(["000001", "000002", "000003"]);

    const manifests = await Promise.all(sent.map((name) => manifestOf(join(till.share, name))));
    expect(manifests.map((manifest) => manifest.sequence)).toEqual([1, 2, 3]);
    expect(manifests[0]?.previous).toBeNull();
    const firstManifestBytes = (await readZip(join(till.share, sent[0] ?? ""))).find(
      (entry) => entry.name === "caisse-manifest.json",
    )?.content;
    expect(manifests[1]?.previous).toBe(sha256(firstManifestBytes ?? ""));
  });

  it("says with --dry-run what it would build and send, writing and sending nothing", async () => {
    const failed = await till.run(["run"]); // leaves #1 in the outbox: the share is missing
    expect(failed.code).toBe(1);
    const stateBefore = await till.readState();
    const outboxBefore = await till.outboxNames();

    const dry = await till.run(["run", "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    const lines = dry.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("dry run: nothing was written or sent");
    expect(lines[1]).toMatch(
      /^would build .*D01_\d{8}T\d{6}_000002\.zip: D01 sequence 2, 1 file, \d+ B before compression, incremental on #1 \(the files changed since\)$/u,
    );
    expect(lines[2]).toBe(`would send 2 archives to dir ${till.share}, in this order:`);
    expect(lines.slice(3)).toEqual([
      `  ${outboxBefore[0] ?? ""}`,
      expect.stringMatching(/^ {2}D01_\d{8}T\d{6}_000002\.zip$/u),
    ]);
    expect(await till.readState()).toEqual(stateBefore);
    expect(await till.outboxNames()).toEqual(outboxBefore);

    const zip = await till.run(["zip", "--dry-run", "--out", "x.zip"]);
    expect(zip.code).toBe(0);
    expect(zip.stdout).toMatch(/^would build .*x\.zip: D01 sequence 2, 1 file/mu);
    expect(await till.readState()).toEqual(stateBefore);
  });

  it("persists the sequence across runs", async () => {
    await mkdir(till.share);
    expect((await till.run(["run"])).code).toBe(0);
    expect((await till.run(["run"])).code).toBe(0);
    expect(await till.readState()).toMatchObject({ nextSequence: 3, lastSequence: 2 });
    const status = JSON.parse((await till.run(["status", "--format", "json"])).stdout) as {
      nextSequence: number;
    };
    expect(status.nextSequence).toBe(3);
  });

  it("exits 1 when another run holds the lock, and builds nothing", async () => {
    await mkdir(join(till.dir, "caisse-export-state"), { recursive: true });
    const lock = await acquireLock(
      join(till.dir, "caisse-export-state", "lock"),
      "caisse-export run",
    );
    try {
      const result = await till.run(["run"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("E_LOCK_HELD");
      expect(result.stderr).toContain("another run holds the lock");
      expect(await till.outboxNames()).toEqual([]);
    } finally {
      await lock.release();
    }
    const runs = (await readFile(join(till.dir, "caisse-export-state", "runs.jsonl"), "utf8"))
      .trim()
      .split("\n");
    expect(JSON.parse(runs.at(-1) ?? "{}")).toMatchObject({
      command: "run",
      outcome: "failed",
      error: { code: "E_LOCK_HELD" },
    });
  });

  it("sends the outbox even when today's archive cannot be built", async () => {
    await till.run(["run"]); // one archive waiting, no destination yet
    await mkdir(till.share);
    await writeFile(join(till.data, "caisse-manifest.json"), "a till file with a reserved name");
    const result = await till.run(["run"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("E_ARCHIVE_BUILD");
    expect(await till.shareNames()).toEqual([expect.stringMatching(/_000001\.zip$/u)]);
  });

  it("ignores stray temporary files in the outbox and removes the old ones", async () => {
    await mkdir(till.share);
    await mkdir(till.outbox, { recursive: true });
    const old = join(till.outbox, ".D01_20261127T230005_000009.zip.abc.tmp");
    await writeFile(old, "half an archive");
    const past = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(old, past, past);
    await writeFile(join(till.outbox, "D01_20261127T230005_000010.zip.part"), "being written");
    const result = await till.run(["run"]);
    expect(result.code).toBe(0);
    expect(await till.outboxNames()).toEqual(["D01_20261127T230005_000010.zip.part"]);
    expect(await till.shareNames()).toHaveLength(1);
  });

  it("refuses to run without a transport, naming the key", async () => {
    await till.writeConfig({ till: "D01", data: "donnees" });
    const result = await till.run(["run"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'transport' is missing");
  });
});

describe("caisse-export send", () => {
  it("sends the outbox, or the given files which stay in place", async () => {
    await till.run(["run"]);
    await mkdir(till.share);
    const outboxSend = await till.run(["send"]);
    expect(outboxSend.code).toBe(0);
    expect(await till.outboxNames()).toEqual([]);

    const zipped = await till.run(["zip", "--out", "archive-a-la-main.zip"]);
    expect(zipped.code).toBe(0);
    const given = await till.run(["send", "archive-a-la-main.zip"]);
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(/sent D01_\d{8}T\d{6}_000002\.zip ->/u);
    expect(await readFile(join(till.dir, "archive-a-la-main.zip"))).toBeInstanceOf(Buffer);
    expect(await till.shareNames()).toHaveLength(2);

    const empty = await till.run(["send"]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("nothing to send");
  });

  it("refuses a zip without manifest", async () => {
    await mkdir(till.share);
    const empty = Buffer.from("504b0506000000000000000000000000000000000000", "hex");
    await writeFile(join(till.dir, "vieux.zip"), empty);
    const result = await till.run(["send", "vieux.zip"]);
    expect(result.code).not.toBe(0);
    expect(await till.shareNames()).toEqual([]);
  });
});

describe("caisse-export status", () => {
  it("shows the outbox, the last runs, the next sequence and the transport", async () => {
    await till.run(["run"]);
    const result = await till.run(["status", "--format", "json"]);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as StatusReport;
    expect(status).toMatchObject({
      config: join(till.dir, "caisse-export.json"),
      till: "D01",
      name: "Magasin 1",
      transport: `dir ${till.share}`,
      signed: false,
      nextSequence: 2,
      lastSequence: 1,
      running: null,
      strays: [],
    });
    expect(
      status.outbox.map((archive) => [
        archive.sequence,
        typeof archive.size,
        typeof archive.ageSeconds,
      ]),
    ).toEqual([[1, "number", "number"]]);
    expect(status.outbox[0]?.name).toMatch(/^D01_\d{8}T\d{6}_000001\.zip$/u);
    expect(status.lastRuns.map((run) => [run.command, run.outcome, run.error?.code])).toEqual([
      ["run", "failed", "E_TRANSPORT"],
    ]);

    const table = await till.run(["status"]);
    expect(table.stdout).toMatch(/outbox: 1 archive waiting/u);
    expect(table.stdout).toMatch(/next sequence\s+2/u);
    expect(table.stdout).toMatch(/failed \(E_TRANSPORT\)/u);
  });

  it("refuses an unknown format", async () => {
    const result = await till.run(["status", "--format", "xml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--format");
  });
});

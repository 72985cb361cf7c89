import { archiveTransportName, buildArchive, planArchive } from "@caisse/core";
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { sales } from "../helpers/small-disk.js";

/**
 * caisse-central fetch stopped by a stop signal (SIGTERM, as `systemctl stop` sends) while it
 * imports a full inbox, for real: it finishes the archive in hand, starts no other, ends with
 * E_INTERRUPTED, and the next run imports the rest.
 */
const ARCHIVES = 40;
let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]) =>
  runBin(BIN.central, ["--root", root, ...argv], { cwd: work.path });

beforeAll(async () => {
  work = await temporaryFolder("caisse-central-interrupt-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
  const data = join(work.path, "donnees");
  await mkdir(data);
  for (let sequence = 1; sequence <= ARCHIVES; sequence++) {
    await writeFile(join(data, "ventes.csv"), sales(5_000 + sequence));
    const created = new Date(2026, 10, 1, 23, 0, sequence);
    await buildArchive(await planArchive(data), {
      outPath: join(root, "inbox", archiveTransportName("D01", created, sequence)),
      till: "D01",
      name: "Magasin 1",
      sequence,
      previous: null,
      created,
    });
  }
});

afterAll(async () => work.remove());

const journalLines = async (): Promise<number> =>
  (await readFile(join(root, "journal.jsonl"), "utf8").catch(() => "")).split("\n").length - 1;

describe("caisse-central fetch stopped while it imports", () => {
  it("finishes the archive in hand, starts no other, and the next run imports the rest", async () => {
    const stopped = await new Promise<{ code: number | null; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, [BIN.central, "--root", root, "fetch"], {
          cwd: work.path,
          env: { PATH: process.env.PATH, LANG: "C" },
        });
        let stderr = "";
        let signalled = false;
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const poll = setInterval(() => {
          journalLines()
            .then((lines) => {
              if (!signalled && lines >= 2) {
                signalled = true;
                child.kill("SIGTERM");
              }
            })
            .catch(() => undefined);
        }, 5);
        child.on("error", reject);
        child.on("close", (code) => {
          clearInterval(poll);
          resolve({ code, stderr });
        });
      },
    );
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain("E_INTERRUPTED");
    const imported = await journalLines();
    expect(imported).toBeGreaterThanOrEqual(2);
    expect(imported).toBeLessThan(ARCHIVES);
    // What was journaled is out of the inbox; the rest waits there.
    expect(await readdir(join(root, "inbox"))).toHaveLength(ARCHIVES - imported);
    // The till's directory holds the last imported archive, whole.
    expect(await readFile(join(root, "tills", "D01", "ventes.csv"), "utf8")).toBe(
      sales(5_000 + imported),
    );
    expect((await readdir(join(root, "tills"))).sort()).toEqual(["D01"]);

    const rest = await central("fetch");
    expect(rest.code, rest.stderr).toBe(0);
    expect(await readdir(join(root, "inbox"))).toEqual([]);
    expect(await journalLines()).toBe(ARCHIVES);
    expect(await readFile(join(root, "tills", "D01", "ventes.csv"), "utf8")).toBe(
      sales(5_000 + ARCHIVES),
    );
    const verify = await central("journal", "--verify");
    expect(verify.stdout).toBe(`journal intact: ${ARCHIVES} entries, hash chain verified\n`);
  }, 120_000);
});

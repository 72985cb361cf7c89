import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { importKilledAt } from "../helpers/killed-import.js";
import { snapshotTree } from "../helpers/tree.js";

/**
 * An import killed with SIGKILL at every step of the directory swap leaves the till's directory
 * exactly as before or exactly as after, and the next run finishes the job by itself.
 */
let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]) =>
  runBin(BIN.central, ["--root", root, ...argv], { cwd: work.path });

async function writeData(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

/** Builds an archive of `files` with the real caisse-export, and returns its path. */
async function archiveOf(name: string, files: Record<string, string>): Promise<string> {
  const data = join(work.path, `data-${name}`);
  await writeData(data, files);
  const out = join(work.path, `${name}.zip`);
  const result = await runBin(
    BIN.export,
    ["zip", "--data", data, "--till", "D01", "--name", "Magasin 1", "--out", out],
    { cwd: work.path },
  );
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return out;
}

const BEFORE = { "ventes.csv": "ticket;date\n1;2026-11-01\n", "sub/old.csv": "old\n" };
const AFTER = {
  "ventes.csv": "ticket;date\n1;2026-11-01\n2;2026-11-02\n",
  "sub/new.csv": "new\n",
  "z.txt": "z",
};

function expected(files: Record<string, string>): Promise<Record<string, string>> {
  return (async () => {
    const reference = join(work.path, `expected-${Object.keys(files).length}-${Math.random()}`);
    await writeData(reference, files);
    return snapshotTree(reference);
  })();
}

beforeEach(async () => {
  work = await temporaryFolder();
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
});
afterEach(async () => work.remove());

describe("an import killed in the middle of the swap", () => {
  it.each([
    ["staged", "before"],
    ["marked", "after"],
    ["moved-old", "after"],
    ["moved-new", "after"],
    ["journaled", "after"],
  ] as const)(
    "killed at '%s': the next run leaves the directory exactly %s, then imports",
    async (point, state) => {
      const first = await archiveOf("first", BEFORE);
      const second = await archiveOf("second", AFTER);
      expect((await central("import", first)).code).toBe(0);
      const tillDir = join(root, "tills", "D01");
      expect(await snapshotTree(tillDir)).toEqual(await expected(BEFORE));

      await importKilledAt(root, work.path, point, second);

      // A run with nothing to import only recovers: before or after, never a mix.
      const recovery = await central("fetch");
      expect(recovery.code).toBe(0);
      expect(await snapshotTree(tillDir)).toEqual(
        await expected(state === "before" ? BEFORE : AFTER),
      );
      const tills = await snapshotTree(join(root, "tills"));
      expect(Object.keys(tills).filter((name) => name.includes(".caisse-"))).toEqual([]);

      // Importing again completes the work (or says it is already done), once.
      const again = await central("import", second, "--format", "json");
      expect(again.code).toBe(0);
      const outcome = (JSON.parse(again.stdout) as { archives: { outcome: string }[] }).archives[0]
        ?.outcome;
      expect(outcome).toBe(state === "before" ? "accepted" : "duplicate");
      expect(await snapshotTree(tillDir)).toEqual(await expected(AFTER));

      const journal = (await readFile(join(root, "journal.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { outcome: string; sequence: number });
      expect(
        journal.filter((entry) => entry.outcome === "accepted").map((entry) => entry.sequence),
      ).toEqual([1, 2]);
      const verify = await central("journal", "--verify");
      expect(verify.code).toBe(0);
      expect(verify.stdout).toContain("hash chain verified");
    },
  );
});

describe("the archive's copy under archives/D01 when the import is killed", () => {
  it.each([
    ["staged", ["first"]],
    ["marked", ["first", "second"]],
  ] as const)(
    "killed at '%s': a temporary copy is left, and the next run leaves exactly the archives of %j",
    async (point, kept) => {
      const archives = join(root, "archives", "D01");
      const first = await archiveOf("first", BEFORE);
      const second = await archiveOf("second", AFTER);
      expect((await central("import", first)).code).toBe(0);
      const [firstName] = await readdir(archives);

      await importKilledAt(root, work.path, point, second);
      const left = (await readdir(archives)).filter((name) => name !== firstName);
      expect(left).toHaveLength(1);
      expect(left[0]).toMatch(/^\.D01_\d{8}T\d{6}_000002\.zip\.[0-9a-f]{12}\.tmp$/u);

      expect((await central("fetch")).code).toBe(0);
      const names = await readdir(archives);
      expect(names.filter((name) => name.startsWith("."))).toEqual([]);
      expect(names.map((name) => (name === firstName ? "first" : "second")).sort()).toEqual(kept);
      expect((await central("journal", "--verify")).code).toBe(0);
    },
  );
});

describe("tills set --path and tills remove during an unfinished import", () => {
  it("are refused (E_IMPORT_UNFINISHED, exit 1) until a fetch finished it", async () => {
    const first = await archiveOf("first", BEFORE);
    const second = await archiveOf("second", AFTER);
    expect((await central("import", first)).code).toBe(0);
    await importKilledAt(root, work.path, "marked", second);
    const config = await readFile(join(root, "caisse-central.json"), "utf8");

    for (const argv of [
      ["tills", "set", "D01", "--path", "elsewhere"],
      ["tills", "remove", "D01"],
    ]) {
      const refused = await central(...argv);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("E_IMPORT_UNFINISHED");
      expect(refused.stderr).toContain(
        `${join(root, "tills", "D01.caisse-swap.json")} is still there`,
      );
      expect(refused.stderr).toContain("run 'caisse-central fetch' first");
    }
    expect(await readFile(join(root, "caisse-central.json"), "utf8")).toBe(config);
    // A change that leaves the directory where it is goes through.
    expect((await central("tills", "set", "D01", "--name", "Magasin Un")).code).toBe(0);

    expect((await central("fetch")).code).toBe(0);
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await expected(AFTER));
    expect((await central("tills", "set", "D01", "--path", "elsewhere")).code).toBe(0);
  });
});

import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CaisseError } from "../errors.js";
import { sha256OfFile, syncFiles, writeFileAtomic } from "./atomic.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "caisse-atomic-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("syncFiles", () => {
  it("flushes every file, more files than workers, and leaves them as they were", async () => {
    const paths = Array.from({ length: 40 }, (_, index) => join(dir, `f${index}.csv`));
    for (const [index, path] of paths.entries()) await writeFile(path, `ligne ${index}\n`);
    await syncFiles(paths, 3);
    expect(await readFile(paths[39] as string, "utf8")).toBe("ligne 39\n");
  });

  it("does nothing for no file", async () => {
    await expect(syncFiles([])).resolves.toBeUndefined();
  });

  it("fails with E_IO naming a file that cannot be flushed", async () => {
    const present = join(dir, "present.csv");
    const missing = join(dir, "missing.csv");
    await writeFile(present, "x");
    const failure = await syncFiles([present, missing, present], 2).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CaisseError);
    expect((failure as CaisseError).code).toBe("E_IO");
    expect((failure as CaisseError).message).toContain(missing);
  });
});

describe("writeFileAtomic", () => {
  it("replaces the content whole and leaves no temporary file", async () => {
    const path = join(dir, "state.json");
    await writeFileAtomic(path, "{}\n");
    await writeFileAtomic(path, '{"sequence":2}\n');
    expect(await readFile(path, "utf8")).toBe('{"sequence":2}\n');
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("fails with E_IO into a missing folder and writes nothing", async () => {
    const failure = await writeFileAtomic(join(dir, "absent", "state.json"), "{}").catch(
      (error: unknown) => error,
    );
    expect((failure as CaisseError).code).toBe("E_IO");
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("sha256OfFile", () => {
  it("gives the lower-case hex sum of the content", async () => {
    const path = join(dir, "abc.txt");
    await writeFile(path, "abc");
    expect(await sha256OfFile(path)).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

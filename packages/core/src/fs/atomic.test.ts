import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CaisseError } from "../errors.js";
import {
  BUSY_WAITS_MS,
  renameRetrying,
  retryWhileBusy,
  sha256OfFile,
  syncFiles,
  writeFileAtomic,
} from "./atomic.js";

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

describe("retryWhileBusy: Windows refuses a rename while an antivirus holds the file", () => {
  const busy = (code: string): Error => Object.assign(new Error(`${code}: rename`), { code });

  /** An operation that fails with `code` `failures` times, then succeeds; and the waits made. */
  function flaky(code: string, failures: number) {
    const waits: number[] = [];
    let calls = 0;
    const operation = (): Promise<string> => {
      calls += 1;
      return calls <= failures ? Promise.reject(busy(code)) : Promise.resolve("renamed");
    };
    const wait = (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };
    return { operation, wait, waits, calls: () => calls };
  }

  it.each(["EPERM", "EACCES", "EBUSY"])(
    "retries %s on Windows with a growing wait",
    async (code) => {
      const fault = flaky(code, 3);
      await expect(
        retryWhileBusy(fault.operation, { platform: "win32", wait: fault.wait }),
      ).resolves.toBe("renamed");
      expect(fault.calls()).toBe(4);
      expect(fault.waits).toEqual([10, 20, 40]);
    },
  );

  it("gives up after about 2 s of waits with the system's error", async () => {
    const fault = flaky("EPERM", 1000);
    await expect(
      retryWhileBusy(fault.operation, { platform: "win32", wait: fault.wait }),
    ).rejects.toMatchObject({ code: "EPERM" });
    expect(fault.calls()).toBe(BUSY_WAITS_MS.length + 1);
    expect(fault.waits.reduce((sum, ms) => sum + ms, 0)).toBe(2000);
  });

  it("returns other errors, and every error elsewhere than Windows, at once", async () => {
    for (const [code, platform] of [
      ["ENOENT", "win32"],
      ["EPERM", "linux"],
      ["EACCES", "darwin"],
    ] as const) {
      const fault = flaky(code, 1);
      await expect(
        retryWhileBusy(fault.operation, { platform, wait: fault.wait }),
      ).rejects.toMatchObject({
        code,
      });
      expect(fault.calls()).toBe(1);
    }
  });

  it("renames a real file through it", async () => {
    const from = join(dir, "a.tmp");
    await writeFile(from, "x");
    await renameRetrying(from, join(dir, "a"), { platform: "win32" });
    expect(await readFile(join(dir, "a"), "utf8")).toBe("x");
  });
});

import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { sales } from "../helpers/small-disk.js";

/**
 * caisse-export stopped by Ctrl-C (SIGINT) or a stop signal (SIGTERM) in the middle of building
 * an archive, for real: the child process gets the signal while its temporary archive grows. It
 * must remove that file, spend no sequence, send nothing, and say so with E_INTERRUPTED.
 */
let work: { path: string; remove: () => Promise<void> };
let data: string;

beforeAll(async () => {
  work = await temporaryFolder("caisse-interrupt-");
  data = join(work.path, "donnees");
  await mkdir(data);
  // About 35 MB: a build long enough to be stopped in the middle, on any machine.
  for (const name of ["ventes-1.csv", "ventes-2.csv"]) {
    await writeFile(join(data, name), sales(200_000));
  }
});

afterAll(async () => work.remove());

const isTemporary = (name: string): boolean => name.startsWith(".") && name.endsWith(".tmp");

/** Runs the CLI, sends `signal` once a temporary archive appears in `watched`, and waits. */
function stoppedWhileBuilding(
  argv: string[],
  cwd: string,
  watched: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string; sawTemporary: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN.export, ...argv], {
      cwd,
      env: { PATH: process.env.PATH, LANG: "C" },
    });
    let stderr = "";
    let sawTemporary = false;
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const poll = setInterval(() => {
      readdir(watched)
        .then((names) => {
          if (!sawTemporary && names.some(isTemporary)) {
            sawTemporary = true;
            child.kill(signal);
          }
        })
        .catch(() => undefined);
    }, 10);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      resolve({ code, stderr, sawTemporary });
    });
  });
}

describe("caisse-export stopped in the middle of a build", () => {
  it("zip --out, Ctrl-C: no temporary file left beside the target, no sequence spent", async () => {
    const out = join(work.path, "sortie");
    await mkdir(out);
    const stopped = await stoppedWhileBuilding(
      ["zip", "--data", data, "--till", "D01", "--out", join(out, "tfichier.zip")],
      work.path,
      out,
      "SIGINT",
    );
    expect(stopped.sawTemporary).toBe(true);
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain("error E_INTERRUPTED: the archive was not built");
    expect(await readdir(out)).toEqual([]);
    const state = join(work.path, "caisse-export-state");
    expect(await readdir(state)).not.toContain("state.json");
    expect(await readdir(state)).not.toContain("lock");

    const again = await runBin(
      BIN.export,
      ["zip", "--data", data, "--till", "D01", "--out", join(out, "tfichier.zip")],
      { cwd: work.path },
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("D01 sequence 1, 2 files");
  });

  it("run, SIGTERM: nothing in the outbox, nothing sent; the next run sends #1", async () => {
    const till = join(work.path, "caisse");
    const share = join(work.path, "depot");
    await mkdir(till);
    await mkdir(share);
    await writeFile(
      join(till, "caisse-export.json"),
      JSON.stringify({ till: "D02", data, transport: { type: "dir", path: share } }),
    );
    const outbox = join(till, "caisse-export-state", "outbox");
    await mkdir(outbox, { recursive: true });
    const stopped = await stoppedWhileBuilding(["run"], till, outbox, "SIGTERM");
    expect(stopped.sawTemporary).toBe(true);
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain("error E_INTERRUPTED");
    expect(await readdir(outbox)).toEqual([]);
    expect(await readdir(share)).toEqual([]);
    const runs = (await readFile(join(till, "caisse-export-state", "runs.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { outcome: string; error: { code: string } | null });
    expect(runs.at(-1)).toMatchObject({ outcome: "failed", error: { code: "E_INTERRUPTED" } });

    const again = await runBin(BIN.export, ["run"], { cwd: till });
    expect(again.code, again.stderr).toBe(0);
    expect((await readdir(share)).map((name) => name.replace(/_\d{8}T\d{6}_/u, "_T_"))).toEqual([
      "D02_T_000001.zip",
    ]);
  });
});

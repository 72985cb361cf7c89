import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { BIN, runBin } from "./cli.js";

/** Writes `files` (relative path -> content) below `dir`. */
export async function writeData(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

/**
 * Builds an archive of `files` for till `till` with the real caisse-export in `work`, and
 * returns its path. Each till other than D01 counts its archives in a folder of its own.
 */
export async function archiveOf(
  work: string,
  name: string,
  files: Record<string, string>,
  till = "D01",
): Promise<string> {
  const data = join(work, `data-${name}`);
  await writeData(data, files);
  const out = join(work, `${name}.zip`);
  const cwd = till === "D01" ? work : join(work, `state-${till}`);
  await mkdir(cwd, { recursive: true });
  const result = await runBin(
    BIN.export,
    ["zip", "--data", data, "--till", till, "--name", `Magasin ${till}`, "--out", out],
    { cwd },
  );
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return out;
}

/** Starts an import into `root` that stops at `point`, and kills it there with SIGKILL. */
export function importKilledAt(
  work: string,
  root: string,
  point: string,
  archive: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN.central, "--root", root, "import", archive], {
      cwd: work,
      env: { PATH: process.env.PATH, CAISSE_CENTRAL_PAUSE_AT: point },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`paused at ${point}`)) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      if (signal === "SIGKILL") resolve();
      else reject(new Error(`the import ended by itself before '${point}': ${stderr}`));
    });
  });
}

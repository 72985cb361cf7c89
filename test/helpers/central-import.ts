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

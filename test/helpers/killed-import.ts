import { spawn } from "node:child_process";
import { BIN } from "./cli.js";

/**
 * Starts `caisse-central --root ROOT import ARCHIVE` with the built CLI, stops it at the swap
 * step `point` (CAISSE_CENTRAL_PAUSE_AT) and kills it there with SIGKILL.
 */
export function importKilledAt(
  root: string,
  cwd: string,
  point: string,
  archive: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN.central, "--root", root, "import", archive], {
      cwd,
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

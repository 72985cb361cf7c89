import { isAbsolute, win32 } from "node:path";
import { CaisseError } from "../errors.js";

// `C:\caisse`, `C:/caisse` and `C:caisse` (relative to the drive's current folder).
const DRIVE = /^[A-Za-z]:/u;

/**
 * Why a path cannot name a file of this machine: a Windows path (`C:\caisse`, `\\server\share`) on
 * Linux or macOS would otherwise become a file or folder literally named so, under the current
 * folder. Undefined when the path is fine; always on Windows.
 */
export function foreignPathProblem(
  path: string,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform === "win32") return undefined;
  if (DRIVE.test(path) || (win32.isAbsolute(path) && !isAbsolute(path)))
    return `'${path}' is a Windows path, and this machine is not Windows`;
  if (path.includes("\\")) return `'${path}' holds a backslash; use '/' on this machine`;
  return undefined;
}

/**
 * Refuses (E_USAGE) paths given on the command line or in the environment that cannot mean what
 * they say here; `given` maps each flag or variable (`--root`, `CAISSE_CENTRAL_ROOT`) to its value.
 */
export function checkLocalPaths(
  given: Record<string, string | readonly string[] | undefined>,
  platform: NodeJS.Platform = process.platform,
): void {
  const problems: string[] = [];
  for (const [source, value] of Object.entries(given)) {
    for (const path of typeof value === "string" ? [value] : (value ?? [])) {
      const problem = foreignPathProblem(path, platform);
      if (problem !== undefined) problems.push(`${source}: ${problem}`);
    }
  }
  if (problems.length === 0) return;
  throw new CaisseError("E_USAGE", problems.join("; "), {
    details: { problems },
    hint: "give a path of this machine with '/' separators, such as /srv/caisse or ../donnees: a drive letter or a backslash only means something on Windows.",
  });
}

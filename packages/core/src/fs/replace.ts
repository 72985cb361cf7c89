import { access } from "node:fs/promises";
import { CaisseError } from "../errors.js";

/**
 * `init` and `keygen` never replace a file people may depend on unless told to with --force.
 * Returns whether the file exists (and will be replaced).
 */
export async function checkReplace(path: string, force: boolean, hint: string): Promise<boolean> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists && !force) {
    throw new CaisseError("E_USAGE", `${path} already exists; it was left as it was`, {
      details: { path },
      hint,
    });
  }
  return exists;
}

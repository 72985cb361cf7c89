import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * Every entry below `root` with what it is: a file's SHA-256, `dir`, or `link -> target`. Two
 * snapshots that are equal mean nothing was added, removed or changed by a single byte.
 */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  async function visit(relative: string): Promise<void> {
    const absolute = relative === "" ? root : join(root, relative);
    let names: string[];
    try {
      names = await readdir(absolute);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = relative === "" ? name : `${relative}/${name}`;
      const info = await lstat(join(root, path));
      if (info.isSymbolicLink()) result[path] = `link -> ${await readlink(join(root, path))}`;
      else if (info.isDirectory()) {
        result[path] = "dir";
        await visit(path);
      } else
        result[path] = createHash("sha256")
          .update(await readFile(join(root, path)))
          .digest("hex");
    }
  }
  await visit("");
  return result;
}

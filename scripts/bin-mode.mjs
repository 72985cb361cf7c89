// After a build: make the CLIs' entry points executable, so that `npx caisse-export` works from a
// fresh clone (npm links the bins before `prepare` has built them, and tsc writes files 0644).
import { chmod } from "node:fs/promises";
import { fileURLToPath } from "node:url";

for (const pkg of ["export", "central"]) {
  await chmod(fileURLToPath(new URL(`../packages/${pkg}/dist/main.js`, import.meta.url)), 0o755);
}

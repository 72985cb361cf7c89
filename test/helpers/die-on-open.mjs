/**
 * Preloaded (`node --import`) into a CLI run as a child process: the process kills itself
 * (SIGKILL, as the kernel's out-of-memory killer would) when it opens, through
 * `fs/promises.open`, a file whose path matches the regular expression CAISSE_TEST_DIE_ON_OPEN. Stands for a check
 * that dies on one archive, to test what the next runs do with it.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const pattern = process.env.CAISSE_TEST_DIE_ON_OPEN;
if (pattern !== undefined && pattern !== "") {
  const needle = new RegExp(pattern, "u");
  const original = fs.promises.open;
  fs.promises.open = (path, ...rest) => {
    if (needle.test(String(path))) process.kill(process.pid, "SIGKILL");
    return original(path, ...rest);
  };
  syncBuiltinESMExports();
}

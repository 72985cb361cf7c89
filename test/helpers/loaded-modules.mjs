/**
 * Preloaded (`node --import`) into a CLI run as a child process: at exit, writes what the process
 * loaded to the file named by CAISSE_TEST_LOADED_MODULES, as JSON: `files`, the URLs of the
 * modules loaded from files (imported or required), and `builtins`, Node's own modules
 * (`node:zlib` is "zlib"). How a test proves that `--version` loads only what it needs, by what
 * was loaded rather than by the clock.
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const target = process.env.CAISSE_TEST_LOADED_MODULES;
if (target !== undefined && target !== "") {
  const files = new Set();
  registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith("file:")) files.add(url);
      return nextLoad(url, context);
    },
  });
  process.on("exit", () => {
    const builtins = process.moduleLoadList
      .filter((name) => name.startsWith("NativeModule "))
      .map((name) => name.slice("NativeModule ".length));
    writeFileSync(target, JSON.stringify({ files: [...files], builtins }));
  });
}

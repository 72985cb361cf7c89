import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BIN, INSTALLED_BIN_DIR, temporaryFolder } from "../helpers/cli.js";

const PRELOAD = fileURLToPath(new URL("../helpers/loaded-modules.mjs", import.meta.url));

/** The libraries only some commands need: none is loaded to print the version or the help. */
const HEAVY_PACKAGES = [
  "archiver",
  "yauzl",
  "csv-parse",
  "iconv-lite",
  "cli-table3",
  "cli-progress",
  "basic-ftp",
  "ssh2",
  "nodemailer",
  "echarts",
  "zrender",
] as const;
/** Node's modules that only commands need: compression, hashes and keys, terminal questions. */
const HEAVY_BUILTINS = ["zlib", "crypto", "readline", "readline/promises"] as const;

interface Loaded {
  files: string[];
  builtins: string[];
}

async function loadedBy(bin: string, flag: string): Promise<{ stdout: string; loaded: Loaded }> {
  const folder = await temporaryFolder();
  try {
    const record = join(folder.path, "loaded.json");
    const run = spawnSync(process.execPath, ["--import", PRELOAD, bin, flag], {
      cwd: folder.path,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CAISSE_TEST_LOADED_MODULES: record },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    return { stdout: run.stdout, loaded: JSON.parse(await readFile(record, "utf8")) as Loaded };
  } finally {
    await folder.remove();
  }
}

/**
 * Start-up loads what a command needs when it runs (see docs/architecture.md#a-command): a
 * regression here, such as a registration importing @caisse/core's index, fails this test
 * without any timing.
 */
describe("what --version and --help load", () => {
  it.each([
    ["caisse-export", "--version"],
    ["caisse-export", "--help"],
    ["caisse-central", "--version"],
    ["caisse-central", "--help"],
  ] as const)(
    "%s %s loads no archive, CSV, table, progress, FTP, SFTP or crypto code",
    async (name, flag) => {
      const { stdout, loaded } = await loadedBy(
        name === "caisse-export" ? BIN.export : BIN.central,
        flag,
      );
      expect(stdout).toMatch(flag === "--version" ? /^\d+\.\d+\.\d+\n$/u : /^Usage: caisse-/u);
      const packages = HEAVY_PACKAGES.filter((name) =>
        loaded.files.some((url) => url.includes(`/node_modules/${name}/`)),
      );
      expect(packages).toEqual([]);
      expect(HEAVY_BUILTINS.filter((name) => loaded.builtins.includes(name))).toEqual([]);
      // The workspace: the entry point, the narrow @caisse/cli/start and the registrations, no
      // command's code. An installed package: its entry file and the few chunks it shares with the
      // commands, not the commands' own (a shim of a Node module that several chunks import, such
      // as node:events, is a small chunk of its own).
      const own = loaded.files.filter(
        (url) => !url.includes("/node_modules/") || /\/node_modules\/caisse-[a-z]+\//u.test(url),
      );
      expect(own.filter((url) => /\/dist\/actions\//u.test(url))).toEqual([]);
      expect(own.length).toBeGreaterThan(0);
      // One registration file per command: caisse-central has 13 (monitor, check, keygen, catalog,
      // restore, index added). An installed package: its entry file and up to 7 small shared chunks (the
      // report formats, the words of i18n, the errors and dates of core...), none a command's.
      expect(own.length).toBeLessThanOrEqual(INSTALLED_BIN_DIR === undefined ? 29 : 8);
    },
  );
});

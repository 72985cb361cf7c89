import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { INSTALLED_BIN_DIR, REPO, temporaryFolder } from "../helpers/cli.js";

/** The launchers users run: bin/ in a clone, and `npx caisse-export` from the root. */
describe.skipIf(INSTALLED_BIN_DIR !== undefined)("the command-line launchers", () => {
  it.each(["caisse-export", "caisse-central"])(
    "%s runs through bin/ and through npx",
    async (name) => {
      const { version } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
        version: string;
      };
      const direct = spawnSync(join(REPO, "bin", name), ["--version"], {
        cwd: REPO,
        encoding: "utf8",
      });
      expect(direct.stdout.trim()).toBe(version);
      expect(direct.status).toBe(0);
      const npx = spawnSync("npx", ["--no-install", name, "--version"], {
        cwd: REPO,
        encoding: "utf8",
      });
      expect(npx.stdout.trim()).toBe(version);
      expect(npx.status).toBe(0);
    },
  );
});

/** The installed packages (CAISSE_TEST_BIN_DIR, set by .ci/run): the commands on PATH, anywhere. */
describe.runIf(INSTALLED_BIN_DIR !== undefined)("the installed commands", () => {
  it.each(["caisse-export", "caisse-central"])(
    "%s --version prints the version alone and exits 0, from any folder",
    async (name) => {
      const { version } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
        version: string;
      };
      const folder = await temporaryFolder();
      try {
        // Only the installed commands and Node on PATH: nothing of this clone.
        const path = `${INSTALLED_BIN_DIR ?? ""}:${dirname(process.execPath)}`;
        const result = spawnSync(name, ["--version"], {
          cwd: folder.path,
          env: { PATH: path, HOME: folder.path },
          encoding: "utf8",
        });
        expect({ stdout: result.stdout, stderr: result.stderr, status: result.status }).toEqual({
          stdout: `${version}\n`,
          stderr: "",
          status: 0,
        });
      } finally {
        await folder.remove();
      }
    },
  );
});

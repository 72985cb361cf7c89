import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, temporaryFolder } from "../helpers/cli.js";

/** What `npm install -g` of a clone and `npm pack` at the root say (npm's prepare and prepack). */
describe("installing the source folder itself", () => {
  const advice = async (): Promise<string[]> => {
    const { version } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
      version: string;
    };
    return [
      "To install the two CLIs from this source (see docs/operations.md, 'Installing from the source'):",
      "  npm ci && npm run package",
      `  npm install -g ./release/caisse-export-${version}.tgz ./release/caisse-central-${version}.tgz`,
      "",
    ];
  };

  it("without TypeScript (npm install -g of a clone) it says how to install, exit 1", async () => {
    const folder = await temporaryFolder();
    try {
      // The clone as npm installs it globally: the sources, no development tools.
      await mkdir(join(folder.path, "scripts"));
      await copyFile(join(REPO, "package.json"), join(folder.path, "package.json"));
      await copyFile(
        join(REPO, "scripts", "prepare.mjs"),
        join(folder.path, "scripts", "prepare.mjs"),
      );
      const result = spawnSync(process.execPath, ["scripts/prepare.mjs"], {
        cwd: folder.path,
        encoding: "utf8",
      });
      expect(result.status).toBe(1);
      expect(result.stderr.split("\n")).toEqual([
        "caisse: this folder is the source of caisse-export and caisse-central, not a package to install.",
        ...(await advice()),
      ]);
    } finally {
      await folder.remove();
    }
  });

  it("with TypeScript (npm ci in a clone) it lets the build run: exit 0, silent", () => {
    const result = spawnSync(process.execPath, ["scripts/prepare.mjs"], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
  });

  it("npm pack of the root says that npm run package packs the CLIs, exit 1", async () => {
    const result = spawnSync(process.execPath, ["scripts/prepare.mjs", "--pack"], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr.split("\n")).toEqual([
      "caisse: this folder is the source of caisse-export and caisse-central; `npm run package` packs them.",
      ...(await advice()),
    ]);
  });
});

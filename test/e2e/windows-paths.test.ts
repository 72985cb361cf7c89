import { main as central } from "@caisse/central";
import { checkLocalPaths, foreignPathProblem } from "@caisse/core";
import { main as exportMain } from "@caisse/export";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess, temporaryFolder } from "../helpers/cli.js";
import { snapshotTree } from "../helpers/tree.js";

/**
 * A Windows path typed on Linux or macOS (`--root 'C:\caisse'`) named a folder literally
 * `C:\caisse` under the current one. Every path flag, argument and variable refuses it.
 */

let folder: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  folder = await temporaryFolder();
});
afterEach(async () => folder.remove());

describe("foreignPathProblem", () => {
  it("knows drive letters, UNC paths and backslashes, except on Windows", () => {
    for (const path of ["C:\\caisse", "C:/caisse", "c:caisse", "\\\\siege\\caisse"])
      expect(foreignPathProblem(path, "linux")).toBe(
        `'${path}' is a Windows path, and this machine is not Windows`,
      );
    expect(foreignPathProblem("donnees\\ventes", "darwin")).toBe(
      "'donnees\\ventes' holds a backslash; use '/' on this machine",
    );
    for (const path of ["/srv/caisse", "//siege/caisse", "../donnees", "C", "Cx:"])
      expect(foreignPathProblem(path, "linux")).toBeUndefined();
    expect(foreignPathProblem("C:\\caisse", "win32")).toBeUndefined();
    expect(() => {
      checkLocalPaths({ "--root": "C:\\caisse" }, "win32");
    }).not.toThrow();
  });
});

describe.runIf(process.platform !== "win32")("a Windows path on this machine", () => {
  const cases: [string, (cwd: string) => ReturnType<typeof runInProcess>, string][] = [
    [
      "caisse-central --root",
      (cwd) => runInProcess(central, ["--root", "C:\\caisse", "init"], cwd),
      "--root: 'C:\\caisse' is a Windows path",
    ],
    [
      "CAISSE_CENTRAL_ROOT",
      (cwd) => runInProcess(central, ["init"], cwd, { CAISSE_CENTRAL_ROOT: "D:/caisse" }),
      "CAISSE_CENTRAL_ROOT: 'D:/caisse' is a Windows path",
    ],
    [
      "caisse-central tills add --path",
      (cwd) =>
        runInProcess(
          central,
          ["--root", cwd, "tills", "add", "D01", "--name", "M1", "--path", "caisse\\D01"],
          cwd,
        ),
      "--path: 'caisse\\D01' holds a backslash",
    ],
    [
      "caisse-central report --out",
      (cwd) => runInProcess(central, ["--root", cwd, "report", "--out", "C:\\r.csv"], cwd),
      "--out: 'C:\\r.csv' is a Windows path",
    ],
    [
      "caisse-central import FILE",
      (cwd) => runInProcess(central, ["--root", cwd, "import", "\\\\siege\\a.zip"], cwd),
      "FILE: '\\\\siege\\a.zip' is a Windows path",
    ],
    [
      "caisse-export --config",
      (cwd) =>
        runInProcess(exportMain, ["--config", "C:\\caisse\\caisse-export.json", "init"], cwd),
      "--config: 'C:\\caisse\\caisse-export.json' is a Windows path",
    ],
    [
      "CAISSE_EXPORT_CONFIG",
      (cwd) => runInProcess(exportMain, ["status"], cwd, { CAISSE_EXPORT_CONFIG: "C:\\c.json" }),
      "CAISSE_EXPORT_CONFIG: 'C:\\c.json'",
    ],
    [
      "caisse-export zip --data --out",
      (cwd) =>
        runInProcess(
          exportMain,
          ["zip", "--till", "D01", "--data", "C:\\donnees", "--out", "C:\\t.zip"],
          cwd,
        ),
      "--data: 'C:\\donnees' is a Windows path, and this machine is not Windows; --out: 'C:\\t.zip' is a Windows path",
    ],
    [
      "caisse-export init --data --dir",
      (cwd) => runInProcess(exportMain, ["init", "--data", "C:\\donnees", "--dir", "depot"], cwd),
      "--data: 'C:\\donnees'",
    ],
    [
      "caisse-export keygen --out",
      (cwd) => runInProcess(exportMain, ["keygen", "--out", "C:\\d01.key"], cwd),
      "--out: 'C:\\d01.key'",
    ],
    [
      "caisse-export send FILE",
      (cwd) => runInProcess(exportMain, ["send", "C:\\a.zip"], cwd),
      "FILE: 'C:\\a.zip'",
    ],
  ];

  it.each(cases)("%s: E_USAGE, exit 2, nothing created", async (_name, run, words) => {
    if (_name.startsWith("caisse-central") && !_name.includes("--root"))
      expect((await runInProcess(central, ["--root", folder.path, "init"], folder.path)).code).toBe(
        0,
      );
    if (_name === "caisse-export send FILE")
      await writeFile(
        join(folder.path, "caisse-export.json"),
        JSON.stringify({ till: "D01", data: "d", transport: { type: "dir", path: "depot" } }),
      );
    const before = await snapshotTree(folder.path);
    const result = await run(folder.path);
    expect(result.stderr).toContain(`error E_USAGE: ${words}`);
    expect(result.stderr).toContain(
      "a drive letter or a backslash only means something on Windows",
    );
    expect(result.code).toBe(2);
    expect(await snapshotTree(folder.path)).toEqual(before);
  });
});

import { main } from "@caisse/central";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess, temporaryFolder } from "../helpers/cli.js";

let root: { path: string; remove: () => Promise<void> };
const central = (...argv: string[]) =>
  runInProcess(main, ["--root", root.path, ...argv], root.path);

beforeEach(async () => {
  root = await temporaryFolder();
  expect((await central("init")).code).toBe(0);
});
afterEach(async () => root.remove());

describe("caisse-central tills", () => {
  it("adds, lists, changes, disables and removes tills like the remote stations screen", async () => {
    expect(
      (await central("tills", "add", "D01", "--name", "Magasin 1", "--path", "caisse1")).code,
    ).toBe(0);
    expect((await central("tills", "add", "D02", "--name", "Magasin 2")).code).toBe(0);
    const listed = await central("tills", "list", "--format", "json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      {
        ref: "D01",
        name: "Magasin 1",
        path: "caisse1",
        enabled: true,
        key: null,
        mail: null,
        encoding: null,
        columns: {},
      },
      {
        ref: "D02",
        name: "Magasin 2",
        path: "D02",
        enabled: true,
        key: null,
        mail: null,
        encoding: null,
        columns: {},
      },
    ]);
    const table = await central("tills");
    expect(table.stdout).toMatch(/D01\s*│\s*Magasin 1\s*│\s*caisse1\s*│\s*✓/u);

    expect(
      (
        await central(
          "tills",
          "set",
          "d01",
          "--name",
          "Lyon",
          "--encoding",
          "windows-1252",
          "--column",
          "quantite=Qte",
        )
      ).code,
    ).toBe(0);
    expect((await central("tills", "disable", "D02")).code).toBe(0);
    const config = JSON.parse(await readFile(join(root.path, "caisse-central.json"), "utf8")) as {
      tills: object[];
    };
    expect(config.tills).toEqual([
      {
        ref: "D01",
        name: "Lyon",
        path: "caisse1",
        enabled: true,
        encoding: "windows-1252",
        columns: { quantite: "Qte" },
      },
      { ref: "D02", name: "Magasin 2", path: "D02", enabled: false },
    ]);
    expect((await central("tills", "enable", "D02")).code).toBe(0);
    const removed = await central("tills", "remove", "D02");
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain("its data stays in");
    expect(JSON.parse((await central("tills", "list", "--format", "json")).stdout)).toHaveLength(1);
  });

  it.each([
    [["tills", "add", "D 01", "--name", "X"], "E_TILL_REF", "may hold only letters, digits"],
    [["tills", "add", "D0123456789ABCDEF", "--name", "X"], "E_TILL_REF", "at most 16"],
    [["tills", "add", "D01", "--name", "Un nom beaucoup trop long"], "E_TILL_NAME", "at most 20"],
    [["tills", "add", "D01", "--name", "X", "--key", "ed25519:abc"], "E_USAGE", "--key"],
    [["tills", "add", "D01", "--name", "X", "--mail", "nobody"], "E_USAGE", "--mail"],
    [["tills", "add", "D01", "--name", "X", "--encoding", "klingon"], "E_USAGE", "--encoding"],
    [
      ["tills", "add", "D01", "--name", "X", "--path", "../.."],
      "E_TILL_PATH",
      "contains the central root",
    ],
    [["tills", "set", "D09", "--name", "X"], "E_TILL_UNKNOWN", "no till 'D09'"],
    [["tills", "remove", "D09"], "E_TILL_UNKNOWN", "no till 'D09'"],
  ])("refuses %j with %s", async (argv, code, words) => {
    const result = await central(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(code);
    expect(result.stderr).toContain(words);
  });

  it("refuses a second till with the same reference or the same folder", async () => {
    await central("tills", "add", "D01", "--name", "Magasin 1");
    const again = await central("tills", "add", "d01", "--name", "Autre");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("E_TILL_EXISTS");
    const tills = join(root.path, "tills");
    const nested = await central("tills", "add", "D02", "--name", "Magasin 2", "--path", "D01/sub");
    expect(nested.code).toBe(2);
    expect(nested.stderr).toBe(
      `error E_TILL_PATH: the folders of tills D01 (${join(tills, "D01")}) and D02 (${join(tills, "D01", "sub")}) are one inside the other\n` +
        "  give each till a folder of its own, for example its reference: caisse-central tills set D02 --path D02\n",
    );
    await central("tills", "add", "D02", "--name", "Magasin 2");
    const shared = await central("tills", "set", "D02", "--path", "D01");
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain(`tills D01 and D02 share the folder ${join(tills, "D01")}`);
    expect(shared.stderr).toContain("caisse-central tills set D02 --path D02");
  });

  it("says what to do when the folder is not a central root", async () => {
    const elsewhere = await temporaryFolder();
    const result = await runInProcess(main, ["tills"], elsewhere.path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("E_CENTRAL_ROOT");
    expect(result.stderr).toContain("caisse-central init");
    await elsewhere.remove();
  });

  it("takes the root from CAISSE_CENTRAL_ROOT", async () => {
    await central("tills", "add", "D01", "--name", "Magasin 1");
    const result = await runInProcess(main, ["tills", "list", "--format", "json"], "/", {
      CAISSE_CENTRAL_ROOT: root.path,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
  });

  it("keeps init idempotent and the config untouched", async () => {
    await central("tills", "add", "D01", "--name", "Magasin 1");
    const before = await readFile(join(root.path, "caisse-central.json"), "utf8");
    const again = await central("init");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already a central root");
    expect(await readFile(join(root.path, "caisse-central.json"), "utf8")).toBe(before);
  });

  it("reads a config saved by Notepad with a byte order mark, and keeps its tills", async () => {
    const config = join(root.path, "caisse-central.json");
    await central("tills", "add", "D01", "--name", "Magasin 1");
    const saved = JSON.parse(await readFile(config, "utf8")) as Record<string, unknown>;
    await writeFile(config, `\uFEFF${JSON.stringify({ ...saved, note: "Siège, Lyon" })}`);
    expect((await central("tills", "add", "D02", "--name", "Magasin 2")).code).toBe(0);
    const listed = await central("tills", "list", "--format", "json");
    expect((JSON.parse(listed.stdout) as { ref: string }[]).map((till) => till.ref)).toEqual([
      "D01",
      "D02",
    ]);
    // Written back without the mark, with the keys people wrote.
    expect(JSON.parse(await readFile(config, "utf8"))).toMatchObject({ note: "Siège, Lyon" });
  });

  it("says where a config is broken: line, column, and what to do", async () => {
    const config = join(root.path, "caisse-central.json");
    await writeFile(config, '{\n  "tills": [\n    { "ref": "D01" "name": "Magasin 1" }\n  ]\n}\n');
    const result = await central("tills");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error E_CONFIG: ${config} is not valid JSON: Expected ',' or '}' after property value (line 3, column 20)\n` +
        "  correct the file at that place (a missing comma, quote or bracket is the usual cause), then run again; see docs/central-layout.md.\n",
    );
  });

  it("lists every problem of the config on a line of its own", async () => {
    const config = join(root.path, "caisse-central.json");
    await writeFile(
      config,
      JSON.stringify({
        tills: [{ ref: "D 01", name: "Magasin 1", path: 3 }],
        limits: { maxEntries: -1 },
      }),
    );
    const result = await central("tills");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        `error E_CONFIG: ${config} has 3 problems:`,
        "    - tills[0].ref: the reference 'D 01' may hold only letters, digits, '-' and '_'",
        "    - tills[0].path must be a non-empty string",
        "    - limits.maxEntries must be a whole number from 1",
        "  fix the keys named above (see docs/central-layout.md).",
        "",
      ].join("\n"),
    );
  });
});

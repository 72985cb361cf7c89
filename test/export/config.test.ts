import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTill, type Till } from "./fixture.js";

let till: Till;

beforeEach(async () => {
  till = await makeTill({ config: null });
});
afterEach(async () => till.remove());

describe("caisse-export.json", () => {
  it("reports every problem at once, each with its key", async () => {
    await till.writeConfig({
      till: "D 01",
      name: "Un nom beaucoup trop long pour la caisse",
      transport: { type: "ftp", host: "ftp.example.fr" },
      catalog: { centralKey: "ed25519:abc" },
      trasnport: {},
    });
    const result = await till.run(["run"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("E_CONFIG");
    expect(result.stderr).toContain("has 8 problems");
    for (const words of [
      "till: the reference 'D 01'",
      "name: the name",
      "data is missing",
      "transport.user is missing",
      "transport.passwordEnv or transport.passwordFile is missing",
      "transport.dir is missing",
      "catalog.dir is missing",
      "catalog.centralKey must look like",
    ]) {
      expect(result.stderr).toContain(words);
    }
    // An unknown key is a warning, not an error: a newer config still works on an older till.
    expect(result.stderr).toContain("unknown key 'trasnport' is ignored");
  });

  it("refuses an incomplete mail transport and an unknown type with the key name", async () => {
    await till.writeConfig({ till: "D01", data: "donnees", transport: { type: "mail" } });
    expect((await till.run(["run"])).stderr).toContain("transport.from is missing");
    await till.writeConfig({ till: "D01", data: "donnees", transport: { type: "smtp" } });
    expect((await till.run(["run"])).stderr).toContain('transport.type must be "dir"');
  });

  it("refuses a Windows path on another system", async () => {
    if (process.platform === "win32") return;
    await till.writeConfig({ till: "D01", data: "C:\\caisse\\donnees" });
    const result = await till.run(["zip"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is a Windows path");
  });

  it("reads a file with a byte order mark, as Notepad writes it", async () => {
    await writeFile(
      join(till.dir, "caisse-export.json"),
      `\uFEFF${JSON.stringify({ till: "D01", data: "donnees" })}`,
    );
    expect((await till.run(["zip"])).code).toBe(0);
  });

  it("reports broken JSON with the file name, the line and the column", async () => {
    const file = join(till.dir, "caisse-export.json");
    await writeFile(file, '{\n  "till": "D01",\n  "data": "donnees"\n  "name": "Magasin 1"\n}\n');
    const result = await till.run(["zip"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error E_CONFIG: ${file} is not valid JSON: Expected ',' or '}' after property value (line 4, column 3)\n` +
        "  correct the file at that place (a missing comma, quote or bracket is the usual cause), then run again; see docs/export.md.\n",
    );
  });

  it("lists every problem of the file on a line of its own", async () => {
    await till.writeConfig({ till: "D 01", name: 3, data: "donnees" });
    const result = await till.run(["zip"]);
    expect(result.code).toBe(2);
    const lines = result.stderr.split("\n");
    expect(lines[0]).toBe(
      `error E_CONFIG: ${join(till.dir, "caisse-export.json")} has 2 problems:`,
    );
    expect(lines.slice(1, 3).every((line) => line.startsWith("    - "))).toBe(true);
  });

  it("takes the file from --config, else CAISSE_EXPORT_CONFIG, relative paths from its folder", async () => {
    await writeFile(join(till.dir, "autre.json"), JSON.stringify({ till: "D02", data: "donnees" }));
    await writeFile(join(till.dir, "env.json"), JSON.stringify({ till: "D03", data: "donnees" }));
    const sub = join(till.data, "..", "ailleurs");
    await mkdir(sub);
    const env = { CAISSE_EXPORT_CONFIG: join(till.dir, "env.json") };
    const fromEnv = await till.run(["zip", "--out", "a.zip"], { cwd: sub, env });
    expect(fromEnv.stdout).toContain("D03 sequence 1");
    // Beside env.json: the same state folder, which counts D03's archives.
    const shared = await till.run(
      ["--config", join(till.dir, "autre.json"), "zip", "--out", "b.zip"],
      { cwd: sub, env },
    );
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain(
      `error E_CONFIG: the state folder ${join(till.dir, "caisse-export-state")} counts the archives of till D03, not of D02`,
    );
    await mkdir(join(till.dir, "d02"));
    await writeFile(
      join(till.dir, "d02", "autre.json"),
      JSON.stringify({ till: "D02", data: "../donnees" }),
    );
    const fromFlag = await till.run(
      ["--config", join(till.dir, "d02", "autre.json"), "zip", "--out", "b.zip"],
      { cwd: sub, env },
    );
    expect(fromFlag.stdout).toContain("D02 sequence 1");
    const missing = await till.run(["--config", "absent.json", "status"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("given by --config");
  });

  it("needs a config for run and send, and says how to make one", async () => {
    for (const command of ["run", "send"]) {
      const result = await till.run([command]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("caisse-export init");
    }
  });
});

describe("caisse-export init", () => {
  it("writes a starter config that validates, and refuses to overwrite it without --force", async () => {
    const first = await till.run(["init"]);
    expect(first.code).toBe(0);
    const written = JSON.parse(
      await readFile(join(till.dir, "caisse-export.json"), "utf8"),
    ) as Record<string, unknown>;
    expect(written).toEqual({
      till: "D01",
      name: "Magasin 1",
      data: "donnees",
      transport: { type: "dir", path: "depot" },
    });
    expect((await till.run(["status"])).code).toBe(0);

    const again = await till.run(["init", "--till", "D02"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");
    const forced = await till.run(["init", "--force", "--till", "D02", "--dir", "//siege/inbox"]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(await readFile(join(till.dir, "caisse-export.json"), "utf8"))).toMatchObject({
      till: "D02",
      transport: { path: "//siege/inbox" },
    });
  });

  it("names a wrong flag", async () => {
    const result = await till.run(["init", "--till", "D/01"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--till");
  });
});

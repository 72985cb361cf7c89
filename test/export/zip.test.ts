import { verifyManifest } from "@caisse/core";
import { main } from "@caisse/export";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext } from "../helpers/cli.js";
import { snapshotTree } from "../helpers/tree.js";
import { DEFAULT_CONFIG, makeTill, type Till } from "./fixture.js";
import { readZip } from "./zip.js";

let till: Till;

beforeEach(async () => {
  till = await makeTill({ config: null });
});
afterEach(async () => till.remove());

describe("caisse-export zip", () => {
  it("works with no config at all, keeping the state in the current folder", async () => {
    const result = await till.run(["zip", "--data", "donnees", "--till", "D07"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain(
      `built ${join(till.dir, "tfichier.zip")}: D07 sequence 1, 1 file`,
    );
    const entries = await readZip(join(till.dir, "tfichier.zip"));
    expect(entries.map((entry) => entry.name)).toEqual(["ventes.csv", "caisse-manifest.json"]);
    const manifest = JSON.parse(entries[1]?.content.toString("utf8") ?? "{}") as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({ till: "D07", name: "D07", sequence: 1, previous: null });
    expect(await till.readState()).toMatchObject({ nextSequence: 2, till: "D07" });

    const again = await till.run([
      "zip",
      "--data",
      "donnees",
      "--till",
      "D07",
      "--name",
      "Lyon",
      "--out",
      "deux.zip",
    ]);
    expect(again.code).toBe(0);
    const second = JSON.parse(
      (await readZip(join(till.dir, "deux.zip")))[1]?.content.toString("utf8") ?? "{}",
    ) as Record<string, unknown>;
    expect(second).toMatchObject({ name: "Lyon", sequence: 2 });
    expect(second.previous).toMatch(/^[0-9a-f]{64}$/u);
  });

  it("names the missing flags when there is no config", async () => {
    const result = await till.run(["zip", "--data", "donnees"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("E_USAGE");
    expect(result.stderr).toContain("--till REF");
  });

  it("names a wrong --till", async () => {
    const result = await till.run(["zip", "--data", "donnees", "--till", "D 01"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--till");
  });

  it("lets the flags override the config", async () => {
    await till.writeConfig({ till: "D01", name: "Magasin 1", data: "ailleurs" });
    const result = await till.run(["zip", "--data", "donnees", "--out", "x.zip"]);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(
      (await readZip(join(till.dir, "x.zip")))[1]?.content.toString("utf8") ?? "{}",
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({ till: "D01", name: "Magasin 1" });
  });

  it("refuses to write the archive or the state inside the data directory", async () => {
    const inside = await till.run([
      "zip",
      "--data",
      "donnees",
      "--till",
      "D01",
      "--out",
      "donnees/tfichier.zip",
    ]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain("--out");
    const fromData = await till.run(["zip", "--data", ".", "--till", "D01", "--out", "../x.zip"], {
      cwd: till.data,
    });
    expect(fromData.code).toBe(2);
    expect(fromData.stderr).toContain("inside the data directory");
    await expect(stat(join(till.data, "caisse-export-state"))).rejects.toThrow();
  });

  it("reports a missing data directory with the key and the path", async () => {
    await till.writeConfig({ till: "D01", data: "absent" });
    const result = await till.run(["zip"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(till.dir, "absent"));
    expect(result.stderr).toContain("'data'");
  });

  it("warns about a link it leaves out", async () => {
    const { symlink } = await import("node:fs/promises");
    await symlink("/etc/hostname", join(till.data, "lien.csv"));
    const result = await till.run(["zip", "--data", "donnees", "--till", "D01"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "left out of the archive: lien.csv (a symbolic link, never followed)",
    );
  });
});

describe("caisse-export keygen and signed archives", () => {
  it("makes a private key readable by its owner only, and signs archives with it", async () => {
    await till.writeConfig({ till: "D01", data: "donnees", key: "D01.key" });
    const made = await till.run(["keygen"]);
    expect(made.code).toBe(0);
    const publicKey = made.stdout.trim();
    expect(publicKey).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/u);
    expect((await stat(join(till.dir, "D01.key"))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(till.dir, "D01.key.pub"), "utf8")).trim()).toBe(publicKey);

    const zipped = await till.run(["zip"]);
    expect(zipped.code).toBe(0);
    expect(zipped.stdout).toContain("signed");
    const entries = await readZip(join(till.dir, "tfichier.zip"));
    const manifest =
      entries.find((entry) => entry.name === "caisse-manifest.json")?.content ?? Buffer.alloc(0);
    const signature =
      entries.find((entry) => entry.name === "caisse-manifest.sig")?.content.toString("utf8") ?? "";
    expect(verifyManifest(manifest, signature, publicKey)).toBe(true);

    const again = await till.run(["keygen"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exists");
  });

  it("without a key in the config, prints the exact line to add, relative to the config's folder", async () => {
    await till.writeConfig({ till: "D01", data: "donnees" });
    const before = await readFile(join(till.dir, "caisse-export.json"), "utf8");
    const made = await till.run(["keygen"]);
    expect(made.code).toBe(0);
    expect(made.stderr).toContain(
      `to sign archives, add this line inside the braces of ${join(till.dir, "caisse-export.json")}: "key": "D01.key",\n`,
    );
    expect(made.stderr).toContain("caisse-central tills set D01 --key ed25519:");
    expect(await readFile(join(till.dir, "caisse-export.json"), "utf8")).toBe(before);
  });

  it("--write-config writes the key into the config, keeping the rest of it", async () => {
    const config = join(till.dir, "caisse-export.json");
    await writeFile(
      config,
      '\uFEFF{\r\n  "till": "D01",\r\n  "data": "donnees",\r\n  "x-site": "Gare"\r\n}\r\n',
    );
    const made = await till.run(["keygen", "--write-config"]);
    expect(made.code).toBe(0);
    expect(made.stderr).toContain(`"key": "D01.key" written into ${config}`);
    expect(await readFile(config, "utf8")).toBe(
      '\uFEFF{\r\n  "till": "D01",\r\n  "data": "donnees",\r\n  "x-site": "Gare",\r\n  "key": "D01.key"\r\n}\r\n',
    );
    const zipped = await till.run(["zip"]);
    expect(zipped.code).toBe(0);
    expect(zipped.stdout).toContain("signed");
  });

  it("asks on a terminal, and writes the key only on a yes", async () => {
    const config = join(till.dir, "caisse-export.json");
    await till.writeConfig({ till: "D01", data: "donnees" });
    const questions: string[] = [];
    const keygen = async (answer: string): Promise<number> => {
      const { ctx } = captureContext(till.dir);
      ctx.ask = (question) => {
        questions.push(question);
        return Promise.resolve(answer);
      };
      return main(["keygen", "--force"], ctx);
    };
    expect(await keygen("")).toBe(0);
    expect(JSON.parse(await readFile(config, "utf8"))).toEqual({ till: "D01", data: "donnees" });
    expect(await keygen("oui")).toBe(0);
    expect(JSON.parse(await readFile(config, "utf8"))).toEqual({
      till: "D01",
      data: "donnees",
      key: "D01.key",
    });
    expect(questions).toEqual([
      `write "key": "D01.key" into ${config}? [y/N] `,
      `write "key": "D01.key" into ${config}? [y/N] `,
    ]);
  });

  it("--write-config without a config file, or naming another key, makes no key", async () => {
    const none = await till.run(["keygen", "--write-config"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      `error E_USAGE: --write-config: there is no config file at ${join(till.dir, "caisse-export.json")}`,
    );
    await till.writeConfig({ till: "D01", data: "donnees", key: "D01.key" });
    const other = await till.run(["keygen", "--write-config", "--out", "autre.key"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`already names another key (${join(till.dir, "D01.key")})`);
    expect((await readdir(till.dir)).filter((name) => name.endsWith(".key"))).toEqual([]);
  });

  it("refuses a key other users can read, and a missing key", async () => {
    await till.writeConfig({ till: "D01", data: "donnees", key: "D01.key" });
    const missing = await till.run(["zip"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("keygen");
    await mkdir(join(till.dir, "keys"));
    await writeFile(join(till.dir, "D01.key"), "-----BEGIN PRIVATE KEY-----\n");
    await chmod(join(till.dir, "D01.key"), 0o644); // whatever the umask

    const open = await till.run(["zip"]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain("chmod 600");
    await expect(stat(join(till.dir, "tfichier.zip"))).rejects.toThrow();
  });
});

describe("caisse-export zip --dry-run, the check the docs advise", () => {
  it("lists the files, their sizes, the total and the sequence it would take, spending nothing", async () => {
    await till.writeConfig(DEFAULT_CONFIG);
    await till.writeData({ "articles/familles.csv": "famille;libelle\nEPI;Epicerie\n" });
    expect((await till.run(["zip", "--out", "premier.zip"])).code).toBe(0);
    const before = await snapshotTree(till.dir);
    const dry = await till.run(["zip", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toBe(
      [
        "dry run: nothing was written and no sequence was spent; the archive would hold:",
        "  articles/familles.csv  29 B",
        "  ventes.csv  95 B",
        `would build ${join(till.dir, "tfichier.zip")}: D01 sequence 2, 2 files, 124 B before compression`,
        "",
      ].join("\n"),
    );
    // No archive, no state, no line in runs.jsonl: the central will see no gap.
    expect(await snapshotTree(till.dir)).toEqual(before);
    const real = await till.run(["zip"]);
    expect(real.stdout).toContain("D01 sequence 2, 2 files");
  });
});

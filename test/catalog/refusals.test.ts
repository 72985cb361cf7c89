import { generateSigningKey, signManifest, type Manifest } from "@caisse/core";
import { applyCatalog, recoverCatalogApply } from "../../packages/export/src/catalog/apply.js";
import { statePaths } from "../../packages/export/src/state.js";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshotTree } from "../helpers/tree.js";
import { buildTillZip, buildZip, ratioBomb } from "../helpers/zip-builder.js";
import { catalogWorld, V1, V2, type CatalogWorld } from "./fixture.js";

let world: CatalogWorld;
let signingKey: string;
beforeEach(async () => {
  world = await catalogWorld();
  signingKey = await readFile(join(world.root, "central.key"), "utf8");
  // The till has V1 in place, applied as catalogue #1.
  await writeFile(join(world.catalogDir, "articles.csv"), V1.articles);
  await writeFile(join(world.catalogDir, "familles.csv"), V1.familles);
  // As every command that takes the state lock leaves it.
  await mkdir(join(world.tillDir, "caisse-export-state", "outbox"), { recursive: true });
  await writeFile(
    join(world.tillDir, "caisse-export-state", "catalog.json"),
    JSON.stringify({ sequence: 1, manifest: "0".repeat(64), name: "x", created: "", applied: "" }),
  );
});
afterEach(async () => world.remove());

const CATALOG_MANIFEST: Partial<Manifest> = {
  kind: "catalog",
  till: "CENTRAL",
  name: "Catalogue",
  created: "2026-11-30T20:00:00+00:00",
  sequence: 2,
};

/** A catalogue zip of `files`, signed with `key` (head office's by default) unless `unsigned`. */
function catalogZip(
  files: Record<string, string>,
  options: { key?: string; unsigned?: boolean; manifest?: Partial<Manifest> } = {},
): Buffer {
  const manifest = { ...CATALOG_MANIFEST, ...options.manifest };
  const unsigned = buildTillZip(files, { manifest });
  if (options.unsigned === true) return unsigned.zip;
  return buildTillZip(files, {
    manifest,
    signature: signManifest(unsigned.manifestBytes, options.key ?? signingKey),
  }).zip;
}

async function importZip(zip: Buffer): Promise<{ code: number; stderr: string; stdout: string }> {
  const file = join(world.tillDir, "catalogue-test.zip");
  await writeFile(file, zip);
  return world.till("catalog", "import", file);
}

/** Every refusal leaves the catalogue folder and the state exactly as they were. */
async function expectRefused(zip: Buffer, code: string, message: string): Promise<void> {
  const before = await snapshotTree(world.tillDir);
  delete before["catalogue-test.zip"];
  const result = await importZip(zip);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain(`${code}: ${message}`);
  expect(result.code).toBe(code === "E_CONFIG" ? 2 : 3);
  const after = await snapshotTree(world.tillDir);
  delete after["catalogue-test.zip"];
  expect(after).toEqual(before);
}

describe("caisse-export catalog import refuses", () => {
  it("accepts the well-signed catalogue the refusals below are made from", async () => {
    const result = await importZip(
      catalogZip({ "articles.csv": V2.articles, "familles.csv": V2.familles }),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V2.articles);
  });

  it("an unsigned catalogue", async () => {
    await expectRefused(
      catalogZip({ "articles.csv": V2.articles, "familles.csv": V2.familles }, { unsigned: true }),
      "E_CATALOG_SIGNATURE",
      "catalogue-test.zip is not signed (no caisse-manifest.sig)",
    );
  });

  it("a zip without manifest", async () => {
    await expectRefused(
      buildZip([{ name: "articles.csv", data: V2.articles }]),
      "E_CATALOG_SIGNATURE",
      "catalogue-test.zip has no caisse-manifest.json: it is not a signed catalogue",
    );
  });

  it("a catalogue signed with another key", async () => {
    await expectRefused(
      catalogZip(
        { "articles.csv": V2.articles, "familles.csv": V2.familles },
        { key: generateSigningKey().privateKeyPem },
      ),
      "E_CATALOG_SIGNATURE",
      "the signature of catalogue-test.zip does not verify with catalog.centralKey",
    );
  });

  it("a signed catalogue whose file was changed after signing", async () => {
    const signed = buildTillZip(
      { "articles.csv": V2.articles, "familles.csv": V2.familles },
      { manifest: CATALOG_MANIFEST },
    );
    const signature = signManifest(signed.manifestBytes, signingKey);
    const tampered = buildZip([
      { name: "caisse-manifest.json", data: signed.manifestBytes },
      { name: "caisse-manifest.sig", data: `${signature}\n` },
      { name: "articles.csv", data: V2.articles.replace("1,30", "0,01") },
      { name: "familles.csv", data: V2.familles },
    ]);
    await expectRefused(tampered, "E_MANIFEST_MISMATCH", "");
  });

  it("an older catalogue, and the same sequence with other content", async () => {
    await expectRefused(
      catalogZip(
        { "articles.csv": V2.articles, "familles.csv": V2.familles },
        { manifest: { sequence: 1 } },
      ),
      "E_CATALOG_OLDER",
      "catalogue-test.zip is catalogue #1, not newer than #1",
    );
  });

  it("a till's sales archive signed with head office's key", async () => {
    await expectRefused(
      catalogZip(
        { "articles.csv": V2.articles, "familles.csv": V2.familles },
        { manifest: { kind: "sales", till: "D01" } },
      ),
      "E_CATALOG_INVALID",
      "catalogue-test.zip is a 'sales' archive, not a catalogue",
    );
  });

  it("a catalogue with another file, or without familles.csv", async () => {
    await expectRefused(
      catalogZip({ "articles.csv": V2.articles, "run.bat": "x" }),
      "E_CATALOG_INVALID",
      "catalogue-test.zip holds articles.csv, run.bat; a catalogue holds exactly articles.csv and familles.csv",
    );
    await expectRefused(
      catalogZip({ "articles.csv": V2.articles }),
      "E_CATALOG_INVALID",
      "catalogue-test.zip holds articles.csv; a catalogue holds exactly articles.csv and familles.csv",
    );
  });

  it("a signed catalogue whose rows do not read", async () => {
    await expectRefused(
      catalogZip({ "articles.csv": "article;libelle\nA1;Pain\n", "familles.csv": V2.familles }),
      "E_CATALOG_INVALID",
      "catalogue-test.zip does not read as a catalogue: 1 problem: articles.csv line 1:",
    );
  });

  it("hostile zips: a path out of the folder, a zip bomb, too many entries, not a zip", async () => {
    await expectRefused(
      buildZip([{ name: "../articles.csv", data: V2.articles }]),
      "E_ARCHIVE_UNSAFE_PATH",
      "",
    );
    await expectRefused(ratioBomb({ name: "articles.csv" }), "E_ARCHIVE_RATIO", "");
    await expectRefused(
      catalogZip({ "articles.csv": V2.articles, "familles.csv": V2.familles, "run.bat": "x" }),
      "E_ARCHIVE_TOO_MANY_ENTRIES",
      "the archive has 5 entries; the limit is 4",
    );
    await expectRefused(Buffer.from("not a zip at all"), "E_ARCHIVE_NOT_ZIP", "");
    expect(await readdir(world.tillDir)).not.toContain("articles.csv");
  });
});

describe("applying a catalogue is all or nothing", () => {
  const options = () => ({
    dir: world.catalogDir,
    centralKey: world.publicKey,
    paths: statePaths(join(world.tillDir, "caisse-export-state")),
    now: new Date(Date.UTC(2026, 10, 30, 21, 0, 0)),
  });

  async function writeZip(): Promise<string> {
    const file = join(world.tillDir, "catalogue-test.zip");
    await writeFile(file, catalogZip({ "articles.csv": V2.articles, "familles.csv": V2.familles }));
    return file;
  }

  it("a failure between the two files puts the first one back", async () => {
    const file = await writeZip();
    const before = await snapshotTree(world.tillDir);
    await expect(
      applyCatalog(file, {
        ...options(),
        pause: (point) =>
          point === "moved-one" ? Promise.reject(new Error("disk gone")) : Promise.resolve(),
      }),
    ).rejects.toThrow("disk gone");
    expect(await snapshotTree(world.tillDir)).toEqual(before);
  });

  it("a crash while undoing a failed apply is undone by the next run", async () => {
    const file = await writeZip();
    const before = await snapshotTree(world.catalogDir);
    const state = await readFile(join(world.tillDir, "caisse-export-state", "catalog.json"));
    // Stopped between the two renames: articles.csv is the new one, familles.csv still staged.
    void applyCatalog(file, {
      ...options(),
      pause: (point) =>
        point === "moved-one" ? new Promise<never>(() => undefined) : Promise.resolve(),
    });
    const marker = `${world.catalogDir}.caisse-catalog.json`;
    for (let tries = 0; tries < 100; tries++) {
      if ((await readFile(join(world.catalogDir, "articles.csv"), "utf8")) === V2.articles) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A failure there wrote the undo record, then the process died before undoing anything.
    const { state: decided } = JSON.parse(await readFile(marker, "utf8")) as { state: unknown };
    await writeFile(
      marker,
      JSON.stringify({
        state: decided,
        rollBack: { moved: ["articles.csv"], present: ["articles.csv", "familles.csv"] },
      }),
    );
    expect(await recoverCatalogApply(world.catalogDir, options().paths)).toBe(false);
    expect(await snapshotTree(world.catalogDir)).toEqual(before);
    expect(await readFile(join(world.tillDir, "caisse-export-state", "catalog.json"))).toEqual(
      state,
    );
    expect((await readdir(world.tillDir)).sort()).toEqual([
      "caisse-export-state",
      "caisse-export.json",
      "catalogue",
      "catalogue-test.zip",
      "donnees",
    ]);
  });

  it("a crash after the decision is finished by the next run", async () => {
    const file = await writeZip();
    // The process "dies" once the marker is written: the pause never returns.
    void applyCatalog(file, { ...options(), pause: () => new Promise<never>(() => undefined) });
    const marker = `${world.catalogDir}.caisse-catalog.json`;
    for (let tries = 0; tries < 100; tries++) {
      if ((await readdir(world.tillDir)).includes("catalogue.caisse-catalog.json")) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V1.articles);
    expect(await recoverCatalogApply(world.catalogDir, options().paths)).toBe(true);
    expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V2.articles);
    expect(await readFile(join(world.catalogDir, "familles.csv"), "utf8")).toBe(V2.familles);
    expect((await readdir(world.tillDir)).sort()).toEqual([
      "caisse-export-state",
      "caisse-export.json",
      "catalogue",
      "catalogue-test.zip",
      "donnees",
    ]);
    expect(marker).toContain("caisse-catalog.json");
    const state: unknown = JSON.parse(
      await readFile(join(world.tillDir, "caisse-export-state", "catalog.json"), "utf8"),
    );
    expect(state).toMatchObject({ sequence: 2, name: "catalogue-test.zip" });
  });
});

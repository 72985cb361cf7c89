import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeHostKey, startSftpServer, type SftpTestServer } from "../servers/sftp.js";
import { catalogWorld, V1, V2, type CatalogWorld } from "./fixture.js";

/**
 * The catalogue through an SFTP server, as most hosting offers it: head office publishes into
 * `/depot/catalog`, and a till whose transport sends to `/depot` fetches it from there with its
 * own login, no `catalog.source` needed.
 */

const PASSWORD = "sftp-Catalog-Secret-5e1c";
let world: CatalogWorld;
let server: SftpTestServer;
let served: string;

beforeEach(async () => {
  world = await catalogWorld();
  served = join(world.root, "..", "srv");
  await mkdir(join(served, "depot"), { recursive: true });
  server = await startSftpServer({
    root: served,
    user: "caisse",
    password: PASSWORD,
    hostKey: makeHostKey(),
  });
  world.env.CAISSE_SFTP_PASSWORD = PASSWORD;
});
afterEach(async () => {
  await server.close();
  await world.remove();
});

function sftp(dir: string): Record<string, unknown> {
  return {
    type: "sftp",
    host: "127.0.0.1",
    port: server.port,
    user: "caisse",
    passwordEnv: "CAISSE_SFTP_PASSWORD",
    hostKey: server.hostKey,
    dir,
  };
}

describe("the catalogue by SFTP", () => {
  it("is sent into the depot's catalog folder and fetched from it by the till", async () => {
    const config = join(world.root, "caisse-central.json");
    const value = JSON.parse(await readFile(config, "utf8")) as Record<string, unknown>;
    await writeFile(
      config,
      JSON.stringify({ ...value, catalog: { key: "central.key", send: [sftp("/depot/catalog")] } }),
    );
    await writeFile(
      join(world.tillDir, "caisse-export.json"),
      JSON.stringify({
        till: "D01",
        data: "donnees",
        transport: sftp("/depot"),
        catalog: { dir: "catalogue", centralKey: world.publicKey },
      }),
    );
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    await world.writeCatalog(V2);
    expect((await world.central("catalog", "export")).code).toBe(0);
    const sent = await world.central("catalog", "send");
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain("  sent  sftp ");
    expect(await readdir(join(served, "depot", "catalog"))).toEqual([
      "CATALOG_20261130T200200_000002.zip",
    ]);

    const fetched = await world.till("catalog", "fetch");
    expect(fetched.stderr).toBe("");
    expect(fetched.code).toBe(0);
    expect(fetched.stdout.split("\n")[0]).toBe(
      `catalogue #2 (CATALOG_20261130T200200_000002.zip) applied to ${world.catalogDir}`,
    );
    expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V2.articles);
    // Nothing moved at the depot: the other tills take the same file.
    expect(await readdir(join(served, "depot", "catalog"))).toEqual([
      "CATALOG_20261130T200200_000002.zip",
    ]);
    for (const output of [sent.stdout, sent.stderr, fetched.stdout, fetched.stderr])
      expect(output).not.toContain(PASSWORD);
  });

  it("a server that cannot be reached fails the send with exit 1, naming it", async () => {
    const config = join(world.root, "caisse-central.json");
    const value = JSON.parse(await readFile(config, "utf8")) as Record<string, unknown>;
    await writeFile(
      config,
      JSON.stringify({
        ...value,
        catalog: {
          key: "central.key",
          send: [
            { ...sftp("/depot/catalog"), port: 1 },
            { type: "dir", path: "depot" },
          ],
        },
      }),
    );
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    const sent = await world.central("catalog", "send");
    expect(sent.code).toBe(1);
    expect(sent.stdout).toContain("  FAILED  sftp ");
    expect(sent.stdout).toContain(`  sent  dir ${world.depot}`);
    expect(sent.stderr).toContain("E_REMOTE_CONNECT");
    expect(await readdir(world.depot)).toEqual(["CATALOG_20261130T200100_000001.zip"]);
  });
});

import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeCertificate, type TestCertificate } from "../servers/certs.js";
import { startFtpServer, type FtpTestServer } from "../servers/ftp.js";
import { catalogWorld, V1, type CatalogWorld } from "./fixture.js";

/**
 * The catalogue through an FTPS server (explicit TLS, the server's certificate verified with the
 * test CA): published into `/depot/catalog`, fetched by a till whose transport sends to `/depot`.
 */

const PASSWORD = "ftp-Catalog-Secret-0c7d";
let world: CatalogWorld;
let server: FtpTestServer;
let certificate: TestCertificate;
let served: string;

beforeEach(async () => {
  world = await catalogWorld();
  certificate = await makeCertificate("ftp-catalog");
  served = join(world.root, "..", "srv");
  await mkdir(join(served, "depot"), { recursive: true });
  server = await startFtpServer({
    root: served,
    user: "caisse",
    password: PASSWORD,
    tls: { mode: "explicit", certificate },
  });
  world.env.CAISSE_FTP_PASSWORD = PASSWORD;
});
afterEach(async () => {
  await server.close();
  await world.remove();
});

function ftp(dir: string): Record<string, unknown> {
  return {
    type: "ftp",
    host: "127.0.0.1",
    port: server.port,
    secure: "explicit",
    user: "caisse",
    passwordEnv: "CAISSE_FTP_PASSWORD",
    dir,
    ca: certificate.cert,
  };
}

describe("the catalogue by FTPS", () => {
  it("is sent into the depot's catalog folder and fetched from it by the till", async () => {
    const config = join(world.root, "caisse-central.json");
    const value = JSON.parse(await readFile(config, "utf8")) as Record<string, unknown>;
    await writeFile(
      config,
      JSON.stringify({ ...value, catalog: { key: "central.key", send: [ftp("/depot/catalog")] } }),
    );
    await writeFile(
      join(world.tillDir, "caisse-export.json"),
      JSON.stringify({
        till: "D01",
        data: "donnees",
        transport: ftp("/depot"),
        catalog: { dir: "catalogue", centralKey: world.publicKey },
      }),
    );
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    const sent = await world.central("catalog", "send");
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(await readdir(join(served, "depot", "catalog"))).toEqual([
      "CATALOG_20261130T200100_000001.zip",
    ]);
    const fetched = await world.till("catalog", "fetch");
    expect(fetched.stderr).toBe("");
    expect(fetched.code).toBe(0);
    expect(fetched.stdout.split("\n")[0]).toBe(
      `catalogue #1 (CATALOG_20261130T200100_000001.zip) applied to ${world.catalogDir}`,
    );
    expect(await readFile(join(world.catalogDir, "familles.csv"), "utf8")).toBe(V1.familles);
    expect(await readdir(join(served, "depot", "catalog"))).toEqual([
      "CATALOG_20261130T200100_000001.zip",
    ]);
    for (const output of [sent.stdout, sent.stderr, fetched.stdout, fetched.stderr])
      expect(output).not.toContain(PASSWORD);
  });
});

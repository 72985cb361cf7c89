import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeCertificate } from "../servers/certs.js";
import { partsOf, startSmtpServer } from "../servers/smtp.js";
import { catalogWorld, V1, V2, type CatalogWorld } from "./fixture.js";

let world: CatalogWorld;
beforeEach(async () => {
  world = await catalogWorld();
});
afterEach(async () => world.remove());

async function configure(send: unknown[], more: Record<string, unknown> = {}): Promise<void> {
  const path = join(world.root, "caisse-central.json");
  const config = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  const catalog = config.catalog as Record<string, unknown>;
  await writeFile(
    path,
    JSON.stringify({ ...config, catalog: { ...catalog, send }, ...more }, null, 2),
  );
}

describe("caisse-central keygen", () => {
  it("writes a private key only its owner reads, prints the public key, names it in the config", async () => {
    expect(world.publicKey).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/u);
    const key = join(world.root, "central.key");
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect(await readFile(`${key}.pub`, "utf8")).toBe(`${world.publicKey}\n`);
    const config = JSON.parse(
      await readFile(join(world.root, "caisse-central.json"), "utf8"),
    ) as Record<string, unknown>;
    expect(config.catalog).toEqual({ key: "central.key" });
    const again = await world.central("keygen");
    expect(again.code).toBe(2);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain(`${key} already exists; it was left as it was`);
  });
});

describe("caisse-central catalog export", () => {
  it("refuses a catalogue with bad rows, listing them, and builds nothing", async () => {
    await world.writeCatalog({
      articles:
        "article;libelle;famille;prix_ttc;taux_tva\nA1;Pain;BOU;1,205;5,5\nA2;Lait;XXX;0,99;5,5\nA2;Lait;BOU;0,99;5,5\n",
      familles: "famille;libelle\nBOU;Boulangerie\n",
    });
    const result = await world.central("catalog", "export");
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("E_CATALOG_INVALID");
    expect(result.stderr).toContain(
      "the catalogue (catalog/) cannot be published: 3 problems: catalog/articles.csv line 2: invalid amount '1,205' in column prix_ttc (expected a decimal with at most 2 decimals",
    );
    expect(result.stderr).toContain(
      "catalog/articles.csv line 4: article 'A2' is given twice (line 3 too)",
    );
    expect(result.stderr).toContain(
      "catalog/articles.csv line 3: article 'A2' is in family 'XXX', which catalog/familles.csv does not have",
    );
    expect(await readdir(join(world.root, "catalog"))).toEqual(["articles.csv", "familles.csv"]);
  });

  it("builds signed catalogues whose sequence grows and chains", async () => {
    await world.writeCatalog(V1);
    const first = await world.central("catalog", "export", "--format", "json");
    expect(first.code).toBe(0);
    const built: unknown = JSON.parse(first.stdout);
    expect(built).toMatchObject({
      name: "CATALOG_20261130T200100_000001.zip",
      sequence: 1,
      articles: 3,
      families: 3,
      from: "catalog/",
      out: null,
    });
    await world.writeCatalog(V2);
    const second = await world.central("catalog", "export", "--out", join(world.root, "x.zip"));
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      `catalogue #2 built from catalog/: 3 articles, 3 families\n  ${join(world.root, "catalog", "published", "CATALOG_20261130T200200_000002.zip")}\n  copied to ${join(world.root, "x.zip")}\n`,
    );
    expect(await readdir(join(world.root, "catalog", "published"))).toEqual([
      "CATALOG_20261130T200100_000001.zip",
      "CATALOG_20261130T200200_000002.zip",
    ]);
  });

  it("refuses to build without head office's key", async () => {
    await world.writeCatalog(V1);
    await writeFile(join(world.root, "central.key"), "", { mode: 0o600 });
    const result = await world.central("catalog", "export");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `catalog.key: ${join(world.root, "central.key")} is not an Ed25519 private key in PEM form`,
    );
  });
});

describe("caisse-export catalog import", () => {
  const published = (sequence: number, minute: number): string =>
    join(
      world.root,
      "catalog",
      "published",
      `CATALOG_20261130T20${String(minute).padStart(2, "0")}00_${String(sequence).padStart(6, "0")}.zip`,
    );

  it("applies a signed catalogue and prints exactly what changed", async () => {
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    await world.writeCatalog(V2);
    expect((await world.central("catalog", "export")).code).toBe(0);

    const first = await world.till("catalog", "import", published(1, 1));
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      [
        `catalogue #1 (CATALOG_20261130T200100_000001.zip) applied to ${world.catalogDir}`,
        "articles: 3 added, 0 changed, 0 removed (3 in all)",
        "  added: A1, A2, A3",
        "families: 3 added, 0 changed, 0 removed (3 in all)",
        "  added: BOU, EPI, HYG",
        "",
      ].join("\n"),
    );
    expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V1.articles);
    expect(await readFile(join(world.catalogDir, "familles.csv"), "utf8")).toBe(V1.familles);

    const second = await world.till("catalog", "import", published(2, 2), "--format", "json");
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      applied: true,
      name: "CATALOG_20261130T200200_000002.zip",
      sequence: 2,
      created: "2026-11-30T20:02:00+00:00",
      dir: world.catalogDir,
      articles: {
        added: ["A4"],
        changed: [{ code: "A1", fields: ["prix_ttc"] }],
        removed: ["A3"],
        total: 3,
      },
      families: {
        added: ["FRA"],
        changed: [{ code: "EPI", fields: ["libelle"] }],
        removed: ["HYG"],
        total: 3,
      },
    });
    expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V2.articles);
    expect(await readdir(world.catalogDir)).toEqual(["articles.csv", "familles.csv"]);
    expect(await readdir(world.tillDir)).toEqual([
      "caisse-export-state",
      "caisse-export.json",
      "catalogue",
      "donnees",
    ]);
    const state: unknown = JSON.parse(
      await readFile(join(world.tillDir, "caisse-export-state", "catalog.json"), "utf8"),
    );
    expect(state).toMatchObject({ sequence: 2, name: "CATALOG_20261130T200200_000002.zip" });

    const again = await world.till("catalog", "import", published(2, 2));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      "catalogue #2 (CATALOG_20261130T200200_000002.zip) is already applied: nothing changed\n",
    );

    const older = await world.till("catalog", "import", published(1, 1));
    expect(older.code).toBe(3);
    expect(older.stderr).toContain(
      "E_CATALOG_OLDER: CATALOG_20261130T200100_000001.zip is catalogue #1, not newer than #2 applied on",
    );
    expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V2.articles);
  });

  it("says what changed in French where the till's locale is French", async () => {
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    await world.writeCatalog(V2);
    expect((await world.central("catalog", "export")).code).toBe(0);
    world.env.LANG = "fr_FR.UTF-8";
    const first = await world.till("catalog", "import", published(1, 1));
    expect(first.stdout).toBe(
      [
        `catalogue n° 1 (CATALOG_20261130T200100_000001.zip) appliqué dans ${world.catalogDir}`,
        "articles : 3 ajoutés, 0 modifié, 0 supprimé (3 en tout)",
        "  ajoutés : A1, A2, A3",
        "familles : 3 ajoutées, 0 modifiée, 0 supprimée (3 en tout)",
        "  ajoutées : BOU, EPI, HYG",
        "",
      ].join("\n"),
    );
    const second = await world.till("catalog", "import", published(2, 2));
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      [
        `catalogue n° 2 (CATALOG_20261130T200200_000002.zip) appliqué dans ${world.catalogDir}`,
        "articles : 1 ajouté, 1 modifié, 1 supprimé (3 en tout)",
        "  ajouté : A4",
        "  modifié : A1 (prix_ttc)",
        "  supprimé : A3",
        "familles : 1 ajoutée, 1 modifiée, 1 supprimée (3 en tout)",
        "  ajoutée : FRA",
        "  modifiée : EPI (libelle)",
        "  supprimée : HYG",
        "",
      ].join("\n"),
    );
    const again = await world.till("catalog", "import", published(2, 2));
    expect(again.stdout).toBe(
      "catalogue n° 2 (CATALOG_20261130T200200_000002.zip) déjà appliqué : rien n'a changé\n",
    );
    // The JSON does not change with the language.
    const json = await world.till("catalog", "import", published(2, 2), "--format", "json");
    expect(JSON.parse(json.stdout)).toMatchObject({ applied: false, sequence: 2 });
    // Nothing sent to the till's folder yet: fetch finds none.
    expect((await world.till("catalog", "fetch")).stdout).toBe(
      "aucun catalogue n'est encore publié : rien n'a changé\n",
    );
  });

  it("sends the catalogue to a folder, where catalog fetch finds the newest one", async () => {
    await configure([{ type: "dir", path: "depot" }]);
    const none = await world.till("catalog", "fetch");
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("no catalogue is published yet: nothing changed\n");
    const unsent = await world.central("catalog", "send");
    expect(unsent.code).toBe(2);
    expect(unsent.stderr).toContain("E_CATALOG_NONE");

    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    await world.writeCatalog(V2);
    expect((await world.central("catalog", "export")).code).toBe(0);
    const sent = await world.central("catalog", "send");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toBe(
      `catalogue #2 (CATALOG_20261130T200400_000002.zip):\n  sent  dir ${world.depot}: ${join(world.depot, "CATALOG_20261130T200400_000002.zip")}\n`,
    );
    // A download a crash interrupted left its folder behind: the next fetch removes it.
    const leftover = join(world.tillDir, "caisse-export-state", "catalog-download-x1Y2z3");
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, "CATALOG_20261130T200400_000002.zip"), "half");
    const fetched = await world.till("catalog", "fetch", "--format", "json");
    expect(fetched.code).toBe(0);
    expect(JSON.parse(fetched.stdout)).toMatchObject({ applied: true, sequence: 2 });
    expect(await readFile(join(world.catalogDir, "familles.csv"), "utf8")).toBe(V2.familles);
    expect(await readdir(join(world.tillDir, "caisse-export-state"))).toEqual([
      "catalog.json",
      "outbox",
    ]);
    // The source keeps it: every till takes the same catalogue.
    expect(await readdir(world.depot)).toEqual(["CATALOG_20261130T200400_000002.zip"]);
    const twice = await world.till("catalog", "fetch");
    expect(twice.code).toBe(0);
    expect(twice.stdout).toBe(
      "catalogue #2 is the newest published, and #2 is applied: nothing changed\n",
    );
    world.env.LANG = "fr_FR.UTF-8";
    expect((await world.till("catalog", "fetch")).stdout).toBe(
      "le catalogue n° 2 est le plus récent publié, et le n° 2 est appliqué : rien n'a changé\n",
    );
  });

  it("looks in the catalog folder beside the transport's when no source is given", async () => {
    await configure([{ type: "dir", path: "depot/catalog" }]);
    await writeFile(
      join(world.tillDir, "caisse-export.json"),
      JSON.stringify({
        till: "D01",
        data: "donnees",
        transport: { type: "dir", path: world.depot },
        catalog: { dir: "catalogue", centralKey: world.publicKey },
      }),
    );
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    await mkdir(join(world.depot, "catalog"));
    expect((await world.central("catalog", "send")).code).toBe(0);
    const fetched = await world.till("catalog", "fetch");
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toContain("catalogue #1 (CATALOG_20261130T200100_000001.zip) applied");
  });
});

describe("caisse-central catalog send by mail", () => {
  it("mails the catalogue to every enabled till with an address, which the till imports", async () => {
    const certificate = await makeCertificate("smtp-catalog");
    const server = await startSmtpServer({
      mode: "starttls",
      certificate,
      user: "siege@example.test",
      password: "smtp-Catalog-Secret-91b2",
    });
    try {
      for (const [ref, extra] of [
        ["D01", ["--mail", "magasin1@example.test"]],
        ["D02", ["--mail", "magasin2@example.test"]],
        ["D03", []],
      ] as const) {
        expect((await world.central("tills", "add", ref, "--name", ref, ...extra)).code).toBe(0);
      }
      expect((await world.central("tills", "disable", "D02")).code).toBe(0);
      await world.writeCatalog(V1);
      expect((await world.central("catalog", "export")).code).toBe(0);

      // Addresses but no server: refused before anything is sent.
      const unconfigured = await world.central("catalog", "send");
      expect(unconfigured.code).toBe(2);
      expect(unconfigured.stderr).toContain(
        'D01 has a mail address for the catalogue, but caisse-central.json has no "smtp" section',
      );
      expect(server.connections).toBe(0);

      await configure([], {
        smtp: {
          host: "127.0.0.1",
          port: server.port,
          secure: "starttls",
          user: "siege@example.test",
          passwordEnv: "CAISSE_SMTP_PASSWORD",
          from: "Siège <siege@example.test>",
          ca: certificate.cert,
        },
      });
      world.env.CAISSE_SMTP_PASSWORD = "smtp-Catalog-Secret-91b2";
      const sent = await world.central("catalog", "send", "--format", "json");
      expect(sent.stderr).toBe("");
      expect(sent.code).toBe(0);
      expect(JSON.parse(sent.stdout)).toMatchObject({
        name: "CATALOG_20261130T200500_000001.zip",
        sequence: 1,
        deliveries: [{ destination: "mail D01 magasin1@example.test", ok: true, code: null }],
      });
      expect(sent.stdout).not.toContain("smtp-Catalog-Secret-91b2");
      expect(server.received.map((mail) => mail.to)).toEqual([["magasin1@example.test"]]);
      const mail = server.received[0];
      if (mail === undefined) throw new Error("no mail");
      expect(mail.secure).toBe(true);
      const attachment = partsOf(mail.raw).find((part) =>
        (part.headers.get("content-disposition") ?? "").includes("attachment"),
      );
      const published = join(
        world.root,
        "catalog",
        "published",
        "CATALOG_20261130T200500_000001.zip",
      );
      expect(attachment?.body.equals(await readFile(published))).toBe(true);

      // The till saves the attachment and imports it.
      const saved = join(world.tillDir, "CATALOG_20261130T200500_000001.zip");
      await writeFile(saved, attachment?.body ?? Buffer.alloc(0));
      const imported = await world.till("catalog", "import", saved);
      expect(imported.code).toBe(0);
      expect(await readFile(join(world.catalogDir, "articles.csv"), "utf8")).toBe(V1.articles);
    } finally {
      await server.close();
    }
  });
});

describe("mistakes said plainly", () => {
  it("catalog export --from-till takes the till's files, and refuses two of a kind", async () => {
    expect((await world.central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
    const tillData = join(world.root, "tills", "D01", "donnees");
    await mkdir(tillData, { recursive: true });
    await writeFile(join(tillData, "Articles.csv"), V1.articles);
    await writeFile(join(tillData, "familles_2026.csv"), V1.familles);
    const built = await world.central(
      "catalog",
      "export",
      "--from-till",
      "d01",
      "--format",
      "json",
    );
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({
      sequence: 1,
      articles: 3,
      families: 3,
      from: "tills/D01/donnees/Articles.csv, tills/D01/donnees/familles_2026.csv",
    });
    await writeFile(join(tillData, "articles-old.csv"), V1.articles);
    const twice = await world.central("catalog", "export", "--from-till", "D01");
    expect(twice.code).toBe(3);
    expect(twice.stderr).toContain(
      "tills/D01/articles*.csv: till D01 has 2 articles*.csv files (tills/D01/donnees/Articles.csv, tills/D01/donnees/articles-old.csv)",
    );
    const unknown = await world.central("catalog", "export", "--from-till", "D09");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("E_TILL_UNKNOWN");
  });

  it("catalog import without a file, a catalog section, or its folder", async () => {
    const missing = await world.till("catalog", "import", "nowhere.zip");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `E_USAGE: ${join(world.tillDir, "nowhere.zip")} is not a file`,
    );
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    const file = join(world.root, "catalog", "published", "CATALOG_20261130T200200_000001.zip");
    await world.writeTillConfig({ dir: "catalogue" });
    const noKey = await world.till("catalog", "import", file);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain(
      "catalog.centralKey is missing: a catalogue is applied only when signed by head office",
    );
    await world.writeTillConfig({ dir: "ailleurs", centralKey: world.publicKey });
    const noDir = await world.till("catalog", "import", file);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain(
      `the catalogue folder ${join(world.tillDir, "ailleurs")} (config key catalog.dir) does not exist or is not a folder`,
    );
  });
});

describe("caisse-export doctor", () => {
  it("checks the catalog section: folder, head office's key, the source listed", async () => {
    await configure([{ type: "dir", path: "depot" }]);
    await world.writeCatalog(V1);
    expect((await world.central("catalog", "export")).code).toBe(0);
    expect((await world.central("catalog", "send")).code).toBe(0);
    const ok = await world.till("doctor", "--format", "json");
    const checks = (JSON.parse(ok.stdout) as { checks: Record<string, unknown>[] }).checks;
    expect(checks.filter((check) => check.subject === "catalog")).toEqual([
      { subject: "catalog", step: "folder", ok: true, detail: world.catalogDir },
      { subject: "catalog", step: "head office's key", ok: true, detail: world.publicKey },
      {
        subject: "catalog",
        step: `list dir ${world.depot}`,
        ok: true,
        detail: "newest published: #1 (catalog/CATALOG_20261130T200100_000001.zip)",
      },
    ]);
    await world.writeTillConfig({ dir: "ailleurs", source: { type: "dir", path: "nulle-part" } });
    const bad = await world.till("doctor", "--format", "json");
    expect(bad.code).toBe(1);
    const failed = (JSON.parse(bad.stdout) as { checks: Record<string, unknown>[] }).checks.filter(
      (check) => check.subject === "catalog",
    );
    expect(failed.map((check) => [check.step, check.ok])).toEqual([
      ["folder", false],
      ["head office's key", false],
      ["list the source", false],
    ]);
  });
});

describe("caisse-central doctor", () => {
  it("checks the signing key and every catalog.send destination for real", async () => {
    await configure([
      { type: "dir", path: "depot" },
      { type: "dir", path: "nulle-part" },
    ]);
    const result = await world.central("doctor", "--format", "json");
    expect(result.code).toBe(1);
    const checks = (JSON.parse(result.stdout) as { checks: Record<string, unknown>[] }).checks;
    expect(
      checks
        .filter((check) => String(check.subject).startsWith("catalog"))
        .map((check) => [check.subject, check.step, check.ok]),
    ).toEqual([
      ["catalog", "signing key", true],
      [`catalog send (dir ${world.depot})`, "folder", true],
      [`catalog send (dir ${world.depot})`, "write a probe file", true],
      [`catalog send (dir ${world.depot})`, "remove the probe file", true],
      [`catalog send (dir ${join(world.root, "nulle-part")})`, "folder", false],
    ]);
    expect(await readdir(world.depot)).toEqual([]);
  });
});

import { main as central } from "@caisse/central";
import { main as till } from "@caisse/export";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { captureContext, temporaryFolder, type Captured } from "../helpers/cli.js";

/** A catalogue's two files, as head office writes them. */
export const V1 = {
  articles:
    "article;libelle;famille;prix_ttc;taux_tva\r\nA1;Pain;BOU;1,20;5,5\r\nA2;Lait;EPI;0,99;5,5\r\nA3;Savon;HYG;2,50;20\r\n",
  familles: "famille;libelle\r\nBOU;Boulangerie\r\nEPI;Epicerie\r\nHYG;Hygiène\r\n",
};

/** V1 with A1's price changed, A3 removed, A4 added; EPI renamed, HYG removed, FRA added. */
export const V2 = {
  articles:
    "article;libelle;famille;prix_ttc;taux_tva;prix_achat_ht\r\nA1;Pain;BOU;1,30;5,5;\r\nA2;Lait;EPI;0,99;5,5;\r\nA4;Yaourt;FRA;2,10;5,5;1,05\r\n",
  familles: "famille;libelle\r\nBOU;Boulangerie\r\nEPI;Épicerie\r\nFRA;Frais\r\n",
};

/** A central root with a key, and a till whose catalogue comes from the root's `depot/`. */
export interface CatalogWorld {
  root: string;
  tillDir: string;
  catalogDir: string;
  depot: string;
  publicKey: string;
  /** The environment every command runs with (passwords of test servers). */
  env: Record<string, string | undefined>;
  central(...argv: string[]): Promise<Captured>;
  till(...argv: string[]): Promise<Captured>;
  writeCatalog(files: { articles: string; familles: string }): Promise<void>;
  writeTillConfig(catalog: Record<string, unknown>): Promise<void>;
  remove(): Promise<void>;
}

/** Time moves on by a minute at each command (from 20:01), so each catalogue has its own name. */
export async function catalogWorld(): Promise<CatalogWorld> {
  const folder = await temporaryFolder("caisse-catalog-");
  const root = join(folder.path, "central");
  const tillDir = join(folder.path, "till");
  const depot = join(root, "depot");
  let minutes = 0;
  const env: Record<string, string | undefined> = {};
  const run =
    (program: typeof central, args: string[], cwd: string) =>
    async (...argv: string[]): Promise<Captured> => {
      const at = new Date(Date.UTC(2026, 10, 30, 20, minutes++, 0));
      const { ctx, output } = captureContext(cwd, env, () => at);
      const code = await program([...args, ...argv], ctx);
      return { code, ...output() };
    };
  await mkdir(root, { recursive: true });
  await mkdir(join(tillDir, "donnees"), { recursive: true });
  await mkdir(join(tillDir, "catalogue"), { recursive: true });
  await mkdir(depot, { recursive: true });
  const world: CatalogWorld = {
    root,
    tillDir,
    catalogDir: join(tillDir, "catalogue"),
    depot,
    publicKey: "",
    env,
    central: run(central, ["--root", root], root),
    till: run(till, ["--config", join(tillDir, "caisse-export.json")], tillDir),
    async writeCatalog(files) {
      await mkdir(join(root, "catalog"), { recursive: true });
      await writeFile(join(root, "catalog", "articles.csv"), files.articles);
      await writeFile(join(root, "catalog", "familles.csv"), files.familles);
    },
    async writeTillConfig(catalog) {
      await writeFile(
        join(tillDir, "caisse-export.json"),
        JSON.stringify({ till: "D01", data: "donnees", catalog }, null, 2),
      );
    },
    remove: folder.remove,
  };
  if ((await world.central("init")).code !== 0) throw new Error("init failed");
  const keygen = await world.central("keygen", "--write-config");
  if (keygen.code !== 0) throw new Error(`keygen failed: ${keygen.stderr}`);
  world.publicKey = keygen.stdout.trim();
  // The first command of a test runs at 20:01.
  minutes = 1;
  await world.writeTillConfig({
    dir: "catalogue",
    centralKey: world.publicKey,
    source: { type: "dir", path: depot },
  });
  return world;
}

import { main } from "@caisse/export";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { captureContext, temporaryFolder, type Captured } from "../helpers/cli.js";

/**
 * A till in a temporary folder:
 *
 *     <dir>/caisse-export.json   (written by `writeConfig`)
 *     <dir>/donnees/             the data directory
 *     <dir>/depot/               the dir transport's folder (absent until created)
 *     <dir>/caisse-export-state/ made by the commands
 */
export interface Till {
  dir: string;
  data: string;
  share: string;
  outbox: string;
  /** Runs caisse-export in-process in `dir` (or `cwd`), with this environment and clock. */
  run(
    argv: readonly string[],
    options?: { cwd?: string; env?: Record<string, string | undefined>; now?: Date },
  ): Promise<Captured>;
  writeConfig(config: Record<string, unknown>): Promise<void>;
  writeData(files: Record<string, string>): Promise<void>;
  outboxNames(): Promise<string[]>;
  shareNames(): Promise<string[]>;
  readState(): Promise<Record<string, unknown>>;
  remove(): Promise<void>;
}

export const DEFAULT_CONFIG = {
  till: "D01",
  name: "Magasin 1",
  data: "donnees",
  transport: { type: "dir", path: "depot" },
};

async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

export async function makeTill(
  options: { config?: Record<string, unknown> | null } = {},
): Promise<Till> {
  const folder = await temporaryFolder("caisse-export-");
  const dir = folder.path;
  const data = join(dir, "donnees");
  const till: Till = {
    dir,
    data,
    share: join(dir, "depot"),
    outbox: join(dir, "caisse-export-state", "outbox"),
    async run(argv, runOptions = {}) {
      const now = runOptions.now;
      const { ctx, output } = captureContext(
        runOptions.cwd ?? dir,
        runOptions.env ?? {},
        () => now ?? new Date(),
      );
      const code = await main(argv, ctx);
      return { code, ...output() };
    },
    async writeConfig(config) {
      await writeFile(join(dir, "caisse-export.json"), `${JSON.stringify(config, null, 2)}\n`);
    },
    async writeData(files) {
      for (const [name, content] of Object.entries(files)) {
        await mkdir(dirname(join(data, name)), { recursive: true });
        await writeFile(join(data, name), content);
      }
    },
    outboxNames: () => namesIn(till.outbox),
    shareNames: () => namesIn(till.share),
    async readState() {
      return JSON.parse(
        await readFile(join(dir, "caisse-export-state", "state.json"), "utf8"),
      ) as Record<string, unknown>;
    },
    remove: folder.remove,
  };
  await till.writeData({
    "ventes.csv":
      "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n1;2026-11-27 10:00;A1;EPI;1;2,50;5,5\n",
  });
  if (options.config !== null) await till.writeConfig(options.config ?? DEFAULT_CONFIG);
  return till;
}

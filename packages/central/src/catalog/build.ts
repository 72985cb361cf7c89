import {
  buildArchive,
  CATALOG_FILES,
  CATALOG_PUBLISHER,
  catalogArchiveName,
  catalogInvalid,
  fileKindOf,
  ioError,
  loadSigningKey,
  catalogSizeProblem,
  readCatalog,
  walkFiles,
  withLock,
  writeFileAtomic,
  type CatalogFileName,
  type CatalogRead,
  type CatalogProblem,
} from "@caisse/core";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { requireTill, tillDirectory } from "../config.js";
import type { Central } from "../context.js";
import { listFolder } from "../journalCheck.js";
import { lastPublished, manifestSha256Of, publishedFolder } from "./published.js";

/**
 * `caisse-central catalog export` (see docs/catalogue.md): checks the reference catalogue's two
 * files, then builds the signed catalogue archive under catalog/published/.
 */

export interface CatalogExportOptions {
  /** `--from-till REF`: take that till's articles*.csv and familles*.csv instead of catalog/. */
  fromTill?: string | undefined;
  /** `--out FILE`: also copy the archive there (absolute path). */
  out?: string | undefined;
  now: () => Date;
}

export interface CatalogExportResult {
  /** The archive under catalog/published/. */
  file: string;
  name: string;
  sequence: number;
  created: string;
  articles: number;
  families: number;
  /** Where the files came from: `catalog/` or `tills/D01/articles.csv, ...`. */
  from: string;
  out: string | null;
}

/** How head office's key file is named in messages. */
export const KEY_LABELS = {
  configKey: "catalog.key",
  keygen: "caisse-central keygen",
  missingHint: "make head office's key pair with 'caisse-central keygen --write-config'.",
} as const;

/** A catalogue file found, with how it is named in messages. */
interface Found {
  path: string;
  shown: string;
}

type Sources = Record<CatalogFileName, Found | undefined>;

function shownPath(central: Central, path: string): string {
  const inside = relative(central.paths.root, path);
  return inside.startsWith("..") ? path : inside.replaceAll("\\", "/");
}

/** `articles.csv` and `familles.csv` of catalog/, whatever their case. */
async function catalogFolderFiles(central: Central, problems: CatalogProblem[]): Promise<Sources> {
  const entries = await listFolder(central.paths.catalog);
  const sources: Sources = { "articles.csv": undefined, "familles.csv": undefined };
  for (const name of CATALOG_FILES) {
    const entry = entries.find((candidate) => candidate.name.toLowerCase() === name);
    const shown = `catalog/${entry?.name ?? name}`;
    if (entry?.isFile() !== true) {
      problems.push({ file: shown, line: undefined, reason: "the file does not exist" });
    } else sources[name] = { path: join(central.paths.catalog, entry.name), shown };
  }
  return sources;
}

/** The till's one `articles*.csv` and one `familles*.csv`, wherever they are in its directory. */
async function tillFiles(
  central: Central,
  ref: string,
  problems: CatalogProblem[],
): Promise<Sources> {
  const till = requireTill(central.config, ref);
  const dir = tillDirectory(central.paths, till);
  const found: Record<CatalogFileName, Found[]> = { "articles.csv": [], "familles.csv": [] };
  try {
    for await (const file of walkFiles(dir)) {
      const kind = fileKindOf(file.relative);
      if (kind === "articles" || kind === "familles")
        found[`${kind}.csv`].push({
          path: file.absolute,
          shown: shownPath(central, file.absolute),
        });
    }
  } catch (error) {
    throw ioError("read the till's directory", dir, error);
  }
  const sources: Sources = { "articles.csv": undefined, "familles.csv": undefined };
  for (const name of CATALOG_FILES) {
    const files = found[name];
    const pattern = `${name.slice(0, -4)}*.csv`;
    if (files.length === 1) sources[name] = files[0];
    else if (files.length === 0) {
      problems.push({
        file: `${shownPath(central, dir)}/${pattern}`,
        line: undefined,
        reason: `till ${till.ref} has no ${pattern} file`,
      });
    } else {
      problems.push({
        file: `${shownPath(central, dir)}/${pattern}`,
        line: undefined,
        reason: `till ${till.ref} has ${files.length} ${pattern} files (${files.map((file) => file.shown).join(", ")}); keep one, or put the reference catalogue in catalog/`,
      });
    }
  }
  return sources;
}

/** Copies the files into the build folder under their catalogue names, size bounded first. */
async function stageSources(
  sources: Sources,
  into: string,
  problems: CatalogProblem[],
): Promise<void> {
  for (const name of CATALOG_FILES) {
    const source = sources[name];
    if (source === undefined) continue;
    const { size } = await stat(source.path).catch((error: unknown) => {
      throw ioError("read", source.path, error);
    });
    const tooLarge = catalogSizeProblem(source.shown, size);
    if (tooLarge !== undefined) {
      problems.push(tooLarge);
      continue;
    }
    await copyFile(source.path, join(into, name)).catch((error: unknown) => {
      throw ioError("copy", source.path, error);
    });
  }
}

/** Builds the catalogue archive; E_CATALOG_INVALID listing the bad rows builds nothing. */
export async function exportCatalog(
  central: Central,
  options: CatalogExportOptions,
): Promise<CatalogExportResult> {
  const { paths, config } = central;
  // First: without the key nothing can be published, whatever the files hold.
  const sign = await loadSigningKey(config.catalog.key, KEY_LABELS);
  return withLock(paths.lock, "caisse-central catalog export", async () => {
    await mkdir(paths.work, { recursive: true }).catch((error: unknown) => {
      throw ioError("create the folder", paths.work, error);
    });
    const build = await mkdtemp(join(paths.work, "catalog-build-"));
    try {
      const problems: CatalogProblem[] = [];
      const sources =
        options.fromTill === undefined
          ? await catalogFolderFiles(central, problems)
          : await tillFiles(central, options.fromTill, problems);
      const staged = join(build, "files");
      await mkdir(staged);
      await stageSources(sources, staged, problems);
      const shownOf = (name: CatalogFileName): string => sources[name]?.shown ?? name;
      const read =
        problems.length > 0
          ? undefined
          : await readCatalog({
              articles: { path: join(staged, "articles.csv"), shown: shownOf("articles.csv") },
              familles: { path: join(staged, "familles.csv"), shown: shownOf("familles.csv") },
            });
      if (read !== undefined) problems.push(...read.problems, ...coherence(read, shownOf));
      const from =
        options.fromTill === undefined
          ? "catalog/"
          : CATALOG_FILES.map((name) => shownOf(name)).join(", ");
      if (read === undefined || problems.length > 0) {
        throw catalogInvalid(
          `the catalogue (${from}) cannot be published`,
          problems,
          "fix the files and rows listed, then run 'caisse-central catalog export' again; nothing was built.",
        );
      }
      const last = await lastPublished(paths);
      const sequence = (last?.sequence ?? 0) + 1;
      const created = options.now();
      const folder = publishedFolder(paths);
      await mkdir(folder, { recursive: true }).catch((error: unknown) => {
        throw ioError("create the folder", folder, error);
      });
      const built = await buildArchive(
        {
          dataDir: staged,
          files: await Promise.all(
            CATALOG_FILES.map(async (name) => ({
              path: name,
              absolute: join(staged, name),
              size: (await stat(join(staged, name))).size,
            })),
          ),
          skipped: [],
          totalBytes: 0,
        },
        {
          outPath: join(folder, catalogArchiveName(created, sequence)),
          till: CATALOG_PUBLISHER.till,
          name: CATALOG_PUBLISHER.name,
          sequence,
          previous: last === undefined ? null : await manifestSha256Of(last.path),
          created,
          kind: "catalog",
          sign,
        },
      );
      let out: string | null = null;
      if (options.out !== undefined) {
        out = options.out;
        await writeFileAtomic(out, await readFile(built.path));
      }
      return {
        file: built.path,
        name: catalogArchiveName(created, sequence),
        sequence,
        created: built.manifest.created,
        articles: read.content.articles.size,
        families: read.content.families.size,
        from,
        out,
      };
    } finally {
      await rm(build, { recursive: true, force: true });
    }
  });
}

/**
 * What makes a catalogue unfit for the tills although each row reads: no article at all (it
 * would empty every till's catalogue), an article of a family that familles.csv does not have.
 */
function coherence(
  read: CatalogRead,
  shownOf: (name: CatalogFileName) => string,
): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const { articles, families } = read.content;
  if (read.problems.length === 0 && articles.size === 0) {
    problems.push({
      file: shownOf("articles.csv"),
      line: undefined,
      reason: "it holds no article: publishing it would empty every till's catalogue",
    });
  }
  for (const article of articles.values()) {
    if (!families.has(article.family)) {
      problems.push({
        file: shownOf("articles.csv"),
        line: read.lines.articles.get(article.article),
        reason: `article '${article.article}' is in family '${article.family}', which ${shownOf("familles.csv")} does not have`,
      });
    }
  }
  return problems;
}

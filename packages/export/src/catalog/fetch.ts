import { CaisseError, catalogSequenceOfName, MAX_CATALOG_ARCHIVE_BYTES } from "@caisse/core";
import { createSource, type SourceItem, type TransportConfig } from "@caisse/transports";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import type { ExportConfig } from "../config.js";

/**
 * Where `catalog fetch` looks for head office's catalogue (see docs/catalogue.md): `catalog.source`,
 * else the `catalog` folder inside the folder the till sends its archives to (same server, same
 * login), so that the central, which collects `*.zip` from that folder, never takes a catalogue.
 */
export function catalogSource(config: ExportConfig): TransportConfig {
  const given = config.catalog?.source;
  if (given !== undefined) return given;
  const transport = config.transport;
  if (transport?.type === "dir") return { ...transport, path: join(transport.path, "catalog") };
  if (transport?.type === "ftp" || transport?.type === "sftp")
    return { ...transport, dir: posix.join(transport.dir, "catalog") };
  throw new CaisseError(
    "E_CONFIG",
    `${config.file}: 'catalog fetch' needs catalog.source, or a transport it can look beside`,
    {
      details: { path: config.file, key: "catalog.source" },
      hint: 'add for example "source": { "type": "dir", "path": "//siege/caisse/catalog" } to "catalog" (see docs/catalogue.md).',
    },
  );
}

/** The temporary folders `catalog fetch` downloads into, in the state folder. */
const DOWNLOAD_PREFIX = "catalog-download-";

/** The published catalogue with the highest sequence among the source's items. */
export function newestCatalog(
  items: readonly SourceItem[],
): { item: SourceItem; sequence: number } | undefined {
  let newest: { item: SourceItem; sequence: number } | undefined;
  for (const item of items) {
    const sequence = catalogSequenceOfName(basename(item.id));
    if (sequence !== undefined && (newest === undefined || sequence > newest.sequence))
      newest = { item, sequence };
  }
  return newest;
}

export interface FetchedCatalog {
  /** What the source offered: the newest catalogue's sequence, or undefined when none. */
  sequence: number | undefined;
  /** The label of the item, for the log. */
  label: string | undefined;
}

/**
 * Lists the source, and when its newest catalogue is newer than `lastSequence`, downloads it into
 * a temporary folder beside the state and hands its path to `apply`. Nothing is moved or removed at
 * the source: every till takes the same catalogue.
 */
export async function fetchCatalog<T>(
  config: ExportConfig,
  options: {
    stateDir: string;
    lastSequence: number | undefined;
    env: Readonly<Record<string, string | undefined>>;
    signal?: AbortSignal | undefined;
  },
  apply: (file: string) => Promise<T>,
): Promise<FetchedCatalog & { applied: T | undefined }> {
  const source = createSource(catalogSource(config), "catalog", {
    env: options.env,
    signal: options.signal,
    maxDownloadBytes: MAX_CATALOG_ARCHIVE_BYTES,
  });
  try {
    const newest = newestCatalog(await source.list());
    if (newest === undefined) return { sequence: undefined, label: undefined, applied: undefined };
    const found = { sequence: newest.sequence, label: newest.item.label };
    if (options.lastSequence !== undefined && newest.sequence <= options.lastSequence)
      return { ...found, applied: undefined };
    // A download a crash interrupted left its folder: the caller holds the lock, so none is in use.
    for (const name of await readdir(options.stateDir)) {
      if (name.startsWith(DOWNLOAD_PREFIX))
        await rm(join(options.stateDir, name), { recursive: true, force: true });
    }
    const folder = await mkdtemp(join(options.stateDir, DOWNLOAD_PREFIX));
    try {
      const files = await source.download(newest.item, folder);
      const file = files[0];
      if (file === undefined) return { ...found, applied: undefined };
      return { ...found, applied: await apply(file) };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  } finally {
    await source.close();
  }
}

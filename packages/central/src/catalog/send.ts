import {
  CaisseError,
  CATALOG_PUBLISHER,
  isCaisseError,
  openArchive,
  CATALOG_LIMITS,
} from "@caisse/core";
import { createSender, describeTransport, type OutgoingArchive } from "@caisse/transports";
import { stat } from "node:fs/promises";
import type { Central } from "../context.js";
import { lastPublished } from "./published.js";

/**
 * `caisse-central catalog send` (see docs/catalogue.md): the last catalogue built by `catalog
 * export`, copied to every destination of `catalog.send`. One destination that fails does not
 * stop the others.
 */

export interface CatalogDelivery {
  /** `dir /srv/depot/catalog`, `sftp depot@host:22/catalog`: never a secret. */
  destination: string;
  ok: boolean;
  /** Where it went, or why it failed. */
  detail: string;
  error: CaisseError | null;
}

export interface CatalogSendResult {
  name: string;
  sequence: number;
  deliveries: CatalogDelivery[];
}

export interface CatalogSendOptions {
  env: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal | undefined;
}

export async function sendCatalog(
  central: Central,
  options: CatalogSendOptions,
): Promise<CatalogSendResult> {
  const destinations = central.config.catalog.send;
  if (destinations.length === 0) {
    throw new CaisseError("E_CATALOG_NONE", "there is nowhere to send the catalogue to", {
      details: { key: "catalog.send" },
      hint: 'add "catalog": { "send": [{ "type": "sftp", ..., "dir": "/depot/catalog" }] } to caisse-central.json (see docs/catalogue.md).',
    });
  }
  const last = await lastPublished(central.paths);
  if (last === undefined) {
    throw new CaisseError("E_CATALOG_NONE", "no catalogue was built yet (catalog/published/ is empty)", {
      hint: "build it first: caisse-central catalog export",
    });
  }
  const archive = await openArchive(last.path, { limits: CATALOG_LIMITS });
  const manifest = archive.manifest?.value;
  await archive.close();
  const outgoing: OutgoingArchive = {
    path: last.path,
    name: last.name,
    size: (await stat(last.path)).size,
    till: CATALOG_PUBLISHER.till,
    tillName: CATALOG_PUBLISHER.name,
    sequence: last.sequence,
    created: manifest?.created ?? "",
  };
  const deliveries: CatalogDelivery[] = [];
  for (const transport of destinations) {
    const destination = describeTransport(transport);
    const sender = createSender(transport, { env: options.env, signal: options.signal });
    try {
      const receipt = await sender.send(outgoing);
      deliveries.push({ destination, ok: true, detail: receipt.destination, error: null });
    } catch (error) {
      if (!isCaisseError(error) || error.errorClass === "rejected") throw error;
      deliveries.push({ destination, ok: false, detail: error.message, error });
    } finally {
      await sender.close();
    }
  }
  return { name: last.name, sequence: last.sequence, deliveries };
}

import {
  CaisseError,
  CATALOG_LIMITS,
  CATALOG_PUBLISHER,
  isCaisseError,
  openArchive,
  sha256OfFile,
} from "@caisse/core";
import {
  createSender,
  describeTransport,
  sendMessage,
  type MailMessage,
  type OutgoingArchive,
} from "@caisse/transports";
import type { TillRecord } from "../config.js";
import { stat } from "node:fs/promises";
import type { Central } from "../context.js";
import { lastPublished } from "./published.js";

/**
 * `caisse-central catalog send` (see docs/catalogue.md): the last catalogue built by `catalog
 * export`, copied to every destination of `catalog.send`, and mailed to every enabled till with a
 * `mail` address through the `smtp` section. One destination that fails does not stop the others.
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

/** The tills the catalogue is mailed to: enabled, with an address. */
function mailedTills(central: Central): TillRecord[] {
  return central.config.tills.filter((till) => till.enabled && till.mail !== undefined);
}

/** Nothing is sent unless every destination can be reached: checked before the first send. */
function checkDestinations(central: Central): void {
  const mailed = mailedTills(central);
  if (central.config.catalog.send.length === 0 && mailed.length === 0) {
    throw new CaisseError("E_CATALOG_NONE", "there is nowhere to send the catalogue to", {
      details: { key: "catalog.send" },
      hint: 'add "catalog": { "send": [{ "type": "sftp", ..., "dir": "/depot/catalog" }] } to caisse-central.json, or mail addresses to the tills (tills set REF --mail ADDRESS) with an "smtp" section (see docs/catalogue.md).',
    });
  }
  if (mailed.length > 0 && central.config.smtp === undefined) {
    throw new CaisseError(
      "E_CONFIG",
      `${mailed.map((till) => till.ref).join(", ")} ${mailed.length === 1 ? "has" : "have"} a mail address for the catalogue, but caisse-central.json has no "smtp" section to send it through`,
      {
        details: { key: "smtp" },
        hint: 'add "smtp": { "host": ..., "secure": "starttls", "user": ..., "passwordEnv": ..., "from": ... } (see docs/catalogue.md), or remove the addresses.',
      },
    );
  }
}

/** The mail of a catalogue: what it is, and how to apply it by hand. */
function catalogMessage(till: TillRecord, outgoing: OutgoingArchive, sha256: string): MailMessage {
  return {
    to: [till.mail ?? ""],
    subject: `caisse catalogue #${outgoing.sequence} ${outgoing.created.slice(0, 10)}`,
    text: [
      `The catalogue #${outgoing.sequence} published by head office on ${outgoing.created}, for ${till.ref} ${till.name}.`,
      "",
      `Attached: ${outgoing.name} (${outgoing.size} bytes, SHA-256 ${sha256}).`,
      "Save it on the till, then run:",
      `  caisse-export catalog import ${outgoing.name}`,
      "It is applied only when signed by head office and newer than the catalogue in place.",
      "",
    ].join("\n"),
    attachments: [{ filename: outgoing.name, path: outgoing.path }],
  };
}

export async function sendCatalog(
  central: Central,
  options: CatalogSendOptions,
): Promise<CatalogSendResult> {
  checkDestinations(central);
  const last = await lastPublished(central.paths);
  if (last === undefined) {
    throw new CaisseError(
      "E_CATALOG_NONE",
      "no catalogue was built yet (catalog/published/ is empty)",
      {
        hint: "build it first: caisse-central catalog export",
      },
    );
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
  const env = { env: options.env, signal: options.signal };
  const deliveries: CatalogDelivery[] = [];
  const attempt = async (destination: string, send: () => Promise<string>): Promise<void> => {
    try {
      deliveries.push({ destination, ok: true, detail: await send(), error: null });
    } catch (error) {
      if (!isCaisseError(error) || error.errorClass === "rejected") throw error;
      deliveries.push({ destination, ok: false, detail: error.message, error });
    }
  };
  for (const transport of central.config.catalog.send) {
    const sender = createSender(transport, env);
    try {
      await attempt(
        describeTransport(transport),
        async () => (await sender.send(outgoing)).destination,
      );
    } finally {
      await sender.close();
    }
  }
  const { smtp } = central.config;
  const mailed = mailedTills(central);
  if (smtp !== undefined && mailed.length > 0) {
    const sha256 = await sha256OfFile(last.path);
    for (const till of mailed) {
      await attempt(`mail ${till.ref} ${till.mail ?? ""}`, async () => {
        const receipt = await sendMessage(smtp, catalogMessage(till, outgoing, sha256), env);
        return `${receipt.server}: ${receipt.response}`;
      });
    }
  }
  return { name: last.name, sequence: last.sequence, deliveries };
}

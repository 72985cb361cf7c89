import { CaisseError } from "@caisse/core";
import { createDirSender } from "./dir/sender.js";
import type { Sender } from "./types.js";

/** `transport` of caisse-export.json for `dir`, with `path` already made absolute. */
export interface DirTransportConfig {
  type: "dir";
  /** Absolute path of the destination folder. */
  path: string;
}

/** A transport this version recognises but cannot use yet. */
export interface UnavailableTransportConfig {
  type: "ftp" | "mail";
}

export type TransportConfig = DirTransportConfig | UnavailableTransportConfig;

/** The sender for a validated `transport` config. */
export function createSender(config: TransportConfig): Sender {
  switch (config.type) {
    case "dir":
      return createDirSender({ path: config.path });
    case "ftp":
    case "mail":
      // The config validator refuses these with the key name; this guards other callers.
      throw new CaisseError(
        "E_CONFIG",
        `transport type '${config.type}' is not available in this version`,
        {
          details: { key: "transport.type", type: config.type },
          hint: 'use "type": "dir" with a folder (a network share, or the central\'s inbox).',
        },
      );
  }
}

/** A one-line description for logs and `status`, never holding a secret. */
export function describeTransport(config: TransportConfig): string {
  return config.type === "dir" ? `dir ${config.path}` : config.type;
}

import { compactLocalTime } from "../dates.js";

/**
 * `D01_20261127T230005_000042.zip`: an archive's name on a transport (see
 * docs/archive-format.md#names).
 */
export function archiveTransportName(
  till: string,
  created: Date | string,
  sequence: number,
): string {
  // A manifest's `created` keeps the till's own local time: use it as written, whatever the zone
  // of the machine reading it.
  const stamp =
    typeof created === "string"
      ? created.slice(0, 19).replace(/[-:]/gu, "")
      : compactLocalTime(created);
  return `${till}_${stamp}_${String(sequence).padStart(6, "0")}.zip`;
}

/** The parts of a transport name. */
export interface TransportNameParts {
  till: string;
  /** Local time `YYYYMMDDTHHMMSS`. */
  stamp: string;
  sequence: number;
}

const TRANSPORT_NAME = /^([A-Za-z0-9_-]{1,16})_(\d{8}T\d{6})_(\d{6,})\.zip$/u;

/** Reads `D01_20261127T230005_000042.zip`; undefined for any other name. */
export function parseArchiveTransportName(name: string): TransportNameParts | undefined {
  const match = TRANSPORT_NAME.exec(name);
  if (match === null) return undefined;
  const [, till, stamp, sequence] = match;
  if (till === undefined || stamp === undefined || sequence === undefined) return undefined;
  return { till, stamp, sequence: Number(sequence) };
}

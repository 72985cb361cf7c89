/**
 * The base of an incremental archive (manifest `"mode": "incremental"`, `"base": <sequence>`), read
 * from the manifest's bytes; undefined for a full archive. See docs/archive-format.md.
 */
export function incrementalBase(manifestBytes: Buffer | undefined): number | undefined {
  if (manifestBytes === undefined) return undefined;
  try {
    const { mode, base } = JSON.parse(manifestBytes.toString("utf8")) as {
      mode?: unknown;
      base?: unknown;
    };
    return mode === "incremental" && typeof base === "number" && Number.isSafeInteger(base)
      ? base
      : undefined;
  } catch {
    return undefined;
  }
}

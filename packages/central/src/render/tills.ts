import { oneLine } from "@caisse/core";
import { terminalTable } from "@caisse/cli";
import type { TillRecord } from "../config.js";

/** The till table as on the till software's "remote stations" screen: `D01 Magasin 1 c:\caisse1\ ✓`. */
export function renderTillsTable(
  tills: readonly TillRecord[],
  options: { color: boolean },
): string {
  if (tills.length === 0)
    return 'no till registered yet: caisse-central tills add D01 --name "Magasin 1" --path D01';
  const rows = tills.map((till) => [
    till.ref,
    oneLine(till.name),
    oneLine(till.path),
    till.enabled ? "✓" : "-",
    till.key === undefined ? "-" : "yes",
    oneLine(till.mail ?? "-"),
    oneLine(till.encoding ?? "auto"),
  ]);
  return terminalTable(
    ["Ref", "Name", "Path", "Enabled", "Key", "Mail", "Encoding"],
    rows,
    options,
  );
}

export function renderTillsJson(tills: readonly TillRecord[]): string {
  return JSON.stringify(
    tills.map((till) => ({
      ref: till.ref,
      name: till.name,
      path: till.path,
      enabled: till.enabled,
      key: till.key ?? null,
      mail: till.mail ?? null,
      encoding: till.encoding ?? null,
      columns: till.columns ?? {},
    })),
    null,
    2,
  );
}

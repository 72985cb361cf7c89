import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** The report index of the central `root`: each till it holds, with its stored fingerprint. */
export function storedFingerprints(root: string): Record<string, string> {
  const db = new DatabaseSync(join(root, "index", "reports.sqlite"), { readOnly: true });
  try {
    const rows = db.prepare("SELECT till, fingerprint FROM till ORDER BY till").all();
    return Object.fromEntries(rows.map((row) => [String(row.till), String(row.fingerprint)]));
  } finally {
    db.close();
  }
}

import { CATALOG_FILES } from "@caisse/core";
import { createSource, describeTransport, failedCheck, type DoctorCheck } from "@caisse/transports";
import { stat } from "node:fs/promises";
import type { ExportConfig } from "../config.js";
import { catalogSource, newestCatalog } from "./fetch.js";

/**
 * `doctor`'s checks of the `catalog` section (see docs/catalogue.md): the folder, head office's
 * key, and the source listed for real. Nothing when the till has no catalog section.
 */
export async function catalogChecks(
  config: ExportConfig,
  env: Readonly<Record<string, string | undefined>>,
): Promise<DoctorCheck[]> {
  const { catalog } = config;
  if (catalog === undefined) return [];
  const checks: DoctorCheck[] = [];
  const info = await stat(catalog.dir).catch(() => undefined);
  checks.push(
    info?.isDirectory() === true
      ? { subject: "catalog", step: "folder", ok: true, detail: catalog.dir }
      : {
          subject: "catalog",
          step: "folder",
          ok: false,
          detail: `${catalog.dir} does not exist or is not a folder`,
          fix: `check catalog.dir: the folder the till software reads ${CATALOG_FILES.join(" and ")} from.`,
        },
  );
  checks.push(
    catalog.centralKey === undefined
      ? {
          subject: "catalog",
          step: "head office's key",
          ok: false,
          detail: "catalog.centralKey is missing: no catalogue can be applied",
          fix: "add the public key printed by 'caisse-central keygen' as catalog.centralKey.",
        }
      : { subject: "catalog", step: "head office's key", ok: true, detail: catalog.centralKey },
  );
  let source;
  try {
    const sourceConfig = catalogSource(config);
    source = createSource(sourceConfig, "catalog", { env });
    const newest = newestCatalog(await source.list());
    checks.push({
      subject: "catalog",
      step: `list ${describeTransport(sourceConfig)}`,
      ok: true,
      detail:
        newest === undefined
          ? "no catalogue published there yet"
          : `newest published: #${newest.sequence} (${newest.item.label})`,
    });
  } catch (error) {
    checks.push(failedCheck("catalog", "list the source", error));
  } finally {
    await source?.close();
  }
  return checks;
}

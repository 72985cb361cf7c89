import { loadSigningKey } from "@caisse/core";
import {
  describeTransport,
  failedCheck,
  transportChecks,
  type DoctorCheck,
} from "@caisse/transports";
import type { Central } from "../context.js";
import { KEY_LABELS } from "./build.js";

/**
 * `doctor`'s checks of the `catalog` section (see docs/catalogue.md): head office's signing key,
 * and every destination of `catalog send` for real (a probe file written and removed). Nothing
 * for a central that does not publish the catalogue (no `catalog` section).
 */
export async function catalogChecks(
  central: Central,
  env: Readonly<Record<string, string | undefined>>,
): Promise<DoctorCheck[]> {
  const { catalog } = central.config;
  if (!catalog.keyConfigured && catalog.send.length === 0) return [];
  const checks: DoctorCheck[] = [];
  try {
    await loadSigningKey(catalog.key, KEY_LABELS);
    checks.push({ subject: "catalog", step: "signing key", ok: true, detail: catalog.key });
  } catch (error) {
    checks.push(failedCheck("catalog", "signing key", error));
  }
  for (const transport of catalog.send) {
    const subject = `catalog send (${describeTransport(transport)})`;
    checks.push(...(await transportChecks(subject, transport, { env })));
  }
  return checks;
}

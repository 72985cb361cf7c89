import { CaisseError, oneLine } from "@caisse/core";
import type { CentralConfig, TillRecord } from "../config.js";

/**
 * The tills a report covers, in till-table order: the enabled ones, or with `--tills REF,REF` the
 * ones named, even disabled (see docs/reports.md#tills---tills). References match ignoring case.
 * Every unknown reference is named at once, with the registered ones (E_TILL_UNKNOWN, a usage
 * error).
 */
export function selectTills(config: CentralConfig, tills: string | undefined): TillRecord[] {
  if (tills === undefined) return config.tills.filter((till) => till.enabled);
  const wanted = tills
    .split(",")
    .map((ref) => ref.trim())
    .filter((ref) => ref !== "");
  if (wanted.length === 0) {
    throw new CaisseError("E_USAGE", "--tills: give at least one till reference, such as D01,D02");
  }
  const known = new Set(config.tills.map((till) => till.ref.toUpperCase()));
  const unknown = wanted.filter((ref) => !known.has(ref.toUpperCase()));
  if (unknown.length > 0) {
    const registered = config.tills.map((till) => till.ref).join(", ");
    throw new CaisseError(
      "E_TILL_UNKNOWN",
      `--tills: no till ${unknown.map((ref) => `'${oneLine(ref)}'`).join(", ")} is registered`,
      {
        details: { flag: "--tills", unknown },
        hint:
          registered === ""
            ? "no till is registered yet: caisse-central tills add D01 --name NAME --path PATH"
            : `registered tills: ${registered}.`,
      },
    );
  }
  const named = new Set(wanted.map((ref) => ref.toUpperCase()));
  return config.tills.filter((till) => named.has(till.ref.toUpperCase()));
}

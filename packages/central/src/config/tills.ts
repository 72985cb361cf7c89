import { CaisseError, tillNameProblem, tillRefProblem } from "@caisse/core";
import { isRecord, type ConfigChecker } from "@caisse/transports";
import type { CentralConfig, TillRecord } from "./types.js";

/** The `tills` section: the till table (see docs/central-layout.md#caisse-centraljson). */

function optionalString(
  value: Record<string, unknown>,
  key: string,
  where: string,
  check: ConfigChecker,
): string | undefined {
  const field = value[key];
  if (field === undefined || field === null) return undefined;
  if (typeof field !== "string") {
    check.problem(`${where}.${key} must be a string`);
    return undefined;
  }
  return field;
}

/** The keys of a till's row; any other is warned about (a typo must not pass unnoticed). */
const TILL_KEYS = ["ref", "name", "path", "enabled", "key", "mail", "encoding", "columns"];

function readTill(value: unknown, where: string, check: ConfigChecker): TillRecord | undefined {
  if (!isRecord(value)) {
    check.problem(`${where} must be an object`);
    return undefined;
  }
  const before = check.problems.length;
  check.knownKeys(value, `${where}.`, TILL_KEYS);
  const { ref, name, path, enabled, columns } = value;
  if (typeof ref !== "string") check.problem(`${where}.ref must be a string`);
  else {
    const problem = tillRefProblem(ref);
    if (problem !== undefined) check.problem(`${where}.ref: ${problem}`);
  }
  if (typeof name !== "string") check.problem(`${where}.name must be a string`);
  else {
    const problem = tillNameProblem(name);
    if (problem !== undefined) check.problem(`${where}.name: ${problem}`);
  }
  if (typeof path !== "string" || path.trim() === "")
    check.problem(`${where}.path must be a non-empty string`);
  if (enabled !== undefined && typeof enabled !== "boolean")
    check.problem(`${where}.enabled must be true or false`);
  const key = optionalString(value, "key", where, check);
  if (key !== undefined && !/^ed25519:[A-Za-z0-9+/]+={0,2}$/u.test(key)) {
    check.problem(`${where}.key must look like ed25519:<base64>`);
  }
  const mail = optionalString(value, "mail", where, check);
  const encoding = optionalString(value, "encoding", where, check);
  let columnMap: Record<string, string> | undefined;
  if (columns !== undefined && columns !== null) {
    if (!isRecord(columns) || Object.values(columns).some((header) => typeof header !== "string")) {
      check.problem(`${where}.columns must map column names to header names (strings)`);
    } else columnMap = columns as Record<string, string>;
  }
  if (check.problems.length > before) return undefined;
  return {
    ref: ref as string,
    name: name as string,
    path: path as string,
    enabled: enabled !== false,
    key,
    mail,
    encoding,
    columns: columnMap,
  };
}

/** Every row of the table; a ref used twice is a problem (refs compare without case). */
export function readTills(check: ConfigChecker, value: unknown): TillRecord[] {
  const tills: TillRecord[] = [];
  if (value !== undefined && !Array.isArray(value)) check.problem("tills must be an array");
  const rawTills: unknown[] = Array.isArray(value) ? value : [];
  rawTills.forEach((raw, index) => {
    const till = readTill(raw, `tills[${index}]`, check);
    if (till === undefined) return;
    if (tills.some((other) => other.ref.toUpperCase() === till.ref.toUpperCase())) {
      check.problem(`tills[${index}].ref '${till.ref}' is used twice`);
    }
    tills.push(till);
  });
  return tills;
}

export function findTill(config: CentralConfig, ref: string): TillRecord | undefined {
  return config.tills.find((till) => till.ref.toUpperCase() === ref.toUpperCase());
}

export function requireTill(config: CentralConfig, ref: string): TillRecord {
  const till = findTill(config, ref);
  if (till === undefined) {
    const known = config.tills.map((candidate) => candidate.ref).join(", ");
    throw new CaisseError("E_TILL_UNKNOWN", `no till '${ref}' is registered`, {
      details: { ref },
      hint:
        known === ""
          ? "add it with 'caisse-central tills add REF --name NAME --path PATH'."
          : `registered tills: ${known}.`,
    });
  }
  return till;
}

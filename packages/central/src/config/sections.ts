import { DEFAULT_LIMITS, type ArchiveLimits } from "@caisse/core";
import { isRecord, parseTransport, type ConfigChecker } from "@caisse/transports";
import { DEFAULT_SOURCES, DEFAULT_STALE_AFTER_HOURS, type SourceConfig } from "./types.js";

/**
 * The `sources`, `limits` and `staleAfterHours` sections (see
 * docs/central-layout.md#caisse-centraljson).
 */

function readSource(value: unknown, where: string, check: ConfigChecker): SourceConfig | undefined {
  if (!isRecord(value)) {
    check.problem(`${where} must be an object`);
    return undefined;
  }
  const name = check.string(value, "name", `${where}.`, true);
  const transport = parseTransport(check, value, `${where}.`, "source");
  return name === undefined || transport === undefined ? undefined : { name, transport };
}

/** The sources, each named once; `[{ "name": "inbox", "type": "dir", "path": "inbox" }]` when none. */
export function readSources(check: ConfigChecker, value: unknown): SourceConfig[] {
  const sources: SourceConfig[] = [];
  if (value !== undefined && !Array.isArray(value)) check.problem("sources must be an array");
  const rawSources: unknown[] =
    Array.isArray(value) && value.length > 0 ? value : [...DEFAULT_SOURCES];
  rawSources.forEach((raw, index) => {
    const source = readSource(raw, `sources[${index}]`, check);
    if (source === undefined) return;
    if (sources.some((other) => other.name === source.name)) {
      check.problem(`sources[${index}].name '${source.name}' is used twice`);
    }
    sources.push(source);
  });
  return sources;
}

/** The archive limits: each key a whole number from 1, the defaults for the keys not given. */
export function readLimits(check: ConfigChecker, value: unknown): ArchiveLimits {
  if (value === undefined) return { ...DEFAULT_LIMITS };
  if (!isRecord(value)) {
    check.problem("limits must be an object");
    return { ...DEFAULT_LIMITS };
  }
  check.knownKeys(value, "limits.", Object.keys(DEFAULT_LIMITS));
  const limits: ArchiveLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ArchiveLimits)[]) {
    const field = value[key];
    if (field === undefined) continue;
    if (typeof field !== "number" || !Number.isSafeInteger(field) || field < 1) {
      check.problem(`limits.${key} must be a whole number from 1`);
    } else limits[key] = field;
  }
  return limits;
}

/** Hours without an archive after which the monitor calls a till late. */
export function readStaleAfterHours(check: ConfigChecker, value: unknown): number {
  if (value === undefined) return DEFAULT_STALE_AFTER_HOURS;
  if (typeof value !== "number" || !(value > 0)) {
    check.problem("staleAfterHours must be a number of hours above 0");
    return DEFAULT_STALE_AFTER_HOURS;
  }
  return value;
}

import { isRecord, type ConfigChecker } from "@caisse/transports";

/**
 * `archives` of caisse-central.json (see docs/central-layout.md#caisse-centraljson): how long
 * accepted archives are kept under archives/ (for `restore`).
 */
export interface ArchivesConfig {
  /** Days an accepted archive is kept; undefined: kept for ever (the default). */
  keepDays: number | undefined;
}

/** Reads `archives`. Absent: every archive is kept. */
export function readArchivesSettings(check: ConfigChecker, value: unknown): ArchivesConfig {
  if (value === undefined || value === null) return { keepDays: undefined };
  if (!isRecord(value)) {
    check.problem('archives must be an object such as { "keepDays": 365 }');
    return { keepDays: undefined };
  }
  check.knownKeys(value, "archives.", ["keepDays"]);
  if (value.keepDays === undefined || value.keepDays === null) return { keepDays: undefined };
  const keepDays = check.integer(value, "keepDays", "archives.", {
    min: 1,
    max: 100_000,
    fallback: 0,
  });
  return { keepDays: keepDays === 0 ? undefined : keepDays };
}

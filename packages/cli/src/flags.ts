import { CaisseError, oneLine } from "@caisse/core";

/** Accepts only one of the listed values for a flag (E_USAGE names the flag and the choices). */
export function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new CaisseError(
    "E_USAGE",
    `${flag} must be one of ${choices.join(", ")} (found '${oneLine(value)}')`,
  );
}

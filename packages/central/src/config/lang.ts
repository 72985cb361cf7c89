import { LANGS } from "@caisse/cli";
import type { Locale } from "@caisse/core";
import type { ConfigChecker } from "@caisse/transports";

/**
 * The `lang` key: the language of reports for people, `"fr"` or `"en"`, after `--lang` and before
 * the locale variables (see docs/central-layout.md#caisse-centraljson); absent: not set.
 */
export function readLang(check: ConfigChecker, value: unknown): Locale | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && (LANGS as readonly string[]).includes(value)) {
    return value as Locale;
  }
  check.problem(`lang must be one of ${LANGS.map((lang) => `"${lang}"`).join(", ")}`);
  return undefined;
}

import {
  isRecord,
  parseSmtp,
  smtpWarnings,
  type ConfigChecker,
  type SmtpConfig,
} from "@caisse/transports";

/**
 * The top-level `smtp` section (see docs/central-layout.md#caisse-centraljson): the server the
 * central sends its mails through (`report --mail`), with the keys and rules of the till's `mail`
 * transport (see docs/transports.md). Undefined when absent.
 */
export function readSmtp(check: ConfigChecker, value: unknown): SmtpConfig | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    check.problem('smtp must be an object, such as { "host": "smtp.example.fr", "from": "..." }');
    return undefined;
  }
  const smtp = parseSmtp(check, value, "smtp.");
  if (smtp !== undefined) check.warnings.push(...smtpWarnings(smtp, "smtp."));
  return smtp;
}

import {
  isRecord,
  parseSmtp,
  smtpWarnings,
  type ConfigChecker,
  type SmtpConfig,
} from "@caisse/transports";

/**
 * `smtp` of caisse-central.json (see docs/central-layout.md#caisse-centraljson): the server the
 * central sends mail through (the catalogue to the tills' `mail` addresses), with the keys and
 * rules of a till's `mail` transport.
 */
export function readSmtpSettings(check: ConfigChecker, value: unknown): SmtpConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    check.problem(
      'smtp must be an object such as { "host": "smtp.example.fr", "secure": "starttls", "from": "..." }',
    );
    return undefined;
  }
  const smtp = parseSmtp(check, value, "smtp.");
  if (smtp !== undefined) check.warnings.push(...smtpWarnings(smtp, "smtp."));
  return smtp;
}

import { isRecord, type ConfigChecker } from "@caisse/transports";

/**
 * The `report` section (see docs/central-layout.md#caisse-centraljson):
 * `"report": { "mail": { "to": ["direction@example.fr"], "subject": "Ventes" } }`, where
 * `report --mail` sends the morning report.
 */
export interface ReportConfig {
  mail?: ReportMailConfig | undefined;
}

export interface ReportMailConfig {
  /** The recipients, each a plain address: `direction@example.fr`. */
  to: string[];
  /** The subject; default: the report's title. */
  subject?: string | undefined;
}

/** At most this many recipients: a mailing list is one address. */
export const MAX_REPORT_RECIPIENTS = 50;

// A plain address: no name part, no list, nothing a mail header could be split on.
const ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+\.[^\s@<>,;:"()[\]\\]+$/u;

function readRecipients(check: ConfigChecker, value: unknown): string[] {
  const list: unknown[] = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  if (list.length === 0 || list.length > MAX_REPORT_RECIPIENTS) {
    check.problem(
      `report.mail.to must be an address or a list of 1 to ${MAX_REPORT_RECIPIENTS} addresses, such as ["direction@example.fr"]`,
    );
    return [];
  }
  const addresses: string[] = [];
  list.forEach((item, index) => {
    if (typeof item === "string" && item.length <= 254 && ADDRESS.test(item.trim())) {
      addresses.push(item.trim());
    } else {
      check.problem(
        `report.mail.to[${index}] must be a plain address such as direction@example.fr (found ${JSON.stringify(item ?? null).slice(0, 80)})`,
      );
    }
  });
  return addresses;
}

function readMail(check: ConfigChecker, value: unknown): ReportMailConfig | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    check.problem("report.mail must be an object with 'to'");
    return undefined;
  }
  check.knownKeys(value, "report.mail.", ["to", "subject"]);
  const to = readRecipients(check, value.to);
  const subject = check.string(value, "subject", "report.mail.", false);
  if (subject !== undefined && (/[\r\n]/u.test(subject) || subject.length > 200)) {
    check.problem("report.mail.subject must be one line of at most 200 characters");
  }
  return { to, ...(subject === undefined ? {} : { subject }) };
}

/** The `report` section; `{}` when absent. */
export function readReport(check: ConfigChecker, value: unknown): ReportConfig {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    check.problem(
      'report must be an object, such as { "mail": { "to": ["direction@example.fr"] } }',
    );
    return {};
  }
  check.knownKeys(value, "report.", ["mail"]);
  const mail = readMail(check, value.mail);
  return mail === undefined ? {} : { mail };
}

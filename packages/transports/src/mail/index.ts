import { CaisseError, oneLine, sha256OfFile } from "@caisse/core";
import type { ConfigChecker } from "../check.js";
import type { TransportEnv, TransportKind } from "../kind.js";
import { plainNameProblem } from "../names.js";
import type { OutgoingArchive, Sender } from "../types.js";
import {
  addressKey,
  describeSmtp,
  messageBytes,
  parseSmtp,
  smtpWarnings,
  type MailMessage,
  type SmtpConfig,
} from "./config.js";
import { sendMessage, smtpServer, verifySmtp } from "./smtp.js";

export * from "./config.js";
export * from "./smtp.js";

/**
 * `{ "type": "mail", "host", "port", "secure": "tls" | "starttls" | false, "user",
 * "passwordEnv" | "passwordFile" | "tokenCommand", "from", "to", "maxBytes", "ca" }`: one mail
 * per archive, the archive attached (see docs/transports.md#mail).
 */
export interface MailConfig extends SmtpConfig {
  type: "mail";
  /** Recipients: head office's mailbox, which the central collects with an imap source. */
  to: string[];
  /** Largest mail, encoded, in bytes: a larger archive is refused before connecting. */
  maxBytes: number;
}

/** 20 MiB: below what the common providers take (25 MB and more) once encoded. */
export const DEFAULT_MAIL_MAX_BYTES = 20 * 1024 * 1024;

/** `to`: one address or a non-empty array of them. */
function parseRecipients(
  check: ConfigChecker,
  value: Record<string, unknown>,
  where: string,
): string[] | undefined {
  const field = value.to;
  if (!Array.isArray(field)) {
    const address = addressKey(check, value, "to", where);
    return address === undefined ? undefined : [address];
  }
  if (field.length === 0) {
    check.problem(`${where}to must be a mail address or a non-empty array of them`);
    return undefined;
  }
  const addresses = field.map((address: unknown, index) =>
    addressKey(check, { [`to[${index}]`]: address }, `to[${index}]`, where),
  );
  return addresses.every((address) => address !== undefined) ? addresses : undefined;
}

/** `caisse D01 Magasin 1 #42 2026-11-27`: the till, its name, the sequence, the day it was built. */
export function archiveSubject(archive: OutgoingArchive): string {
  return oneLine(
    `caisse ${archive.till} ${archive.tillName} #${archive.sequence} ${archive.created.slice(0, 10)}`,
  );
}

/** The plain-text body: what the archive is, so that a person reading the mailbox knows. */
export function archiveSummary(archive: OutgoingArchive, sha256: string): string {
  return [
    `Till ${archive.till} (${oneLine(archive.tillName)}), archive #${archive.sequence}, built ${archive.created}.`,
    "",
    `Attached: ${archive.name}, ${archive.size} bytes`,
    `SHA-256: ${sha256}`,
    "",
    "Sent by caisse-export.",
    "Head office collects this mail with caisse-central fetch.",
    "",
  ].join("\n");
}

/** The mail of one archive. */
export async function archiveMessage(
  config: MailConfig,
  archive: OutgoingArchive,
): Promise<MailMessage> {
  return {
    to: config.to,
    subject: archiveSubject(archive),
    text: archiveSummary(archive, await sha256OfFile(archive.path)),
    attachments: [{ filename: archive.name, path: archive.path }],
  };
}

/**
 * Sends each archive as one mail. The size is checked before connecting: a mail the server would
 * refuse after the whole upload is refused at once, saying so.
 */
function createMailSender(config: MailConfig, env: TransportEnv): Sender {
  const server = smtpServer(config);
  return {
    kind: "mail",
    async send(archive: OutgoingArchive) {
      const problem = plainNameProblem(archive.name);
      if (problem !== undefined) {
        throw new CaisseError("E_TRANSPORT", problem, {
          details: { name: archive.name },
          hint: "archive names on a transport look like D01_20261127T230005_000042.zip.",
        });
      }
      const message = await archiveMessage(config, archive);
      const bytes = await messageBytes(message);
      if (bytes > config.maxBytes) {
        throw new CaisseError(
          "E_TRANSPORT",
          `${server}: ${archive.name} (${archive.size} bytes) makes a mail of about ${bytes} bytes once encoded, more than maxBytes (${config.maxBytes}); it was not sent`,
          {
            details: { server, name: archive.name, bytes, maxBytes: config.maxBytes },
            hint: "the archive stays in the outbox. Raise transport.maxBytes if the mail server takes larger mails, or send by ftp or sftp.",
          },
        );
      }
      const receipt = await sendMessage(config, message, env);
      return { destination: `mail to ${receipt.accepted.join(", ")} via ${server}` };
    },
    close: () => Promise.resolve(),
  };
}

export const mailKind: TransportKind<MailConfig> = {
  type: "mail",
  description: "a mail with the archive attached, through an SMTP server",
  parse(check, value, where) {
    const smtp = parseSmtp(check, value, where, ["type", "name", "to", "maxBytes"]);
    const to = parseRecipients(check, value, where);
    const maxBytes = check.integer(value, "maxBytes", where, {
      min: 16 * 1024,
      max: 2 ** 40,
      fallback: DEFAULT_MAIL_MAX_BYTES,
    });
    if (smtp === undefined || to === undefined) return undefined;
    return { type: "mail", ...smtp, to, maxBytes };
  },
  describe: (config) => `mail to ${config.to.join(", ")} via ${describeSmtp(config)}`,
  warnings: (config, where) => smtpWarnings(config, where),
  createSender: (config, env) => createMailSender(config, env),
  verify: (config, env) => verifySmtp(config, env),
};

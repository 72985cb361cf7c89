import { ioError } from "@caisse/core";
import { stat } from "node:fs/promises";
import type { ConfigChecker } from "../check.js";
import { hasControl } from "../ftp/index.js";
import { parseCredential, type Credential } from "../secrets.js";

/*
 * The mail kind's settings: the SMTP keys shared by the till's `mail` transport and the central's
 * `smtp` section, the addresses, and the size a message will take (see docs/transports.md#mail).
 * The session that uses them is smtp.ts.
 */

/**
 * An SMTP server to send mail through, shared by the till's `mail` transport and the central's
 * `smtp` section (reports and catalogues by mail): read by `parseSmtp`, used by `sendMessage`,
 * checked by `verifySmtp` (see docs/transports.md#mail).
 */
export interface SmtpConfig {
  host: string;
  port: number;
  /**
   * `tls`: TLS from the start (port 465); `starttls`: plain, then STARTTLS, required (port 587);
   * `false`: no TLS at all (warned).
   */
  secure: "tls" | "starttls" | false;
  /** Login name; no login when undefined. */
  user: string | undefined;
  /** The password or the token command of `user`. */
  credential: Credential | undefined;
  /** Sender address: `caisse-d01@example.fr` or `Magasin 1 <caisse-d01@example.fr>`. */
  from: string;
  /** Absolute path of a PEM file with the CA that signed the server's certificate. */
  ca: string | undefined;
}

/** The keys `parseSmtp` reads. */
export const SMTP_KEYS = [
  "host",
  "port",
  "secure",
  "user",
  "password",
  "passwordEnv",
  "passwordFile",
  "tokenCommand",
  "from",
  "ca",
] as const;

/** A plain address, with no room for a header or an SMTP command in it. */
const ADDRESS = /^[^@\s<>()[\]\\,;:"]+@[^@\s<>()[\]\\,;:"]+\.[^@\s<>()[\]\\,;:"]+$/u;
/** `Display Name <address>`. */
const NAMED = /^([^<>"\r\n]*?)\s*<([^<>]+)>$/u;

/** The address alone of `address` or `Name <address>`; undefined when it is not one. */
export function bareAddress(text: string): string | undefined {
  if (hasControl(text)) return undefined;
  const named = NAMED.exec(text.trim());
  const address = named === null ? text.trim() : (named[2] ?? "").trim();
  return ADDRESS.test(address) ? address : undefined;
}

/** A mail address key: `address` or `Name <address>`, no control characters. */
export function addressKey(
  check: ConfigChecker,
  value: Record<string, unknown>,
  key: string,
  where: string,
): string | undefined {
  const text = check.string(value, key, where, true);
  if (text === undefined) return undefined;
  if (bareAddress(text) === undefined) {
    check.problem(
      `${where}${key} must be a mail address such as caisse@example.fr or "Magasin 1 <caisse@example.fr>" (found ${JSON.stringify(text)})`,
    );
    return undefined;
  }
  return text;
}

/**
 * Reads the SMTP keys of `value` (`where` is the key path with its dot: `transport.`, `smtp.`).
 * `otherKeys`: the keys the caller reads itself, so that they are not warned about as unknown.
 * Problems go to `check`; undefined when the keys do not make a server.
 */
export function parseSmtp(
  check: ConfigChecker,
  value: Record<string, unknown>,
  where: string,
  otherKeys: readonly string[] = [],
): SmtpConfig | undefined {
  check.knownKeys(value, where, [...SMTP_KEYS, ...otherKeys]);
  const host = check.string(value, "host", where, true);
  if (host !== undefined && (hasControl(host) || /\s/u.test(host))) {
    check.problem(`${where}host must be a host name or an address, without spaces`);
  }
  const secure = check.oneOf(
    value,
    "secure",
    where,
    ["tls", "starttls", false] as const,
    "starttls",
  );
  const port = check.integer(value, "port", where, {
    min: 1,
    max: 65535,
    fallback: secure === "tls" ? 465 : secure === "starttls" ? 587 : 25,
  });
  let user = check.string(value, "user", where, false);
  if (user !== undefined && hasControl(user)) {
    check.problem(`${where}user must not hold control characters (line breaks, tabs)`);
    user = undefined;
  }
  const credential = parseCredential(check, value, where, user !== undefined);
  if (user === undefined && value.user === undefined && credential !== undefined) {
    check.problem(
      `${where}user is missing: a password or a tokenCommand is given, so name the account it belongs to`,
    );
  }
  const from = addressKey(check, value, "from", where);
  const ca = check.path(value, "ca", where, false);
  if (ca !== undefined && secure === false)
    check.problem(`${where}ca is given but ${where}secure is false: say "tls" or "starttls"`);
  if (host === undefined || from === undefined || (user !== undefined && credential === undefined))
    return undefined;
  if (hasControl(host) || /\s/u.test(host)) return undefined;
  return { host, port, secure, user, credential, from, ca };
}

/** The warning of a server without TLS, once the config is valid. */
export function smtpWarnings(config: SmtpConfig, where: string): string[] {
  if (config.secure !== false) return [];
  return [
    `${where}secure is false: ${config.user === undefined ? "the mails" : "the password and the mails"} cross the network unprotected; use "tls" (port 465) or "starttls" (port 587) if the server offers TLS`,
  ];
}

/** `smtp smtp.example.fr:587 starttls`: never a secret (the user shows in doctor's log in). */
export function describeSmtp(config: SmtpConfig): string {
  return `smtp ${config.host}:${config.port} ${config.secure === false ? "plain" : config.secure}`;
}

/** A file to attach: read from `path`, or given as `content`. */
export type MailAttachment =
  { filename: string; path: string } | { filename: string; content: string | Buffer };

/** One mail: plain text, an optional HTML version, attachments. */
export interface MailMessage {
  /** Recipients: `address` or `Name <address>`. */
  to: readonly string[];
  subject: string;
  text: string;
  html?: string | undefined;
  attachments?: readonly MailAttachment[] | undefined;
}

/** What the server said once it took the message. */
export interface MailReceipt {
  /** `smtp smtp.example.fr:587`. */
  server: string;
  /** The recipients the server accepted (all of them: a refused one fails the send). */
  accepted: string[];
  /** The server's last reply: `250 2.0.0 Ok: queued as 4F3A2`. */
  response: string;
}

/** Bytes a header block and MIME boundaries take, at most, besides what is counted. */
const HEADER_ALLOWANCE = 4096;

/** Bytes of `bytes` of data once base64-encoded in lines of 76 characters with CRLF. */
export function base64Bytes(bytes: number): number {
  const encoded = 4 * Math.ceil(bytes / 3);
  return encoded + 2 * Math.ceil(encoded / 76);
}

/**
 * The size of `message` once encoded, from above: attachments in base64 (4/3, plus a line break
 * every 76 characters), texts as if every byte took three (quoted-printable at worst), and an
 * allowance for the headers. A file attachment is measured on disk.
 */
export async function messageBytes(message: MailMessage): Promise<number> {
  let total = HEADER_ALLOWANCE;
  const text = (value: string | undefined) => 3 * Buffer.byteLength(value ?? "", "utf8");
  total += text(message.subject) + text(message.text) + text(message.html);
  total += message.to.reduce((sum, address) => sum + Buffer.byteLength(address) + 4, 0);
  for (const attachment of message.attachments ?? []) {
    let size: number;
    if ("path" in attachment) {
      try {
        size = (await stat(attachment.path)).size;
      } catch (error) {
        throw ioError("read the attachment", attachment.path, error);
      }
    } else size = Buffer.byteLength(attachment.content);
    total += base64Bytes(size) + 3 * Buffer.byteLength(attachment.filename) + 256;
  }
  return total;
}

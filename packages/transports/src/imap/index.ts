import type { TransportKind } from "../kind.js";
import { parseCredential, type Credential } from "../secrets.js";
import { remoteString } from "../ftp/index.js";
import { createImapSource } from "./source.js";
import { verifyImap } from "./verify.js";

/**
 * `{ "type": "imap", "host", "port", "secure": "tls" | "starttls", "user", "passwordEnv" |
 * "passwordFile" | "tokenCommand", "mailbox", "processed", "rejected", "ca" }`: a mailbox the tills mail their
 * archives to, read by the central (see docs/transports.md).
 */
export interface ImapConfig {
  type: "imap";
  host: string;
  port: number;
  /** `tls`: TLS from the start (port 993); `starttls`: plain then STARTTLS, required (port 143). */
  secure: "tls" | "starttls";
  user: string;
  /** A password (variable or file), or a command printing an OAuth2 token (XOAUTH2). */
  credential: Credential;
  /** The folder the messages arrive in. */
  mailbox: string;
  /** Where a message goes once its archives are imported; created when missing. */
  processed: string;
  /** Where a message goes when an archive of it was refused, or it holds none. */
  rejected: string;
  /** Absolute path of a PEM file with the CA that signed the server's certificate. */
  ca: string | undefined;
}

export const imapKind: TransportKind<ImapConfig> = {
  type: "imap",
  description: "a mailbox on an IMAP server (TLS or STARTTLS)",
  parse(check, value, where) {
    check.knownKeys(value, where, [
      "type",
      "name",
      "host",
      "port",
      "secure",
      "user",
      "password",
      "passwordEnv",
      "passwordFile",
      "tokenCommand",
      "mailbox",
      "processed",
      "rejected",
      "ca",
    ]);
    const host = remoteString(check, value, "host", where);
    const secure = check.oneOf(value, "secure", where, ["tls", "starttls"] as const, "tls");
    const port = check.integer(value, "port", where, {
      min: 1,
      max: 65535,
      fallback: secure === "tls" ? 993 : 143,
    });
    const user = remoteString(check, value, "user", where);
    const credential = parseCredential(check, value, where, true);
    const folder = (key: string, fallback: string) =>
      value[key] === undefined ? fallback : remoteString(check, value, key, where);
    const mailbox = folder("mailbox", "INBOX");
    const processed = folder("processed", "Processed");
    const rejected = folder("rejected", "Rejected");
    for (const [key, name] of [
      ["processed", processed],
      ["rejected", rejected],
    ] as const) {
      if (name !== undefined && mailbox !== undefined && name === mailbox)
        check.problem(`${where}${key} must be another folder than ${where}mailbox ('${name}')`);
    }
    const ca = check.path(value, "ca", where, false);
    if (
      host === undefined ||
      user === undefined ||
      credential === undefined ||
      mailbox === undefined ||
      processed === undefined ||
      rejected === undefined
    )
      return undefined;
    return { type: "imap", host, port, secure, user, credential, mailbox, processed, rejected, ca };
  },
  describe: (config) =>
    `imap${config.secure === "tls" ? "s" : "+starttls"} ${config.user}@${config.host}:${config.port} ${config.mailbox}`,
  createSource: (config, name, env) => createImapSource(config, name, env),
  verify: (config, env) => verifyImap(config, env),
};

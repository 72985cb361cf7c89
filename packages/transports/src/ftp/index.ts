import type { ConfigChecker } from "../check.js";
import type { TransportKind } from "../kind.js";
import { createRemoteSender, createRemoteSource, verifyRemote } from "../remote.js";
import { parsePassword, type PasswordSource } from "../secrets.js";
import { ftpFolder } from "./session.js";

/**
 * `{ "type": "ftp", "host", "port", "secure": false | "explicit" | "implicit", "user",
 * "passwordEnv" | "passwordFile", "dir", "ca" }`: an FTP or FTPS server (see docs/transports.md).
 */
export interface FtpConfig {
  type: "ftp";
  host: string;
  port: number;
  /** TLS: `explicit` (AUTH TLS on port 21), `implicit` (TLS from the start, port 990), or none. */
  secure: false | "explicit" | "implicit";
  user: string;
  password: PasswordSource;
  /** Folder on the server; relative ones start at the login folder. */
  dir: string;
  /** Absolute path of a PEM file with the CA that signed the server's certificate. */
  ca: string | undefined;
}

/** True when `text` holds a character that would end an FTP command line, or worse. */
export function hasControl(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A string the FTP/SSH command line can carry: no control characters (no CR LF injection). */
export function remoteString(
  check: ConfigChecker,
  value: Record<string, unknown>,
  key: string,
  where: string,
): string | undefined {
  const text = check.string(value, key, where, true);
  if (text !== undefined && hasControl(text)) {
    check.problem(`${where}${key} must not hold control characters (line breaks, tabs)`);
    return undefined;
  }
  return text;
}

export const ftpKind: TransportKind<FtpConfig> = {
  type: "ftp",
  description: "an FTP or FTPS server",
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
      "dir",
      "ca",
    ]);
    const host = remoteString(check, value, "host", where);
    const secure = check.oneOf(
      value,
      "secure",
      where,
      [false, "explicit", "implicit"] as const,
      "explicit",
    );
    const port = check.integer(value, "port", where, {
      min: 1,
      max: 65535,
      fallback: secure === "implicit" ? 990 : 21,
    });
    const user = remoteString(check, value, "user", where);
    const password = parsePassword(check, value, where, true);
    const dir = remoteString(check, value, "dir", where);
    const ca = check.path(value, "ca", where, false);
    if (ca !== undefined && secure === false)
      check.problem(
        `${where}ca is given but ${where}secure is false: say "explicit" or "implicit"`,
      );
    if (host === undefined || user === undefined || password === undefined || dir === undefined)
      return undefined;
    return { type: "ftp", host, port, secure, user, password, dir, ca };
  },
  describe: (config) =>
    `ftp${config.secure === false ? "" : "s"} ${config.user}@${config.host}:${config.port} ${config.dir}`,
  warnings: (config, where) =>
    config.secure === false
      ? [
          `${where}secure is false: the password and the archives cross the network unprotected; use "explicit" or "implicit" if the server offers TLS`,
        ]
      : [],
  createSender: (config, env) => createRemoteSender(ftpFolder(config, env)),
  createSource: (config, name, env) => createRemoteSource(name, ftpFolder(config, env), env),
  verify: (config, env) => verifyRemote(ftpFolder(config, env)),
};

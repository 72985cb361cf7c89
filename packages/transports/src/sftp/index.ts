import type { TransportKind } from "../kind.js";
import { createRemoteSender, createRemoteSource, verifyRemote } from "../remote.js";
import { parsePassword, type PasswordSource } from "../secrets.js";
import { remoteString } from "../ftp/index.js";
import { sftpFolder } from "./session.js";

/**
 * `{ "type": "sftp", "host", "port", "user", "passwordEnv" | "passwordFile" | "privateKeyFile",
 * "hostKey": "SHA256:...", "dir" }`: an SSH server's SFTP (see docs/transports.md).
 */
export interface SftpConfig {
  type: "sftp";
  host: string;
  port: number;
  user: string;
  /** Password, or else the private key. */
  password: PasswordSource | undefined;
  /** Absolute path of an OpenSSH or PEM private key without passphrase, mode 600. */
  privateKeyFile: string | undefined;
  /** The server's host key fingerprint, as `ssh-keygen -l` prints it: `SHA256:<43 base64>`. */
  hostKey: string;
  dir: string;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/u;

export const sftpKind: TransportKind<SftpConfig> = {
  type: "sftp",
  description: "an SFTP server, its host key pinned",
  parse(check, value, where) {
    check.knownKeys(value, where, [
      "type",
      "name",
      "host",
      "port",
      "user",
      "password",
      "passwordEnv",
      "passwordFile",
      "privateKeyFile",
      "hostKey",
      "dir",
    ]);
    const host = remoteString(check, value, "host", where);
    const port = check.integer(value, "port", where, { min: 1, max: 65535, fallback: 22 });
    const user = remoteString(check, value, "user", where);
    const privateKeyFile = check.path(value, "privateKeyFile", where, false);
    const password = parsePassword(
      check,
      value,
      where,
      privateKeyFile === undefined && value.privateKeyFile === undefined,
    );
    if (password !== undefined && privateKeyFile !== undefined)
      check.problem(`${where}privateKeyFile and a password are both given; keep one`);
    let hostKey = check.string(value, "hostKey", where, false);
    if (hostKey === undefined && value.hostKey === undefined) {
      check.problem(
        `${where}hostKey is missing: pin the server's key fingerprint ("SHA256:..."), as 'ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub' prints it on the server`,
      );
    } else if (hostKey !== undefined && !FINGERPRINT.test(hostKey)) {
      check.problem(
        `${where}hostKey must look like SHA256:<43 base64 characters>, as 'ssh-keygen -l' prints it`,
      );
      hostKey = undefined;
    }
    const dir = remoteString(check, value, "dir", where);
    if (
      host === undefined ||
      user === undefined ||
      hostKey === undefined ||
      dir === undefined ||
      (password === undefined && privateKeyFile === undefined)
    )
      return undefined;
    return { type: "sftp", host, port, user, password, privateKeyFile, hostKey, dir };
  },
  describe: (config) => `sftp ${config.user}@${config.host}:${config.port} ${config.dir}`,
  createSender: (config, env) => createRemoteSender(sftpFolder(config, env)),
  createSource: (config, name, env) => createRemoteSource(name, sftpFolder(config, env), env),
  verify: (config, env) => verifyRemote(sftpFolder(config, env)),
};

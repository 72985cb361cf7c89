import { join } from "node:path";
import { temporaryFolder } from "../helpers/cli.js";
import type { TestCertificate } from "./certs.js";
import { startFtpServer } from "./ftp.js";
import { makeHostKey, startSftpServer } from "./sftp.js";

/** An in-process server and the till's transport that reaches it. */
export interface InProcessRemote {
  /** The till's `transport`: the password in the variable CAISSE_TEST_PASSWORD. */
  transport: Record<string, unknown>;
  /** The server's folder for `dir`, on this machine's disk. */
  folder: string;
  close: () => Promise<void>;
}

/**
 * FTP with explicit TLS (ftp-srv) and SFTP (ssh2's server) on 127.0.0.1, one user `user` with
 * `password`, the transport's folder `/depot`: for the tests that run the built commands.
 */
export function inProcessRemotes(
  user: string,
  password: string,
  certificate: () => TestCertificate,
): Record<"ftp with explicit TLS" | "sftp", () => Promise<InProcessRemote>> {
  return {
    "ftp with explicit TLS": async () => {
      const root = await temporaryFolder("caisse-bins-ftp-");
      const server = await startFtpServer({
        root: root.path,
        user,
        password,
        tls: { mode: "explicit", certificate: certificate() },
      });
      return {
        transport: {
          type: "ftp",
          host: "127.0.0.1",
          port: server.port,
          secure: "explicit",
          user,
          passwordEnv: "CAISSE_TEST_PASSWORD",
          dir: "/depot",
          ca: certificate().cert,
        },
        folder: join(root.path, "depot"),
        close: async () => {
          await server.close();
          await root.remove();
        },
      };
    },
    sftp: async () => {
      const root = await temporaryFolder("caisse-bins-sftp-");
      const server = await startSftpServer({
        root: root.path,
        user,
        password,
        hostKey: makeHostKey(),
      });
      return {
        transport: {
          type: "sftp",
          host: "127.0.0.1",
          port: server.port,
          user,
          passwordEnv: "CAISSE_TEST_PASSWORD",
          hostKey: server.hostKey,
          dir: "/depot",
        },
        folder: join(root.path, "depot"),
        close: async () => {
          await server.close();
          await root.remove();
        },
      };
    },
  };
}

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
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

/**
 * A central root made by the built command in `root`, collecting from `transport` (a source named
 * `serveur`), with till D01 registered. Throws when a command fails.
 */
export async function centralCollectingFrom(
  root: string,
  transport: Record<string, unknown>,
  cwd: string,
): Promise<void> {
  const init = await runBin(BIN.central, ["init", "--root", root], { cwd });
  if (init.code !== 0) throw new Error(`caisse-central init: ${init.stderr}`);
  const configPath = join(root, "caisse-central.json");
  const config = JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  config.sources = [{ name: "serveur", ...transport }];
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const add = ["tills", "add", "D01", "--name", "Magasin 1", "--root", root];
  const added = await runBin(BIN.central, add, { cwd });
  if (added.code !== 0) throw new Error(`caisse-central tills add: ${added.stderr}`);
}

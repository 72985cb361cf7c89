import { isCaisseError, CaisseError, systemErrorCode } from "@caisse/core";
import { stat } from "node:fs/promises";
import { posix } from "node:path";
import type { ConnectionOptions } from "node:tls";
import type { TransportEnv } from "../kind.js";
import { DEFAULT_TIMEOUT_MS, guarded, reachError, readCa, remoteError } from "../network.js";
import { type RemoteFolder, type RemoteSession } from "../remote.js";
import { cappedFile, transferTimeout } from "../transfer.js";
import { readPassword } from "../secrets.js";
import type { FtpConfig } from "./index.js";

/** The steps of a log-in, in order; a refusal in each has its own code. */
type Step = string;

/**
 * basic-ftp, loaded by the first connection: the commands that never connect, and `--version`,
 * do not load it (see docs/architecture.md#a-command).
 */
let basicFtp: typeof import("./library.js") | undefined;

/** basic-ftp's and Node's errors as one line naming the server and the step. */
export function ftpError(server: string, step: Step, error: unknown): CaisseError {
  const code = systemErrorCode(error) ?? (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // An FTPError comes from basic-ftp: it is loaded by then.
  if (basicFtp !== undefined && error instanceof basicFtp.FTPError) {
    const reply = `the server answered ${message}`;
    if (step === "log in") {
      return remoteError("E_REMOTE_LOGIN", server, step, reply, {
        hint: "check user and the password (passwordEnv or passwordFile) in the config.",
      });
    }
    if (step === "start TLS" || step === "protect the data channel") {
      return remoteError("E_REMOTE_TLS", server, step, reply, {
        hint: 'the server does not offer TLS as asked: check "secure" ("explicit" on port 21, "implicit" on port 990) with the server\'s administrator.',
      });
    }
    return remoteError("E_REMOTE_REPLY", server, step, reply, {
      hint: "check the folder (dir), the rights of the user and the free space on the server.",
      details: { reply: error.code },
    });
  }
  const reach = reachError(server, step, error, {
    tlsHint:
      'check "secure" ("explicit" on port 21, "implicit" on port 990) and the port with the server\'s administrator.',
    dnsHint: "check host in the config, and the till's DNS and network.",
    refusedHint: "check host and port, and that the FTP server runs; the next run tries again.",
  });
  if (reach !== undefined) return reach;
  if (/^Timeout/u.test(message) || code === "ETIMEDOUT") {
    return remoteError("E_REMOTE_TIMEOUT", server, step, "no answer in time", {
      hint: "check the network and that the server is up; the next run tries again.",
    });
  }
  return remoteError(
    step === "connect" ? "E_REMOTE_CONNECT" : "E_REMOTE_CLOSED",
    server,
    step,
    `the connection was cut (${message})`,
    {
      hint: "nothing was left under its final name; the next run does it again.",
      cause: error,
    },
  );
}

/**
 * Opens an FTP session: connect, TLS when asked (certificates verified, `ca` added), log in, data
 * channel protected (`PROT P`, whose refusal basic-ftp would ignore), every step under a time limit
 * and the stop signal.
 */
export function ftpFolder(config: FtpConfig, env: TransportEnv): RemoteFolder {
  const server = `ftp ${config.host}:${config.port}`;
  const url = `ftp${config.secure === false ? "" : "s"}://${config.host}:${config.port}`;
  return {
    kind: "ftp",
    server,
    url,
    dir: config.dir,
    async open() {
      const password = await readPassword(config.password, env.env, server);
      const ca = await readCa(config.ca, server);
      basicFtp ??= await import("./library.js");
      const client = new basicFtp.Client(env.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      client.ftp.verbose = false;
      const kill = () => {
        client.close();
      };
      const step = <T>(name: Step, task: () => Promise<T>, timeoutMs?: number): Promise<T> =>
        guarded(server, name, env, kill, task, (error) => ftpError(server, name, error), timeoutMs);
      /** Runs a transfer of `bytes` with basic-ftp's byte counts going to env.onProgress. */
      const tracked = async (bytes: number, transfer: () => Promise<unknown>): Promise<void> => {
        const { onProgress } = env;
        if (onProgress !== undefined)
          client.trackProgress((info) => {
            onProgress(info.bytes, bytes);
          });
        try {
          await transfer();
        } finally {
          if (onProgress !== undefined) client.trackProgress();
        }
      };
      // Verification stays on; the host name is checked against the certificate.
      const tls: ConnectionOptions = {
        host: config.host,
        ca,
        rejectUnauthorized: true,
        minVersion: "TLSv1.2",
      };
      let home: string;
      try {
        if (config.secure === "implicit")
          await step("connect", () => client.connectImplicitTLS(config.host, config.port, tls));
        else await step("connect", () => client.connect(config.host, config.port));
        if (config.secure === "explicit") await step("start TLS", () => client.useTLS(tls));
        await step("log in", () => client.login(config.user, password));
        await step("settings", () => client.useDefaultSettings());
        if (config.secure !== false) {
          await step("protect the data channel", async () => {
            await client.send("PBSZ 0");
            await client.send("PROT P");
          });
        }
        home = await step("folder", () => client.pwd());
      } catch (error) {
        client.close();
        throw error;
      }
      const size = async (path: string): Promise<number | undefined> => {
        try {
          return await step(`size of ${path}`, () => client.size(path));
        } catch (error) {
          // 550: no such file. Other replies are real failures.
          if (
            isCaisseError(error) &&
            error.code === "E_REMOTE_REPLY" &&
            (error.details.reply === 550 || error.details.reply === 450)
          )
            return undefined;
          throw error;
        }
      };
      const session: RemoteSession = {
        async list(dir) {
          const entries = await step(`list ${dir}`, () => client.list(dir));
          return entries.map((entry) => ({
            name: entry.name,
            size: entry.size,
            isFile: entry.isFile,
          }));
        },
        async ensureDir(dir) {
          await step(`create the folder ${dir}`, () => client.ensureDir(dir));
        },
        async upload(localPath, remotePath) {
          const bytes = (await stat(localPath)).size;
          await tracked(bytes, () =>
            step(
              `upload ${posix.basename(remotePath)}`,
              () => client.uploadFrom(localPath, remotePath),
              transferTimeout(env, bytes),
            ),
          );
        },
        async download(remotePath, localPath, bytes) {
          const name = `download ${posix.basename(remotePath)}`;
          await tracked(bytes, () =>
            step(
              name,
              () => client.downloadTo(cappedFile(localPath, bytes, server, name), remotePath),
              transferTimeout(env, bytes),
            ),
          );
        },
        async rename(from, to) {
          await step(`rename ${posix.basename(from)} to ${to}`, () => client.rename(from, to));
        },
        async remove(path) {
          if ((await size(path)) === undefined) return;
          await step(`remove ${path}`, () => client.remove(path));
        },
        size,
        close() {
          client.close();
          return Promise.resolve();
        },
      };
      return { session, dir: posix.resolve(home, config.dir) };
    },
  };
}

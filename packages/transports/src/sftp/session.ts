import { isCaisseError, CaisseError } from "@caisse/core";
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import type { SFTPWrapper } from "ssh2";
import type { TransportEnv } from "../kind.js";
import { DEFAULT_TIMEOUT_MS, guarded, remoteError } from "../network.js";
import { type RemoteFolder, type RemoteSession } from "../remote.js";
import { cappedFile, countedBytes, transferTimeout } from "../transfer.js";
import { readPassword, readSecretFile } from "../secrets.js";
import type { SftpConfig } from "./index.js";

/** The fingerprint of a host key as `ssh-keygen -l` prints it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/u, "")}`;
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that mean "no such file". */
const NO_SUCH_FILE = 2;

function sftpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** ssh2's errors as one line naming the server and the step. */
export function sftpError(server: string, step: string, error: unknown): CaisseError {
  const message = error instanceof Error ? error.message : String(error);
  const level = (error as { level?: unknown } | null)?.level;
  const code = (error as { code?: unknown } | null)?.code;
  if (level === "client-authentication") {
    return remoteError("E_REMOTE_LOGIN", server, "log in", "the server refused the log-in", {
      hint: "check user and the password (passwordEnv or passwordFile) or privateKeyFile in the config.",
    });
  }
  if (level === "client-dns" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return remoteError("E_REMOTE_CONNECT", server, step, "host name not found", {
      hint: "check host in the config, and the network.",
    });
  }
  if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH") {
    return remoteError("E_REMOTE_CONNECT", server, step, `connection refused (${code})`, {
      hint: "check host and port, and that the SSH server runs; the next run tries again.",
    });
  }
  if (level === "client-timeout") {
    return remoteError("E_REMOTE_TIMEOUT", server, step, "no answer in time", {
      hint: "check the network and that the server is up; the next run tries again.",
    });
  }
  if (typeof code === "number") {
    return remoteError("E_REMOTE_REPLY", server, step, `the server answered: ${message}`, {
      hint: "check the folder (dir), the rights of the user and the free space on the server.",
      details: { reply: code },
    });
  }
  return remoteError(
    step === "connect" ? "E_REMOTE_CONNECT" : "E_REMOTE_CLOSED",
    server,
    step,
    `the connection was cut (${message})`,
    { hint: "nothing was left under its final name; the next run does it again.", cause: error },
  );
}

/** Runs an ssh2 SFTP call in callback style as a promise. */
function call<T>(run: (done: (error: Error | null | undefined, value?: T) => void) => void) {
  return new Promise<T>((resolve, reject) => {
    run((error, value) => {
      if (error) reject(error);
      else resolve(value as T);
    });
  });
}

/**
 * Opens an SFTP session: the host key is checked against the pinned fingerprint before any
 * password is sent (never trust on first use); every step has a time limit and the stop signal.
 */
export function sftpFolder(config: SftpConfig, env: TransportEnv): RemoteFolder {
  const server = `sftp ${config.host}:${config.port}`;
  return {
    kind: "sftp",
    server,
    url: `sftp://${config.host}:${config.port}`,
    dir: config.dir,
    async open() {
      const password =
        config.password === undefined
          ? undefined
          : await readPassword(config.password, env.env, server);
      const privateKey =
        config.privateKeyFile === undefined
          ? undefined
          : await readSecretFile(config.privateKeyFile, server, "private key", 64 * 1024);
      // Loaded by the first connection, not by every command (see docs/architecture.md#a-command).
      const { Client } = await import("./library.js");
      const client = new Client();
      // Errors after the connection is up are reported by the step in progress.
      client.on("error", () => undefined);
      const kill = () => {
        client.destroy();
      };
      // ssh2 leaves SFTP requests pending when the connection drops: each step also ends then.
      const lost = new Promise<never>((_resolve, reject) => {
        client.once("close", () => {
          reject(new Error("the server closed the connection"));
        });
      });
      lost.catch(() => undefined);
      let seen: string | undefined;
      const step = <T>(name: string, task: () => Promise<T>, timeoutMs?: number): Promise<T> =>
        guarded(
          server,
          name,
          env,
          kill,
          () => Promise.race([task(), lost]),
          (error) => sftpError(server, name, error),
          timeoutMs,
        );
      let sftp: SFTPWrapper;
      let home: string;
      try {
        await step("connect", async () => {
          try {
            await new Promise<void>((resolve, reject) => {
              client.once("ready", resolve);
              client.once("error", reject);
              client.once("close", () => {
                reject(new Error("the server closed the connection"));
              });
              client.connect({
                host: config.host,
                port: config.port,
                username: config.user,
                password,
                privateKey,
                readyTimeout: env.timeoutMs ?? DEFAULT_TIMEOUT_MS,
                hostVerifier: (key: Buffer) => {
                  seen = fingerprintOf(key);
                  return seen === config.hostKey;
                },
              });
            });
          } catch (error) {
            if (seen !== undefined && seen !== config.hostKey) {
              throw remoteError(
                "E_REMOTE_HOST_KEY",
                server,
                "check the host key",
                `the server shows the host key ${seen}, not the pinned ${config.hostKey}`,
                {
                  hint: "compare with 'ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub' run on the server; only if they match, put the new one in hostKey (see docs/security.md).",
                  details: { seen, pinned: config.hostKey },
                },
              );
            }
            throw error;
          }
        });
        sftp = await step("start SFTP", () =>
          call<SFTPWrapper>((done) => {
            client.sftp(done);
          }),
        );
        home = await step("folder", () =>
          call<string>((done) => {
            sftp.realpath(".", done);
          }),
        );
      } catch (error) {
        client.destroy();
        throw error;
      }
      const size = async (path: string): Promise<number | undefined> => {
        try {
          return await step(`size of ${path}`, () =>
            call<{ size: number }>((done) => {
              sftp.stat(path, done);
            }).then((info) => info.size),
          );
        } catch (error) {
          if (isCaisseError(error) && error.details.reply === NO_SUCH_FILE) return undefined;
          throw error;
        }
      };
      const session: RemoteSession = {
        async list(dir) {
          const entries = await step(`list ${dir}`, () =>
            call<{ filename: string; attrs: { size: number; isFile(): boolean } }[]>((done) => {
              sftp.readdir(dir, done);
            }),
          );
          return entries.map((entry) => ({
            name: entry.filename,
            size: entry.attrs.size,
            isFile: entry.attrs.isFile(),
          }));
        },
        async ensureDir(dir) {
          const parts = dir.split("/").filter((part) => part !== "");
          let path = dir.startsWith("/") ? "/" : "";
          for (const part of parts) {
            path = posix.join(path, part);
            const current = path;
            const exists = await step(`look at the folder ${current}`, () =>
              call<unknown>((done) => {
                sftp.stat(current, done);
              }).then(
                () => true,
                (error: unknown) => {
                  if (sftpCode(error) === NO_SUCH_FILE) return false;
                  throw error;
                },
              ),
            );
            if (!exists) {
              await step(`create the folder ${current}`, () =>
                call<undefined>((done) => {
                  sftp.mkdir(current, done);
                }),
              );
            }
          }
        },
        async upload(localPath, remotePath) {
          const bytes = (await stat(localPath)).size;
          await step(
            `upload ${posix.basename(remotePath)}`,
            () =>
              call<undefined>((done) => {
                const { onProgress } = env;
                sftp.fastPut(
                  localPath,
                  remotePath,
                  {
                    concurrency: 1,
                    ...(onProgress === undefined
                      ? {}
                      : {
                          step: (moved: number) => {
                            onProgress(moved, bytes);
                          },
                        }),
                  },
                  done,
                );
              }),
            transferTimeout(env, bytes),
          );
        },
        async download(remotePath, localPath, bytes) {
          const name = `download ${posix.basename(remotePath)}`;
          await step(
            name,
            () =>
              pipeline(
                sftp.createReadStream(remotePath),
                countedBytes(bytes, env.onProgress),
                cappedFile(localPath, bytes, server, name),
              ),
            transferTimeout(env, bytes),
          );
        },
        async rename(from, to) {
          await step(`rename ${posix.basename(from)} to ${to}`, () =>
            call<undefined>((done) => {
              sftp.rename(from, to, done);
            }),
          );
        },
        async remove(path) {
          await step(`remove ${path}`, () =>
            call<undefined>((done) => {
              sftp.unlink(path, done);
            }).catch((error: unknown) => {
              if (sftpCode(error) !== NO_SUCH_FILE) throw error;
            }),
          );
        },
        size,
        close() {
          client.end();
          return Promise.resolve();
        },
      };
      return { session, dir: posix.resolve(home, config.dir) };
    },
  };
}

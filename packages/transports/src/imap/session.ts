import { CaisseError, systemErrorCode } from "@caisse/core";
import type { ImapFlow } from "imapflow";
import type { TransportEnv } from "../kind.js";
import { DEFAULT_TIMEOUT_MS, guarded, reachError, readCa, remoteError } from "../network.js";
import { readPassword, resolveToken } from "../secrets.js";
import type { ImapConfig } from "./index.js";

/** A logged-in IMAP connection whose every step has a time limit and honours the stop signal. */
export interface ImapSession {
  /** `imap 127.0.0.1:993`: first word of every message. */
  server: string;
  client: ImapFlow;
  step<T>(name: string, task: () => Promise<T>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const TIMEOUT_CODES = new Set([
  "CONNECT_TIMEOUT",
  "GREETING_TIMEOUT",
  "UPGRADE_TIMEOUT",
  "ETIMEOUT",
  "ETIMEDOUT",
]);

/** imapflow's and Node's errors as one line naming the server and the step. */
export function imapError(
  server: string,
  step: string,
  error: unknown,
  token = false,
): CaisseError {
  const fields = (error ?? {}) as {
    code?: unknown;
    authenticationFailed?: unknown;
    tlsFailed?: unknown;
    responseStatus?: unknown;
    responseText?: unknown;
  };
  const code = systemErrorCode(error) ?? fields.code;
  const message = error instanceof Error ? error.message : String(error);
  if (fields.authenticationFailed === true) {
    return remoteError("E_REMOTE_LOGIN", server, "log in", "the server refused the log-in", {
      hint: token
        ? 'check user and that tokenCommand prints a valid access token for it, with the IMAP scope (see docs/transports.md, "OAuth2 tokens").'
        : "check user and the password (passwordEnv or passwordFile) in the config.",
    });
  }
  if (fields.tlsFailed === true) {
    return remoteError("E_REMOTE_TLS", server, "start TLS", `the server offers no STARTTLS`, {
      hint: 'check "secure" ("tls" on port 993, "starttls" on port 143) with the server\'s administrator; the password is never sent unprotected.',
    });
  }
  const reach = reachError(server, step, error, {
    tlsStep: "TLS",
    tlsHint:
      'check "secure" ("tls" on port 993, "starttls" on port 143) and the port with the server\'s administrator.',
    dnsHint: "check host in the config, and the network.",
    refusedHint: "check host and port, and that the IMAP server runs; the next fetch tries again.",
  });
  if (reach !== undefined) return reach;
  if (typeof code === "string" && TIMEOUT_CODES.has(code)) {
    return remoteError("E_REMOTE_TIMEOUT", server, step, "no answer in time", {
      hint: "check the network and that the server is up; the next fetch tries again.",
    });
  }
  if (fields.responseStatus === "NO" || fields.responseStatus === "BAD") {
    const text = typeof fields.responseText === "string" ? fields.responseText : message;
    return remoteError(
      "E_REMOTE_REPLY",
      server,
      step,
      `the server answered ${fields.responseStatus} ${text}`,
      {
        hint: "check the folder names (mailbox, processed, rejected) and the rights of the user on the server.",
      },
    );
  }
  return remoteError(
    step === "connect" ? "E_REMOTE_CONNECT" : "E_REMOTE_CLOSED",
    server,
    step,
    `the connection was cut (${message})`,
    {
      hint: "the message stays in the mailbox; the next fetch takes it again.",
      cause: error,
    },
  );
}

/**
 * Connects and logs in: TLS from the start or STARTTLS (required: never a fall-back to plain
 * text), the certificate verified (`ca` added), the password read only now.
 */
export async function openImap(config: ImapConfig, env: TransportEnv): Promise<ImapSession> {
  const server = `imap ${config.host}:${config.port}`;
  const timeout = env.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const token = "tokenCommand" in config.credential;
  // XOAUTH2 with the token when a tokenCommand is given (Microsoft 365, Gmail), else a password.
  const auth =
    "tokenCommand" in config.credential
      ? {
          user: config.user,
          accessToken: await resolveToken(
            config.credential.tokenCommand,
            env.env,
            server,
            env.signal,
          ),
        }
      : { user: config.user, pass: await readPassword(config.credential, env.env, server) };
  const ca = await readCa(config.ca, server);
  // Loaded by the first connection, not by every command (see docs/architecture.md#a-command).
  const { ImapFlow } = await import("./library.js");
  const client = new ImapFlow({
    host: config.host,
    port: config.port,
    secure: config.secure === "tls",
    doSTARTTLS: config.secure === "starttls" ? true : undefined,
    auth,
    tls: { ca, rejectUnauthorized: true, minVersion: "TLSv1.2" },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 4,
  });
  // Errors after the connection is up are reported by the step in progress.
  client.on("error", () => undefined);
  // A step still waiting when the connection drops ends then, not at its time limit.
  const lost = new Promise<never>((_resolve, reject) => {
    client.once("close", () => {
      reject(new Error("the server closed the connection"));
    });
  });
  lost.catch(() => undefined);
  const kill = () => {
    client.close();
  };
  const step = <T>(name: string, task: () => Promise<T>, timeoutMs?: number): Promise<T> =>
    guarded(
      server,
      name,
      env,
      kill,
      () => Promise.race([task(), lost]),
      (error) => imapError(server, name, error, token),
      timeoutMs,
    );
  // Not raced with `lost`: a refused log-in also closes the connection, and its reason must win.
  await guarded(
    server,
    "connect",
    env,
    kill,
    () => client.connect(),
    (error) => imapError(server, "connect", error, token),
  );
  return {
    server,
    client,
    step,
    async close() {
      try {
        await Promise.race([
          client.logout(),
          new Promise((resolve) => setTimeout(resolve, 2000).unref()),
        ]);
      } catch {
        // Closing a connection that failed: nothing left to do.
      } finally {
        client.close();
      }
    },
  };
}

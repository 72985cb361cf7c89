import { CaisseError, isCaisseError, oneLine, systemErrorCode } from "@caisse/core";
import { isIP } from "node:net";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { TransportEnv, VerifyStep } from "../kind.js";
import {
  CERTIFICATE_CODES,
  DEFAULT_TIMEOUT_MS,
  readCa,
  failedStep,
  guarded,
  remoteError,
} from "../network.js";
import { countedBytes, transferTimeout } from "../transfer.js";
import { describeCredential, readPassword, resolveToken } from "../secrets.js";

import {
  bareAddress,
  messageBytes,
  type MailMessage,
  type MailReceipt,
  type SmtpConfig,
} from "./config.js";

/** nodemailer's error: a code of its own, the system's code, the SMTP reply and its command. */
interface NodemailerError extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

function reply(error: NodemailerError): string {
  const text = oneLine(error.response ?? error.message).replace(/\s+/gu, " ");
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** True when a reply or nodemailer says the message is larger than the server takes. */
function tooLarge(error: NodemailerError): boolean {
  return (
    error.responseCode === 552 ||
    /\b5\.3\.4\b/u.test(error.response ?? "") ||
    (error.code === "EMESSAGE" && /larger than allowed/u.test(error.message))
  );
}

/** nodemailer's and Node's errors as one line naming the server and the step. */
export function smtpError(
  server: string,
  given: string,
  error: unknown,
  config: Pick<SmtpConfig, "secure" | "credential">,
): CaisseError {
  const failure = (typeof error === "object" && error !== null ? error : {}) as NodemailerError;
  const message = error instanceof Error ? error.message : String(error);
  const system = failure.originalCode ?? systemErrorCode(error) ?? failure.code;
  const tls =
    failure.code === "ETLS" ||
    (typeof system === "string" &&
      (CERTIFICATE_CODES.has(system) ||
        system.startsWith("ERR_SSL") ||
        system.startsWith("ERR_TLS")));
  // With STARTTLS the handshake happens within the connect step: name it.
  const step =
    failure.command === "STARTTLS" || (tls && config.secure === "starttls" && given === "connect")
      ? "start TLS"
      : given;
  if (failure.command === "STARTTLS" && failure.responseCode !== undefined) {
    return remoteError(
      "E_REMOTE_TLS",
      server,
      step,
      `the server does not offer STARTTLS (${reply(failure)}); nothing was sent in plain text`,
      {
        hint: 'check "secure" and "port" with the mail provider: "starttls" is usually port 587, "tls" port 465. A plain-text login is never tried instead.',
      },
    );
  }
  if (typeof system === "string" && CERTIFICATE_CODES.has(system)) {
    return remoteError(
      "E_REMOTE_TLS",
      server,
      step,
      `the certificate does not verify (${system}: ${oneLine(message)})`,
      {
        hint: "if the server has its own CA, give its certificate in ca (a PEM file); connect with the name the certificate is issued for. Verification is never turned off (see docs/security.md).",
      },
    );
  }
  if (tls) {
    return remoteError(
      "E_REMOTE_TLS",
      server,
      step,
      `the TLS handshake failed (${oneLine(message)})`,
      {
        hint: 'check "secure" and "port": "tls" is TLS from the start (usually port 465), "starttls" starts plain then switches (usually port 587).',
      },
    );
  }
  if (failure.code === "EDNS" || system === "ENOTFOUND" || system === "EAI_AGAIN") {
    return remoteError("E_REMOTE_CONNECT", server, step, "host name not found", {
      hint: "check host in the config, and the machine's DNS and network.",
    });
  }
  if (system === "ECONNREFUSED" || system === "EHOSTUNREACH" || system === "ENETUNREACH") {
    return remoteError("E_REMOTE_CONNECT", server, step, `connection refused (${system})`, {
      hint: "check host and port, and that the mail server runs; the next run tries again.",
    });
  }
  if (failure.code === "ETIMEDOUT" || system === "ETIMEDOUT") {
    return remoteError("E_REMOTE_TIMEOUT", server, step, "no answer in time", {
      hint: "check the network and that the server is up; the next run tries again.",
    });
  }
  if (failure.code === "EAUTH" || failure.code === "ENOAUTH" || failure.code === "EOAUTH2") {
    const token = config.credential !== undefined && "tokenCommand" in config.credential;
    return remoteError(
      "E_REMOTE_LOGIN",
      server,
      step,
      `the server refused the login (${reply(failure)})`,
      {
        hint: token
          ? 'check user and that tokenCommand prints a valid access token for it, with the SMTP scope (see docs/transports.md, "OAuth2 tokens").'
          : "check user and the password (passwordEnv or passwordFile) in the config.",
      },
    );
  }
  if (tooLarge(failure)) {
    return remoteError(
      "E_REMOTE_REPLY",
      server,
      step,
      `the server refused the message as too large (${reply(failure)})`,
      {
        hint: "the archive stays in the outbox. Lower maxBytes to what the server accepts so that the next run says so before connecting, or send by ftp or sftp.",
        details: { reply: failure.responseCode },
      },
    );
  }
  if (failure.responseCode !== undefined) {
    return remoteError("E_REMOTE_REPLY", server, step, `the server answered ${reply(failure)}`, {
      hint: "check from and to in the config, and that the account may send as from; the next run tries again.",
      details: { reply: failure.responseCode },
    });
  }
  return remoteError(
    step === "connect" ? "E_REMOTE_CONNECT" : "E_REMOTE_CLOSED",
    server,
    step,
    `the connection was cut (${oneLine(message)})`,
    { hint: "nothing was sent; the next run does it again.", cause: error },
  );
}

/**
 * nodemailer, loaded by the first connection: the commands that send no mail, and `--version`,
 * do not load it (see docs/architecture.md#a-command).
 */
let nodemailer: typeof import("./library.js") | undefined;

type Connection = InstanceType<(typeof import("./library.js"))["SMTPConnection"]>;

/** How much later than the step's limit nodemailer's own limits come. */
const LIBRARY_GRACE_MS = 5_000;

/** A connected, logged-in SMTP session whose every step is timed and stoppable. */
interface SmtpSession {
  server: string;
  connection: Connection;
  /** Runs one step: its callback API as a promise, under the time limit and the stop signal. */
  step<T>(
    name: string,
    body: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
    timeoutMs?: number,
  ): Promise<T>;
  close(): void;
}

/** `smtp host:port`: the first words of every message about this server. */
export function smtpServer(config: Pick<SmtpConfig, "host" | "port">): string {
  return `smtp ${config.host}:${config.port}`;
}

/**
 * Connects (TLS from the start, or STARTTLS required: never plain when TLS was asked for;
 * certificates verified, `ca` added) and logs in when a user is configured, with the password or
 * with XOAUTH2 and the token command's token.
 */
async function openSmtp(config: SmtpConfig, env: TransportEnv): Promise<SmtpSession> {
  const server = smtpServer(config);
  const secret =
    config.credential === undefined || config.user === undefined
      ? undefined
      : "tokenCommand" in config.credential
        ? {
            token: await resolveToken(config.credential.tokenCommand, env.env, server, env.signal),
          }
        : { password: await readPassword(config.credential, env.env, server) };
  const ca = await readCa(config.ca, server);
  nodemailer ??= await import("./library.js");
  const timeout = env.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connection = new nodemailer.SMTPConnection({
    host: config.host,
    port: config.port,
    secure: config.secure === "tls",
    // STARTTLS or nothing: nodemailer would otherwise go on in plain text when it is missing.
    requireTLS: config.secure === "starttls",
    ignoreTLS: config.secure === false,
    opportunisticTLS: false,
    tls: {
      ca,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
      ...(isIP(config.host) === 0 ? { servername: config.host } : {}),
    },
    // nodemailer's own limits come after the step's (see guarded), which names the step.
    connectionTimeout: timeout + LIBRARY_GRACE_MS,
    greetingTimeout: timeout + LIBRARY_GRACE_MS,
    socketTimeout: timeout + LIBRARY_GRACE_MS,
    // A stop closes the socket at once rather than waiting for the server to close it.
    socketCloseTimeout: 0,
    logger: false,
    debug: false,
  });
  /** The step waiting for an answer: the connection's errors fail it. */
  let pending: ((error: unknown) => void) | undefined;
  connection.on("error", (error: unknown) => {
    pending?.(error);
  });
  connection.on("end", () => {
    pending?.(
      Object.assign(new Error("the server closed the connection"), { code: "ECONNECTION" }),
    );
  });
  const kill = () => {
    connection.close();
  };
  const session: SmtpSession = {
    server,
    connection,
    step: <T>(
      name: string,
      body: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
      timeoutMs?: number,
    ) =>
      guarded(
        server,
        name,
        env,
        kill,
        () =>
          new Promise<T>((resolve, reject) => {
            pending = reject;
            body(resolve, reject);
          }).finally(() => {
            pending = undefined;
          }),
        (error) => smtpError(server, name, error, config),
        timeoutMs,
      ),
    close: kill,
  };
  try {
    await session.step<undefined>("connect", (resolve) => {
      connection.connect(() => {
        resolve(undefined);
      });
    });
    if (config.secure !== false && !connection.secure) {
      throw remoteError("E_REMOTE_TLS", server, "start TLS", "the connection is not protected", {
        hint: 'check "secure" and "port" with the mail provider; nothing was sent.',
      });
    }
    if (config.user !== undefined && secret !== undefined) {
      const user = config.user;
      const auth =
        "token" in secret
          ? {
              user,
              method: "XOAUTH2",
              oauth2: new nodemailer.XOAuth2({ user, accessToken: secret.token }),
            }
          : { user, pass: secret.password };
      await session.step<undefined>("log in", (resolve, reject) => {
        connection.login(auth, (error) => {
          if (error) reject(error);
          else resolve(undefined);
        });
      });
    }
  } catch (error) {
    kill();
    throw error;
  }
  return session;
}

/** A stream that reports the bytes that passed through it. */
function counted(source: Readable, total: number, env: TransportEnv): Readable {
  const counter = countedBytes(total, env.onProgress);
  source.on("error", (error) => counter.destroy(error));
  // Once a send has failed, nodemailer stops listening to the message while the file may still be
  // read (or removed): an error then must not crash the process. While it listens, it sees the
  // error too and fails the send with it.
  counter.on("error", () => undefined);
  counter.on("close", () => source.destroy());
  return source.pipe(counter);
}

/**
 * Sends one mail through `smtp`: connect (TLS as configured), log in, hand over the message, quit.
 * Resolves once the server has taken it for every recipient; a refused recipient, a size
 * refusal (552), a login refused, a cut connection... fail with one CaisseError line naming the
 * server and the step (E_REMOTE_*; E_SECRET for the password or token; E_INTERRUPTED on
 * `env.signal`, which closes the connection at once). `env.onProgress` sees the bytes of the
 * message as they go. The till's `mail` transport, the central's `report --mail` and
 * `catalog send` all send through here; keep this signature stable.
 */
export async function sendMessage(
  smtp: SmtpConfig,
  message: MailMessage,
  env: TransportEnv,
): Promise<MailReceipt> {
  const to = message.to.map((address) => {
    const bare = bareAddress(address);
    if (bare === undefined) {
      throw new CaisseError("E_CONFIG", `'${oneLine(address)}' is not a mail address`, {
        hint: "give addresses such as head-office@example.fr.",
      });
    }
    return bare;
  });
  const from = bareAddress(smtp.from) ?? smtp.from;
  const total = await messageBytes(message);
  const session = await openSmtp(smtp, env);
  const library = nodemailer;
  if (library === undefined) throw new Error("nodemailer is not loaded");
  let stream: Readable | undefined;
  try {
    const composed = new library.MailComposer({
      from: smtp.from,
      to: [...message.to],
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
      attachments: (message.attachments ?? []).map((attachment) => ({ ...attachment })),
      xMailer: false,
    }).compile();
    stream = counted(composed.createReadStream(), total, env);
    const body = stream;
    const info = await session.step<{ accepted: string[]; rejected: string[]; response: string }>(
      "send",
      (resolve, reject) => {
        session.connection.send({ from, to, size: total }, body, (error, sent) => {
          if (error) reject(error);
          else resolve(sent);
        });
      },
      transferTimeout(env, total),
    );
    if (info.rejected.length > 0) {
      throw remoteError(
        "E_REMOTE_REPLY",
        session.server,
        "send",
        `the server refused the recipient${info.rejected.length > 1 ? "s" : ""} ${info.rejected.join(", ")}`,
        {
          hint: "check to in the config; the next run sends again to every recipient.",
        },
      );
    }
    env.onProgress?.(total, total);
    session.connection.quit();
    return { server: session.server, accepted: info.accepted, response: oneLine(info.response) };
  } catch (error) {
    stream?.destroy();
    session.close();
    throw isCaisseError(error) ? error : smtpError(session.server, "send", error, smtp);
  }
}

function describeTls(config: SmtpConfig): string {
  if (config.secure === false)
    return "none: secure is false, the mails cross the network unprotected";
  return `${config.secure === "starttls" ? "STARTTLS" : "TLS"}, certificate verified`;
}

function tlsDetail(session: SmtpSession, config: SmtpConfig): string {
  if (config.secure === false) return describeTls(config);
  const socket = (session.connection as unknown as { _socket?: TLSSocket | false | null })._socket;
  const protocol =
    socket !== undefined && socket !== null && socket !== false && "getProtocol" in socket
      ? socket.getProtocol()
      : null;
  return `${protocol ?? "TLS"}${config.secure === "starttls" ? " by STARTTLS" : ""}, certificate verified`;
}

/** The doctor step a failure belongs to: its code says which. */
function stepOf(error: unknown): "connect" | "TLS" | "log in" {
  if (!isCaisseError(error)) return "connect";
  if (error.code === "E_REMOTE_TLS") return "TLS";
  if (error.code === "E_REMOTE_LOGIN" || error.code === "E_SECRET") return "log in";
  return "connect";
}

/**
 * doctor: connect, TLS (the protocol, the certificate verified), log in; no mail is sent. A
 * failed step follows the ones that passed.
 */
export async function verifySmtp(config: SmtpConfig, env: TransportEnv): Promise<VerifyStep[]> {
  const server = smtpServer(config);
  const login =
    config.user === undefined || config.credential === undefined
      ? "no login configured"
      : `${config.user} (${"tokenCommand" in config.credential ? "XOAUTH2, " : ""}${describeCredential(config.credential)})`;
  let session: SmtpSession;
  try {
    session = await openSmtp(config, env);
  } catch (error) {
    const failed = stepOf(error);
    const steps: VerifyStep[] = [];
    // The secret is read before connecting: its failure says nothing of the connection.
    if (isCaisseError(error) && error.code !== "E_SECRET") {
      if (failed !== "connect") steps.push({ step: "connect", ok: true, detail: server });
      if (failed === "log in") steps.push({ step: "TLS", ok: true, detail: describeTls(config) });
    }
    steps.push(failedStep(failed, error));
    return steps;
  }
  try {
    return [
      { step: "connect", ok: true, detail: server },
      { step: "TLS", ok: true, detail: tlsDetail(session, config) },
      { step: "log in", ok: true, detail: login },
    ];
  } finally {
    session.connection.quit();
  }
}

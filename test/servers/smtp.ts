import { readFileSync } from "node:fs";
import type { AddressInfo, Server, Socket } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { TestCertificate } from "./certs.js";

/** A message the server took, as the client sent it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message, headers and body, as received. */
  raw: Buffer;
  /** Whether the connection was protected by TLS when the message came. */
  secure: boolean;
  /** Who logged in, and how; undefined without a login. */
  user: string | undefined;
}

/** A login attempt as the server saw it (for tests that check what reached it). */
export interface LoginAttempt {
  method: string;
  username: string | undefined;
  password: string | undefined;
  accessToken: string | undefined;
  secure: boolean;
  accepted: boolean;
}

export interface SmtpTestServer {
  port: number;
  /** Messages taken, in order. */
  received: ReceivedMail[];
  logins: LoginAttempt[];
  /** Connections opened (0 when the client refused before connecting). */
  connections: number;
  /** MAIL FROM commands seen (a message begun, taken or not). */
  mailCommands: number;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  /**
   * `tls`: TLS from the start; `starttls`: plain, STARTTLS offered; `plain`: no STARTTLS at all
   * (the command is refused, as a server without TLS does).
   */
  mode: "tls" | "starttls" | "plain";
  certificate?: TestCertificate | undefined;
  /** The one account: a password, or an OAuth2 access token checked by XOAUTH2. */
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** Largest message, announced with SIZE; a larger one gets 552 at the end of DATA. */
  size?: number | undefined;
  /** Largest message, not announced: a larger one gets 552 at the end of DATA. */
  refuseLargerThan?: number | undefined;
  /** Cut the connection once this many bytes of a message have come. */
  cutAfterBytes?: number | undefined;
  /** Take the message's bytes, never answer at the end (a stalled server). */
  stall?: boolean | undefined;
}

/**
 * smtp-server on 127.0.0.1 at a random port, recording what it receives. Login is required when
 * `user` is given (PLAIN and LOGIN with `password`, XOAUTH2 with `token`).
 */
export async function startSmtpServer(options: SmtpServerOptions): Promise<SmtpTestServer> {
  const state: Omit<SmtpTestServer, "port" | "close"> = {
    received: [],
    logins: [],
    connections: 0,
    mailCommands: 0,
  };
  const tls =
    options.certificate === undefined
      ? {}
      : {
          key: readFileSync(options.certificate.key),
          cert: readFileSync(options.certificate.cert),
        };
  const authMethods = [
    ...(options.password === undefined ? [] : ["PLAIN", "LOGIN"]),
    ...(options.token === undefined ? [] : ["XOAUTH2"]),
  ];
  const config: SMTPServerOptions = {
    ...tls,
    secure: options.mode === "tls",
    logger: false,
    banner: "caisse test server",
    disabledCommands: options.mode === "plain" ? ["STARTTLS"] : [],
    hideSTARTTLS: options.mode === "plain",
    authOptional: options.user === undefined,
    ...(authMethods.length === 0 ? {} : { authMethods }),
    // The client decides whether a plain login is acceptable; the tests check that it refuses.
    allowInsecureAuth: true,
    ...(options.size === undefined ? {} : { size: options.size }),
    onConnect(session, callback) {
      state.connections += 1;
      callback();
    },
    onAuth(auth, session, callback) {
      const secure = session.secure;
      const accepted =
        auth.username === options.user &&
        (auth.method === "XOAUTH2"
          ? options.token !== undefined && auth.accessToken === options.token
          : options.password !== undefined && auth.password === options.password);
      state.logins.push({
        method: auth.method,
        username: auth.username ?? undefined,
        password: auth.password ?? undefined,
        accessToken: auth.accessToken ?? undefined,
        secure,
        accepted,
      });
      if (accepted) {
        callback(null, { user: auth.username });
        return;
      }
      if (auth.method === "XOAUTH2") {
        callback(null, {
          data: { status: "401", schemes: "bearer", scope: "https://mail.google.com/" },
        });
        return;
      }
      callback(new Error("Invalid username or password"));
    },
    onMailFrom(address, session, callback) {
      state.mailCommands += 1;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let seen = 0;
      stream.on("data", (chunk: Buffer) => {
        seen += chunk.length;
        chunks.push(chunk);
        if (options.cutAfterBytes !== undefined && seen >= options.cutAfterBytes) cut();
      });
      stream.on("end", () => {
        if (options.stall === true) return;
        // SIZE is only advisory: the whole message is read, then refused.
        const limit = stream.sizeExceeded ? options.size : options.refuseLargerThan;
        if (limit !== undefined && (stream.sizeExceeded || seen > limit)) {
          callback(
            Object.assign(new Error(`Message exceeds fixed maximum message size ${limit}`), {
              responseCode: 552,
            }),
          );
          return;
        }
        const envelope = session.envelope;
        state.received.push({
          from: envelope.mailFrom === false ? "" : envelope.mailFrom.address,
          to: envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: typeof session.user === "string" ? session.user : undefined,
        });
        callback(null, "Message queued as caisse-test");
      });
    },
  };
  const server = new SMTPServer(config);
  server.on("error", () => undefined);
  const net = (server as unknown as { server: Server }).server;
  /**
   * Destroys the open connections from the top: the TLS socket, never the TCP socket under it
   * (tearing TLS down from below during a handshake crashes Node).
   */
  function cut(): void {
    const open = (server as unknown as { connections: Set<{ _socket: Socket }> }).connections;
    for (const connection of open) connection._socket.destroy();
  }
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = net.address() as AddressInfo;
  return Object.assign(state, {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => {
          resolve();
        });
      }),
  });
}

/** The headers of a raw message, unfolded, by lower-case name (the first of each). */
export function headersOf(raw: Buffer): Map<string, string> {
  const text = raw.toString("utf8");
  const end = text.indexOf("\r\n\r\n");
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r\n[ \t]+/gu, " ");
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** The parts of a multipart message: headers and body, decoded from base64 when so encoded. */
export function partsOf(raw: Buffer): { headers: Map<string, string>; body: Buffer }[] {
  const type = headersOf(raw).get("content-type") ?? "";
  const boundary = /boundary="?([^";]+)"?/u.exec(type)?.[1];
  if (boundary === undefined) throw new Error(`not a multipart message: ${type}`);
  const text = raw.toString("latin1");
  const pieces = text.split(`--${boundary}`).slice(1, -1);
  return pieces.map((piece) => {
    const body = piece.replace(/^\r\n/u, "");
    const end = body.indexOf("\r\n\r\n");
    const headers = headersOf(Buffer.from(body.slice(0, end + 4), "latin1"));
    const content = body.slice(end + 4).replace(/\r\n$/u, "");
    const encoding = headers.get("content-transfer-encoding")?.toLowerCase();
    return {
      headers,
      body:
        encoding === "base64"
          ? Buffer.from(content.replace(/\s+/gu, ""), "base64")
          : Buffer.from(content, "latin1"),
    };
  });
}

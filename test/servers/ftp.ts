import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo, Socket } from "node:net";
import { createSecureContext, TLSSocket } from "node:tls";
import { Transform, Writable, type Readable } from "node:stream";
import type { TestCertificate } from "./certs.js";

/** ftp-srv writes through bunyan by default: a logger that says nothing. */
const quiet = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child() {
    return quiet;
  },
};

export interface FtpTestServer {
  port: number;
  close(): Promise<void>;
  /** The server object of ftp-srv, for tests that change its behaviour. */
  raw: FtpSrvLike;
}

interface FtpSrvLike {
  on(event: string, listener: (...args: never[]) => void): void;
  listen(): Promise<unknown>;
  close(): Promise<unknown>;
  server: { address(): AddressInfo | string | null };
}

interface FtpConnection {
  commandSocket?: Socket;
  connector?: { dataSocket?: Socket | null };
}

interface FtpFs {
  write(name: string, flags: unknown): { stream: Writable; clientPath: string };
  read(name: string, flags: unknown): Promise<{ stream: Readable; clientPath: string }>;
}

/**
 * ftp-srv answers AUTH TLS with 234 and wraps the socket in TLS only once that reply is written
 * (its write callback). A client that sends its TLS hello at once can have it read first as a plain
 * command, and then reads a plain reply where it expects TLS: ERR_SSL_WRONG_VERSION_NUMBER, about 1
 * connection in 10 with the bundled CLIs. Here the reply is written and the socket wrapped in the
 * same tick, so no read can come between them, as a real server does (vsftpd).
 */
function authTlsWithoutRace(): void {
  const registry = createRequire(import.meta.url)("ftp-srv/src/commands/registry") as Record<
    string,
    { handler: (this: AuthConnection, input: { command: { arg: string } }) => Promise<unknown> }
  >;
  const auth = registry.AUTH;
  if (auth === undefined) throw new Error("ftp-srv has no AUTH command to patch");
  auth.handler = function (this: AuthConnection, { command }) {
    const options = this.server.options.tls;
    if (command.arg.toUpperCase() !== "TLS") return this.reply(504);
    if (options === false) return this.reply(502);
    if (this.secure) return this.reply(202);
    const plain = this.commandSocket;
    plain.write("234 Honored\r\n");
    const secure = new TLSSocket(plain, {
      isServer: true,
      secureContext: createSecureContext(options),
    });
    for (const event of ["data", "timeout", "end", "close", "drain", "error"]) {
      secure.on(event, (...args: unknown[]) => plain.emit(event, ...args));
    }
    this.commandSocket = secure;
    this.secure = true;
    return Promise.resolve();
  };
}

interface AuthConnection {
  server: { options: { tls: false | { key: Buffer; cert: Buffer } } };
  commandSocket: Socket;
  secure: boolean;
  reply(code: number): Promise<unknown>;
}

let nextPasv = 30000 + Math.floor(Math.random() * 200) * 100;

/**
 * An ftp-srv on 127.0.0.1 at a random port, serving `root` to one user. `tls`: none, explicit
 * (AUTH TLS) or implicit (TLS from the start). With TLS, ftp-srv's passive data servers are TLS
 * servers: a plain data connection fails, so a transfer that works was protected.
 */
export async function startFtpServer(options: {
  root: string;
  user: string;
  password: string;
  tls?: { mode: "explicit" | "implicit"; certificate: TestCertificate } | undefined;
  /** Commands the server refuses (502). */
  blacklist?: string[];
  /** Cut the connection once this many bytes of an upload have passed. */
  cutUploadsAfterBytes?: number;
  /** Cut the connection once this many bytes of a download have passed. */
  cutDownloadsAfterBytes?: number;
  /** Uploads never complete (the data connection stays open, silent). */
  stallUploads?: boolean;
}): Promise<FtpTestServer> {
  const { FtpSrv, FileSystem } = (await import("ftp-srv")) as unknown as {
    FtpSrv: new (options: Record<string, unknown>) => FtpSrvLike;
    FileSystem: new (connection: unknown, options: { root: string; cwd: string }) => FtpFs;
  };
  authTlsWithoutRace();
  const { cutUploadsAfterBytes, cutDownloadsAfterBytes, stallUploads } = options;
  /** The connection's sockets, destroyed to cut it as a network failure would. */
  const cut = (connection: FtpConnection) => {
    connection.connector?.dataSocket?.destroy();
    connection.commandSocket?.destroy();
  };
  const fsFor = (connection: FtpConnection): FtpFs => {
    const fs = new FileSystem(connection, { root: options.root, cwd: "/" });
    if (
      cutUploadsAfterBytes === undefined &&
      cutDownloadsAfterBytes === undefined &&
      stallUploads !== true
    )
      return fs;
    const write = fs.write.bind(fs);
    const read = fs.read.bind(fs);
    fs.write = (name, flags) => {
      const opened = write(name, flags);
      if (stallUploads === true) {
        return { ...opened, stream: new Writable({ write: () => undefined }) };
      }
      let seen = 0;
      const limit = cutUploadsAfterBytes ?? Infinity;
      const guard = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          seen += chunk.length;
          if (seen >= limit) {
            opened.stream.write(chunk.subarray(0, limit - (seen - chunk.length)));
            cut(connection);
            return;
          }
          opened.stream.write(chunk, callback);
        },
        final(callback) {
          opened.stream.end(callback);
        },
      });
      return { ...opened, stream: guard };
    };
    fs.read = async (name, flags) => {
      const opened = await read(name, flags);
      let seen = 0;
      const limit = cutDownloadsAfterBytes ?? Infinity;
      const guard = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          seen += chunk.length;
          if (seen >= limit) {
            callback(null, chunk.subarray(0, limit - (seen - chunk.length)));
            setTimeout(() => {
              cut(connection);
            }, 20);
            return;
          }
          callback(null, chunk);
        },
      });
      opened.stream.pipe(guard);
      return { ...opened, stream: guard };
    };
    return fs;
  };
  const pasvMin = nextPasv;
  nextPasv += 100;
  const signals = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  const tls =
    options.tls === undefined
      ? false
      : {
          key: readFileSync(options.tls.certificate.key),
          cert: readFileSync(options.tls.certificate.cert),
        };
  const server = new FtpSrv({
    url: `${options.tls?.mode === "implicit" ? "ftps" : "ftp"}://127.0.0.1:0`,
    pasv_url: "127.0.0.1",
    pasv_min: pasvMin,
    pasv_max: pasvMin + 99,
    anonymous: false,
    tls,
    blacklist: options.blacklist ?? [],
    log: quiet,
    greeting: "caisse test server",
  });
  // ftp-srv stops itself on these signals; the tests' process is not its to stop.
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  server.on(
    "login",
    (
      data: { username: string; password: string; connection: FtpConnection },
      resolve: (value: { root: string; fs: FtpFs }) => void,
      reject: (error: Error) => void,
    ) => {
      if (data.username === options.user && data.password === options.password)
        resolve({ root: options.root, fs: fsFor(data.connection) });
      else reject(new Error("Login incorrect"));
    },
  );
  server.on("client-error", () => undefined);
  server.on("server-error", () => undefined);
  await server.listen();
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    raw: server,
    close: async () => {
      await server.close().catch(() => undefined);
    },
  };
}

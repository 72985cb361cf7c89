import { ImapFlow } from "imapflow";
import { readFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * Helpers for the tests against the real dovecot that test/servers/setup.sh starts: messages
 * built by hand (MIME, base64 attachments), delivered by LMTP as a mail server does, and looked
 * at over IMAP.
 */

export const IMAP_HOW =
  "run 'sudo test/servers/setup.sh' (installs and starts dovecot and postfix on 127.0.0.1 with vsftpd and OpenSSH), then 'set -a; . /srv/caisse-test/env; set +a' before npm test";

export function realEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set: ${IMAP_HOW}`);
  return value;
}

export const IMAP_READY =
  (process.env.CAISSE_REAL_IMAP_TLS_PORT ?? "") !== "" &&
  (process.env.CAISSE_REAL_IMAP_PASSWORD ?? "") !== "";

/**
 * The central's `sources` entry for the folder `folder` of caisse@example.test over IMAPS, its
 * Processed and Rejected beneath it; the password in CAISSE_IMAP_PASSWORD.
 */
export function imapSource(folder: string): Record<string, unknown> {
  return {
    name: "courrier",
    type: "imap",
    host: "127.0.0.1",
    port: Number(realEnv("CAISSE_REAL_IMAP_TLS_PORT")),
    secure: "tls",
    user: realEnv("CAISSE_REAL_IMAP_USER"),
    passwordEnv: "CAISSE_IMAP_PASSWORD",
    mailbox: folder,
    processed: `${folder}/Processed`,
    rejected: `${folder}/Rejected`,
    ca: realEnv("CAISSE_REAL_IMAP_CA"),
  };
}

export interface Attachment {
  name: string;
  content: Buffer;
  type?: string;
}

/** A message from a till (or anyone) with these attachments, as a mail program writes it. */
export function message(
  subject: string,
  attachments: readonly Attachment[],
  from = "magasin1@example.test",
): string {
  const boundary = `=_caisse_${Math.random().toString(16).slice(2)}`;
  const lines = [
    `From: ${from}`,
    "To: caisse@example.test",
    `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(16).slice(2)}@example.test>`,
    `Date: ${new Date().toUTCString()}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    subject,
  ];
  for (const attachment of attachments) {
    lines.push(
      `--${boundary}`,
      `Content-Type: ${attachment.type ?? "application/zip"}; name="${attachment.name}"`,
      "Content-Transfer-Encoding: base64",
      `Content-Disposition: attachment; filename="${attachment.name}"`,
      "",
      ...(attachment.content.toString("base64").match(/.{1,76}/gu) ?? []),
    );
  }
  lines.push(`--${boundary}--`, "");
  return lines.join("\r\n");
}

/** Reads one LMTP/SMTP reply (its last line has a space after the code). */
function replies(socket: Socket): () => Promise<string> {
  let buffer = "";
  const waiting: ((line: string) => void)[] = [];
  const ready: string[] = [];
  socket.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let end;
    while ((end = buffer.indexOf("\r\n")) !== -1) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^\d{3} /u.test(line)) {
        const next = waiting.shift();
        if (next === undefined) ready.push(line);
        else next(line);
      }
    }
  });
  return () =>
    new Promise((resolve) => {
      const line = ready.shift();
      if (line === undefined) waiting.push(resolve);
      else resolve(line);
    });
}

/**
 * Delivers messages into the folder `folder` of caisse@example.test through dovecot's LMTP (the
 * last hop of a real mail server: caisse+FOLDER@ lands in FOLDER), in one session.
 */
export async function deliver(
  folder: string,
  messages: readonly string[],
  user = "caisse",
): Promise<void> {
  const socket = connect(Number(realEnv("CAISSE_REAL_LMTP_PORT")), "127.0.0.1");
  const next = replies(socket);
  const expectReply = async (code: string, what: string) => {
    const line = await next();
    if (!line.startsWith(code)) throw new Error(`LMTP ${what}: ${line}`);
  };
  const send = (text: string) => socket.write(`${text}\r\n`);
  try {
    await expectReply("220", "greeting");
    send("LHLO test.example");
    await expectReply("250", "LHLO");
    for (const text of messages) {
      send("MAIL FROM:<magasin1@example.test>");
      await expectReply("250", "MAIL FROM");
      send(`RCPT TO:<${user}+${folder}@example.test>`);
      await expectReply("250", "RCPT TO");
      send("DATA");
      await expectReply("354", "DATA");
      socket.write(`${text.replace(/^\./gmu, "..")}\r\n.\r\n`);
      await expectReply("250", "end of DATA");
    }
    send("QUIT");
  } finally {
    socket.end();
  }
}

/** A connection of the test's own to the mailbox, to look at folders. */
export async function imapClient(): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: Number(realEnv("CAISSE_REAL_IMAP_TLS_PORT")),
    secure: true,
    auth: { user: realEnv("CAISSE_REAL_IMAP_USER"), pass: realEnv("CAISSE_REAL_IMAP_PASSWORD") },
    tls: { ca: await readFile(realEnv("CAISSE_REAL_IMAP_CA")) },
    logger: false,
  });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

/** How many messages each folder holds (0 for a folder that does not exist). */
export async function counts(folders: readonly string[]): Promise<Record<string, number>> {
  const client = await imapClient();
  try {
    const result: Record<string, number> = {};
    for (const folder of folders) {
      const status = await client.status(folder, { messages: true }).catch(() => false as const);
      result[folder] = status === false ? 0 : (status.messages ?? 0);
    }
    return result;
  } finally {
    await client.logout();
  }
}

/** The subjects of the messages in a folder, in UID order. */
export async function subjects(folder: string): Promise<string[]> {
  const client = await imapClient();
  try {
    const box = await client.mailboxOpen(folder);
    if (box.exists === 0) return [];
    const rows = await client.fetchAll("1:*", { uid: true, envelope: true });
    return rows.sort((a, b) => a.uid - b.uid).map((row) => row.envelope?.subject ?? "");
  } finally {
    await client.logout();
  }
}

/**
 * A TCP relay to the IMAPS port that cuts both connections once `cutAfter` bytes came from the
 * server: a connection killed in the middle of a download (TLS passes through untouched).
 */
export async function cuttingRelay(cutAfter: number): Promise<{ port: number; server: Server }> {
  const target = Number(realEnv("CAISSE_REAL_IMAP_TLS_PORT"));
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    let received = 0;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > cutAfter) cut();
      else client.write(chunk);
    });
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
    client.on("error", cut);
    upstream.on("error", cut);
    client.on("close", cut);
    upstream.on("close", cut);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, server };
}

/** A port on 127.0.0.1 where nothing listens (taken, then given back). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A server that accepts connections and never says a word (a hung server, a black hole). */
export async function silentServer(): Promise<{ port: number; server: Server }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
  });
  server.on("close", () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, server };
}

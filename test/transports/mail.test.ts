import {
  ConfigChecker,
  createSender,
  parseTransport,
  sendMessage,
  type OutgoingArchive,
  type TransportConfig,
  type TransportEnv,
} from "@caisse/transports";
import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { temporaryFolder } from "../helpers/cli.js";
import { caisseFailure } from "../helpers/errors.js";
import { makeCertificate, type TestCertificate } from "../servers/certs.js";
import {
  headersOf,
  partsOf,
  startSmtpServer,
  type SmtpServerOptions,
  type SmtpTestServer,
} from "../servers/smtp.js";

/**
 * The mail transport against smtp-server on 127.0.0.1 (in-process, random port, a certificate made
 * by the test run): TLS from the start, STARTTLS required, plain; password and XOAUTH2 logins;
 * every refusal as one line naming the server and the step.
 */

const MAIL_USER = "caisse@example.test";
const MAIL_PASSWORD = "smtp-Secret-9b2e4d";
const MAIL_TOKEN = "ya29.caisse-Token-5e7f1a3c";

let certificate: TestCertificate;
let stranger: TestCertificate;
beforeAll(async () => {
  certificate = await makeCertificate("smtp");
  stranger = await makeCertificate("stranger");
});

let work: { path: string; remove: () => Promise<void> };
let server: SmtpTestServer | undefined;
beforeEach(async () => {
  work = await temporaryFolder("caisse-mail-");
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await work.remove();
});

async function start(options: Partial<SmtpServerOptions> = {}): Promise<SmtpTestServer> {
  server = await startSmtpServer({
    mode: "tls",
    certificate,
    user: MAIL_USER,
    password: MAIL_PASSWORD,
    ...options,
  });
  return server;
}

/** An archive of `bytes` random bytes in the test's folder. */
async function archiveOf(bytes: number): Promise<OutgoingArchive> {
  const name = "D01_20261127T230005_000042.zip";
  const path = join(work.path, name);
  await writeFile(path, randomBytes(bytes));
  return {
    path,
    name,
    size: bytes,
    till: "D01",
    tillName: "Magasin 1",
    sequence: 42,
    created: "2026-11-27T23:00:05+01:00",
  };
}

/** The till's transport as written in caisse-export.json, read by the config checker. */
function mailConfig(port: number, keys: Record<string, unknown> = {}): TransportConfig {
  const check = new ConfigChecker(work.path);
  const config = parseTransport(
    check,
    {
      type: "mail",
      host: "127.0.0.1",
      port,
      secure: "tls",
      user: MAIL_USER,
      passwordEnv: "CAISSE_SMTP_PASSWORD",
      from: "Magasin 1 <d01@example.test>",
      to: "siege@example.test",
      ca: certificate.cert,
      ...keys,
    },
    "transport.",
    "transport",
  );
  expect(check.problems).toEqual([]);
  if (config === undefined) throw new Error("no config");
  return config;
}

const env = (more: Partial<TransportEnv> = {}): TransportEnv => ({
  env: { CAISSE_SMTP_PASSWORD: MAIL_PASSWORD },
  ...more,
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A node script that prints `output` on stdout and `errors` on stderr, then exits with `status`. */
async function tokenScript(output: string, status = 0, errors = ""): Promise<string[]> {
  const script = join(work.path, `token-${randomBytes(3).toString("hex")}.mjs`);
  await writeFile(
    script,
    `process.stdout.write(${JSON.stringify(output)});\nprocess.stderr.write(${JSON.stringify(errors)});\nprocess.exitCode = ${status};\n`,
  );
  return [process.execPath, script];
}

describe("mail: one message per archive", () => {
  for (const mode of ["tls", "starttls", "plain"] as const) {
    it(`sends with secure ${mode === "plain" ? "false" : `"${mode}"`}: the archive attached byte for byte, subject and summary exact`, async () => {
      const smtp = await start({ mode });
      const archive = await archiveOf(150_000);
      const progress: [number, number][] = [];
      const receipt = await createSender(
        mailConfig(smtp.port, {
          secure: mode === "plain" ? false : mode,
          ...(mode === "plain" ? { ca: undefined } : {}),
        }),
        env({ onProgress: (done, total) => progress.push([done, total]) }),
      ).send(archive);
      expect(receipt.destination).toBe(
        `mail to siege@example.test via smtp 127.0.0.1:${smtp.port}`,
      );
      expect(smtp.received).toHaveLength(1);
      const [mail] = smtp.received;
      if (mail === undefined) throw new Error("no mail");
      expect(mail.secure).toBe(mode !== "plain");
      expect(mail.from).toBe("d01@example.test");
      expect(mail.to).toEqual(["siege@example.test"]);
      expect(mail.user).toBe(MAIL_USER);
      expect(smtp.logins.map((login) => [login.method, login.secure])).toEqual([
        ["PLAIN", mode !== "plain"],
      ]);
      const headers = headersOf(mail.raw);
      expect(headers.get("subject")).toBe("caisse D01 Magasin 1 #42 2026-11-27");
      expect(headers.get("from")).toBe("Magasin 1 <d01@example.test>");
      expect(headers.get("to")).toBe("siege@example.test");
      const [text, attachment] = partsOf(mail.raw);
      expect(text?.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      const original = await readFile(archive.path);
      expect(text?.body.toString("utf8").replaceAll("\r\n", "\n")).toBe(
        [
          "Till D01 (Magasin 1), archive #42, built 2026-11-27T23:00:05+01:00.",
          "",
          "Attached: D01_20261127T230005_000042.zip, 150000 bytes",
          `SHA-256: ${sha256(original)}`,
          "",
          "Sent by caisse-export.",
          "Head office collects this mail with caisse-central fetch.",
          "",
        ].join("\n"),
      );
      expect(attachment?.headers.get("content-disposition")).toBe(
        "attachment; filename=D01_20261127T230005_000042.zip",
      );
      expect(attachment?.headers.get("content-type")).toBe(
        "application/zip; name=D01_20261127T230005_000042.zip",
      );
      expect(sha256(attachment?.body ?? Buffer.alloc(0))).toBe(sha256(original));
      // Progress: growing byte counts of one total, ending at the total.
      const totals = new Set(progress.map(([, total]) => total));
      expect(totals.size).toBe(1);
      const [total = 0] = totals;
      expect(total).toBeGreaterThanOrEqual(mail.raw.length);
      expect(progress.length).toBeGreaterThan(2);
      expect(progress.at(-1)).toEqual([total, total]);
      for (const [index, [done]] of progress.entries())
        expect(done).toBeGreaterThanOrEqual(progress[index - 1]?.[0] ?? 0);
    });
  }

  it("sendMessage: several recipients, an HTML version and attachments given as content", async () => {
    const smtp = await start();
    const config = mailConfig(smtp.port);
    if (config.type !== "mail") throw new Error("not mail");
    const receipt = await sendMessage(
      config,
      {
        to: ["a@example.test", "Siège <b@example.test>"],
        subject: "Rapport 2026-11",
        text: "Chiffre d'affaires\n",
        html: "<p>Chiffre d'affaires</p>",
        attachments: [{ filename: "rapport.csv", content: "a;b\n1;2\n" }],
      },
      env(),
    );
    expect(receipt).toEqual({
      server: `smtp 127.0.0.1:${smtp.port}`,
      accepted: ["a@example.test", "b@example.test"],
      response: "250 Message queued as caisse-test",
    });
    expect(smtp.received[0]?.to).toEqual(["a@example.test", "b@example.test"]);
    const parts = smtp.received[0]?.raw.toString("utf8") ?? "";
    expect(parts).toContain("Content-Type: text/html");
    expect(parts).toContain("filename=rapport.csv");
  });
});

describe("mail refusals: one line naming the server and the step, nothing sent", () => {
  it("STARTTLS required: a server that does not offer it is refused, never a plain login", async () => {
    const smtp = await start({ mode: "plain" });
    const error = await caisseFailure(
      createSender(mailConfig(smtp.port, { secure: "starttls" }), env()).send(
        await archiveOf(1000),
      ),
    );
    expect(error.code).toBe("E_REMOTE_TLS");
    expect(error.message).toMatch(
      new RegExp(
        `^smtp 127\\.0\\.0\\.1:${smtp.port}: start TLS: the server does not offer STARTTLS \\(5\\d\\d [^)]*\\); nothing was sent in plain text$`,
        "u",
      ),
    );
    expect(smtp.logins).toEqual([]);
    expect(smtp.mailCommands).toBe(0);
  });

  for (const mode of ["tls", "starttls"] as const) {
    it(`${mode}: a certificate from an unknown CA is refused before logging in`, async () => {
      const smtp = await start({ mode });
      const error = await caisseFailure(
        createSender(mailConfig(smtp.port, { secure: mode, ca: stranger.cert }), env()).send(
          await archiveOf(1000),
        ),
      );
      expect(error.code).toBe("E_REMOTE_TLS");
      expect(error.message).toMatch(
        new RegExp(
          `^smtp 127\\.0\\.0\\.1:${smtp.port}: ${mode === "tls" ? "connect" : "start TLS"}: the certificate does not verify \\(`,
          "u",
        ),
      );
      expect(smtp.logins).toEqual([]);
      expect(smtp.received).toEqual([]);
    });
  }

  it("a wrong password: E_REMOTE_LOGIN at log in", async () => {
    const smtp = await start();
    const error = await caisseFailure(
      createSender(mailConfig(smtp.port), {
        env: { CAISSE_SMTP_PASSWORD: "wrong-password-2468" },
      }).send(await archiveOf(1000)),
    );
    expect(error.code).toBe("E_REMOTE_LOGIN");
    expect(error.message).toMatch(
      new RegExp(
        `^smtp 127\\.0\\.0\\.1:${smtp.port}: log in: the server refused the login \\(535 `,
        "u",
      ),
    );
    expect(error.message).not.toContain("wrong-password-2468");
    expect(smtp.received).toEqual([]);
  });

  it("XOAUTH2: the token command's token reaches the server, and nothing else shows it", async () => {
    const smtp = await start({ password: undefined, token: MAIL_TOKEN });
    const command = await tokenScript(`${MAIL_TOKEN}\n`, 0, "refreshing the token\n");
    await createSender(
      mailConfig(smtp.port, { passwordEnv: undefined, tokenCommand: command }),
      env(),
    ).send(await archiveOf(1000));
    expect(smtp.logins.map((login) => [login.method, login.username, login.accessToken])).toEqual([
      ["XOAUTH2", MAIL_USER, MAIL_TOKEN],
    ]);
    expect(smtp.received).toHaveLength(1);
    // A token the server refuses.
    const wrong = await tokenScript("ya29.expired-token-1357\n");
    const error = await caisseFailure(
      createSender(
        mailConfig(smtp.port, { passwordEnv: undefined, tokenCommand: wrong }),
        env(),
      ).send(await archiveOf(1000)),
    );
    expect(error.code).toBe("E_REMOTE_LOGIN");
    expect(error.message).toMatch(/: log in: the server refused the login \(/u);
    expect(error.message).not.toContain("ya29");
    expect(error.hint).toContain("tokenCommand");
  });

  it("a failing token command: E_SECRET naming the program and its status, not its output; no connection", async () => {
    const smtp = await start({ password: undefined, token: MAIL_TOKEN });
    const command = await tokenScript(
      "ya29.half-printed-9753",
      3,
      "refresh token ya29.stderr-8642 expired",
    );
    const error = await caisseFailure(
      createSender(
        mailConfig(smtp.port, { passwordEnv: undefined, tokenCommand: command }),
        env(),
      ).send(await archiveOf(1000)),
    );
    expect(error.code).toBe("E_SECRET");
    expect(error.message).toBe(
      `smtp 127.0.0.1:${smtp.port}: the token command ${process.execPath} failed (exit status 3)`,
    );
    expect(JSON.stringify([error.message, error.hint, error.details])).not.toMatch(/ya29/u);
    expect(smtp.connections).toBe(0);
    const missing = await caisseFailure(
      createSender(
        mailConfig(smtp.port, {
          passwordEnv: undefined,
          tokenCommand: [join(work.path, "no-such-program")],
        }),
        env(),
      ).send(await archiveOf(1000)),
    );
    expect(missing.message).toBe(
      `smtp 127.0.0.1:${smtp.port}: the token command ${join(work.path, "no-such-program")} cannot be run (ENOENT)`,
    );
    const silent = await caisseFailure(
      createSender(
        mailConfig(smtp.port, { passwordEnv: undefined, tokenCommand: await tokenScript("\n") }),
        env(),
      ).send(await archiveOf(1000)),
    );
    expect(silent.message).toMatch(/: the token command .* printed nothing$/u);
  });

  it("a server that announces its size limit refuses before the data is sent", async () => {
    const smtp = await start({ size: 50_000 });
    const error = await caisseFailure(
      createSender(mailConfig(smtp.port), env()).send(await archiveOf(60_000)),
    );
    expect(error.code).toBe("E_REMOTE_REPLY");
    expect(error.message).toMatch(
      new RegExp(
        `^smtp 127\\.0\\.0\\.1:${smtp.port}: send: the server refused the message as too large \\(`,
        "u",
      ),
    );
    expect(error.hint).toContain("maxBytes");
    expect(smtp.received).toEqual([]);
  });

  it("a 552 at the end of the data: E_REMOTE_REPLY, too large", async () => {
    const smtp = await start({ refuseLargerThan: 50_000 });
    const error = await caisseFailure(
      createSender(mailConfig(smtp.port), env()).send(await archiveOf(60_000)),
    );
    expect(error.code).toBe("E_REMOTE_REPLY");
    expect(error.message).toBe(
      `smtp 127.0.0.1:${smtp.port}: send: the server refused the message as too large (552 Message exceeds fixed maximum message size 50000)`,
    );
    expect(smtp.received).toEqual([]);
  });

  it("maxBytes: a mail too large once encoded is refused before connecting", async () => {
    const smtp = await start();
    const error = await caisseFailure(
      createSender(mailConfig(smtp.port, { maxBytes: 100_000 }), env()).send(
        await archiveOf(73_000),
      ),
    );
    expect(error.code).toBe("E_TRANSPORT");
    expect(error.message).toMatch(
      new RegExp(
        `^smtp 127\\.0\\.0\\.1:${smtp.port}: D01_20261127T230005_000042\\.zip \\(73000 bytes\\) makes a mail of about 10\\d{4} bytes once encoded, more than maxBytes \\(100000\\); it was not sent$`,
        "u",
      ),
    );
    expect(smtp.connections).toBe(0);
  });

  it("a connection cut in the middle of the data: E_REMOTE_CLOSED at send", async () => {
    const smtp = await start({ cutAfterBytes: 20_000 });
    const error = await caisseFailure(
      createSender(mailConfig(smtp.port), env()).send(await archiveOf(200_000)),
    );
    expect(error.code).toBe("E_REMOTE_CLOSED");
    expect(error.message).toMatch(
      new RegExp(`^smtp 127\\.0\\.0\\.1:${smtp.port}: send: the connection was cut \\(`, "u"),
    );
    expect(smtp.received).toEqual([]);
  });

  it("a stopped server: E_REMOTE_CONNECT at connect", async () => {
    const smtp = await start();
    const port = smtp.port;
    await smtp.close();
    server = undefined;
    const error = await caisseFailure(
      createSender(mailConfig(port), env()).send(await archiveOf(1000)),
    );
    expect(error.code).toBe("E_REMOTE_CONNECT");
    expect(error.message).toBe(
      `smtp 127.0.0.1:${port}: connect: connection refused (ECONNREFUSED)`,
    );
  });

  it("an unknown host name: E_REMOTE_CONNECT at connect; a missing attachment: E_IO", async () => {
    const error = await caisseFailure(
      createSender(mailConfig(465, { host: "nonexistent.invalid" }), env()).send(
        await archiveOf(1000),
      ),
    );
    expect(error.code).toBe("E_REMOTE_CONNECT");
    expect(error.message).toBe("smtp nonexistent.invalid:465: connect: host name not found");
    const smtp = await start();
    const config = mailConfig(smtp.port);
    if (config.type !== "mail") throw new Error("not mail");
    const missing = join(work.path, "missing.zip");
    const unread = await caisseFailure(
      sendMessage(
        config,
        {
          to: ["a@example.test"],
          subject: "s",
          text: "t",
          attachments: [{ filename: "m.zip", path: missing }],
        },
        env(),
      ),
    );
    expect(unread.code).toBe("E_IO");
    expect(unread.message).toContain(missing);
    expect(smtp.connections).toBe(0);
  });

  it("a server that stops answering: E_REMOTE_TIMEOUT; the stop signal ends a send at once", async () => {
    const smtp = await start({ stall: true });
    const timedOut = await caisseFailure(
      createSender(mailConfig(smtp.port), env({ timeoutMs: 400 })).send(await archiveOf(1000)),
    );
    expect(timedOut.code).toBe("E_REMOTE_TIMEOUT");
    expect(timedOut.message).toMatch(/: send: no answer within \d+ s$/u);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 300);
    const stopped = await caisseFailure(
      createSender(
        mailConfig(smtp.port),
        env({ signal: controller.signal, timeoutMs: 20_000 }),
      ).send(await archiveOf(1000)),
    );
    expect(stopped.code).toBe("E_INTERRUPTED");
    expect(stopped.message).toBe(`smtp 127.0.0.1:${smtp.port}: send: stopped`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(smtp.received).toEqual([]);
  });
});

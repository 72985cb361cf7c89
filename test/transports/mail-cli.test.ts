import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTill, type Till } from "../export/fixture.js";
import { BIN, type Captured } from "../helpers/cli.js";
import { makeCertificate, type TestCertificate } from "../servers/certs.js";
import {
  partsOf,
  startSmtpServer,
  type SmtpServerOptions,
  type SmtpTestServer,
} from "../servers/smtp.js";

/**
 * caisse-export with a mail transport, as a till runs it: `run` sends the outbox by mail, a refusal
 * leaves the archive in the outbox for the next run, `doctor` checks the server for real, a stop
 * signal ends a send at once, and no password or token shows in anything the runs printed or wrote.
 */

const USER = "caisse@example.test";
const PASSWORD = "smtp-Cli-Secret-3d8a1f";
const TOKEN = "ya29.cli-Token-6b4c2e9a";
const ENV = { CAISSE_SMTP_PASSWORD: PASSWORD };

let certificate: TestCertificate;
beforeAll(async () => {
  certificate = await makeCertificate("smtp-cli");
});

/** Everything the runs printed or wrote, searched for the secrets at the end. */
const printed: string[] = [];
const secrets = [PASSWORD, TOKEN];

let till: Till;
let server: SmtpTestServer | undefined;

async function start(options: Partial<SmtpServerOptions> = {}): Promise<SmtpTestServer> {
  await server?.close();
  server = await startSmtpServer({
    mode: "starttls",
    certificate,
    user: USER,
    password: PASSWORD,
    ...options,
  });
  return server;
}

function transport(port: number, keys: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "mail",
    host: "127.0.0.1",
    port,
    secure: "starttls",
    user: USER,
    passwordEnv: "CAISSE_SMTP_PASSWORD",
    from: "Magasin 1 <d01@example.test>",
    to: ["siege@example.test"],
    ca: certificate.cert,
    ...keys,
  };
}

async function configure(keys: Record<string, unknown>): Promise<void> {
  await till.writeConfig({ till: "D01", name: "Magasin 1", data: "donnees", transport: keys });
}

async function run(argv: string[], env: Record<string, string> = ENV): Promise<Captured> {
  const result = await till.run(argv, { env });
  printed.push(result.stdout, result.stderr);
  return result;
}

beforeEach(async () => {
  till = await makeTill({ config: null });
});
afterEach(async () => {
  printed.push(
    await readFile(join(till.dir, "caisse-export-state", "runs.jsonl"), "utf8").catch(() => ""),
  );
  await server?.close();
  server = undefined;
  await till.remove();
});

describe("caisse-export with a mail transport", () => {
  it("run: the archive is mailed, the outbox emptied", async () => {
    const smtp = await start();
    await configure(transport(smtp.port));
    const sent = await run(["--verbose", "run"]);
    expect(sent.stderr).not.toMatch(/E_[A-Z]/u);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(
      new RegExp(
        `^sent D01_\\d{8}T\\d{6}_000001\\.zip -> mail to siege@example\\.test via smtp 127\\.0\\.0\\.1:${smtp.port}$`,
        "mu",
      ),
    );
    expect(await till.outboxNames()).toEqual([]);
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.secure).toBe(true);
    const attachment = partsOf(mail?.raw ?? Buffer.alloc(0))[1];
    expect(attachment?.body.subarray(0, 4)).toEqual(Buffer.from("PK\u0003\u0004", "latin1"));
  });

  it("run with a token command: XOAUTH2, the token in no output", async () => {
    const smtp = await start({ password: undefined, token: TOKEN });
    const script = join(till.dir, "token.mjs");
    await writeFile(script, `process.stdout.write(${JSON.stringify(`${TOKEN}\n`)});\n`);
    await configure(
      transport(smtp.port, { passwordEnv: undefined, tokenCommand: [process.execPath, script] }),
    );
    const sent = await run(["--verbose", "run"], {});
    expect(sent.code, sent.stderr).toBe(0);
    expect(smtp.logins.map((login) => [login.method, login.accessToken])).toEqual([
      ["XOAUTH2", TOKEN],
    ]);
    const doctor = await run(["--verbose", "doctor"], {});
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(
      new RegExp(
        `^ok {4}transport .*: log in +${USER.replace(".", "\\.")} \\(XOAUTH2, token from `,
        "mu",
      ),
    );
  });

  it("a 552 refusal: exit 1, one line, the archive stays; the next run sends it", async () => {
    const small = await start({ refuseLargerThan: 1000 });
    await configure(transport(small.port));
    const refused = await run(["run"]);
    expect(refused.code).toBe(1);
    const errors = refused.stderr.split("\n").filter((line) => line.includes("E_REMOTE_REPLY"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `smtp 127\\.0\\.0\\.1:${small.port}: send: the server refused the message as too large \\(552 `,
        "u",
      ),
    );
    expect(await till.outboxNames()).toHaveLength(1);
    expect(small.received).toEqual([]);
    const large = await start();
    await configure(transport(large.port));
    const again = await run(["run"]);
    expect(again.code, again.stderr).toBe(0);
    expect(await till.outboxNames()).toEqual([]);
    expect(large.received).toHaveLength(2);
  });

  it("maxBytes: refused before connecting, exit 1, the archive stays", async () => {
    const smtp = await start();
    await till.writeData({ "gros.csv": randomBytes(40_000).toString("base64") });
    await configure(transport(smtp.port, { maxBytes: 16_384 }));
    const refused = await run(["run"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/E_TRANSPORT.*more than maxBytes \(16384\); it was not sent/u);
    expect(await till.outboxNames()).toHaveLength(1);
    expect(smtp.connections).toBe(0);
  });

  it("plain SMTP is warned about at every run", async () => {
    const smtp = await start({ mode: "plain", certificate: undefined });
    await configure(transport(smtp.port, { secure: false, ca: undefined }));
    const sent = await run(["run"]);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain(
      'transport.secure is false: the password and the mails cross the network unprotected; use "tls" (port 465) or "starttls" (port 587) if the server offers TLS',
    );
  });

  it("doctor checks the server for real, and says what to fix", async () => {
    const smtp = await start();
    await configure(transport(smtp.port));
    const doctor = await run(["doctor"]);
    expect(doctor.code).toBe(0);
    const label = `transport mail to siege@example.test via smtp 127.0.0.1:${smtp.port} starttls`;
    expect(doctor.stdout.trimEnd().split("\n").slice(3)).toEqual([
      expect.stringMatching(
        new RegExp(`^ok {4}${label}: connect +smtp 127\\.0\\.0\\.1:${smtp.port}$`, "u"),
      ),
      expect.stringMatching(
        new RegExp(`^ok {4}${label}: TLS +TLSv1\\.[23] by STARTTLS, certificate verified$`, "u"),
      ),
      expect.stringMatching(
        new RegExp(
          `^ok {4}${label}: log in +${USER.replace(".", "\\.")} \\(environment variable CAISSE_SMTP_PASSWORD\\)$`,
          "u",
        ),
      ),
      "all 6 checks passed",
    ]);
    expect(smtp.received).toEqual([]);
    const wrong = await run(["doctor"], { CAISSE_SMTP_PASSWORD: "wrong-password-8024" });
    secrets.push("wrong-password-8024");
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(
      /^FAIL {2}transport .*: log in +E_REMOTE_LOGIN: smtp 127\.0\.0\.1:\d+: log in: the server refused the login \(535 /mu,
    );
    expect(wrong.stdout).toMatch(/^ +fix: check user and the password/mu);
    expect(wrong.stdout.trimEnd()).toMatch(/\n1 of 6 checks failed$/u);
    const noTls = await start({ mode: "plain", certificate: undefined });
    await configure(transport(noTls.port));
    const refused = await run(["doctor"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /^ok {4}transport .*: connect +smtp 127\.0\.0\.1:\d+\nFAIL {2}transport .*: TLS +E_REMOTE_TLS: smtp 127\.0\.0\.1:\d+: start TLS: the server does not offer STARTTLS/mu,
    );
    expect(noTls.logins).toEqual([]);
  });

  it("SIGTERM during a send closes the connection at once; the archive stays", async () => {
    const smtp = await start({ stall: true });
    await configure(transport(smtp.port));
    const started = Date.now();
    const stopped = await new Promise<{ code: number | null; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, [BIN.export, "run"], {
          cwd: till.dir,
          env: { PATH: process.env.PATH, LANG: "C", ...ENV },
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const poll = setInterval(() => {
          if (smtp.mailCommands > 0) {
            clearInterval(poll);
            // The message's data is on its way: the server reads it and never answers.
            setTimeout(() => child.kill("SIGTERM"), 200);
          }
        }, 10);
        child.on("error", reject);
        child.on("close", (code) => {
          clearInterval(poll);
          resolve({ code, stderr });
        });
      },
    );
    printed.push(stopped.stderr);
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toMatch(/E_INTERRUPTED.*smtp 127\.0\.0\.1:\d+: send: stopped/u);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await till.outboxNames()).toHaveLength(1);
    expect(smtp.received).toEqual([]);
  });
});

afterAll(() => {
  // No password or token in anything the runs printed or wrote.
  expect(printed.length).toBeGreaterThan(10);
  for (const secret of secrets) {
    for (const text of printed) expect(text.includes(secret), `printed: ${text}`).toBe(false);
  }
});

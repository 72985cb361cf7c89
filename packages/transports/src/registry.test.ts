import { isCaisseError } from "@caisse/core";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigChecker } from "./check.js";
import { describeTransport, parseTransport } from "./registry.js";
import { readPassword } from "./secrets.js";

function parse(value: unknown, role: "transport" | "source" = "transport") {
  const check = new ConfigChecker("/srv/caisse");
  const config = parseTransport(
    check,
    value,
    role === "transport" ? "transport." : "sources[0].",
    role,
  );
  return { config, problems: check.problems, warnings: check.warnings };
}

describe("parseTransport", () => {
  it("reads an ftp transport, with its defaults and paths made absolute", () => {
    const { config, problems, warnings } = parse({
      type: "ftp",
      host: "ftp.example.com",
      user: "d01",
      passwordFile: "secret/ftp.txt",
      dir: "depot",
      ca: "ca.pem",
    });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      type: "ftp",
      host: "ftp.example.com",
      port: 21,
      secure: "explicit",
      user: "d01",
      password: { file: "/srv/caisse/secret/ftp.txt" },
      dir: "depot",
      ca: "/srv/caisse/ca.pem",
    });
    if (config === undefined) throw new Error("no config");
    expect(describeTransport(config)).toBe("ftps d01@ftp.example.com:21 depot");
  });

  it("reports every problem with its key, never repeating a password written in the config", () => {
    const { problems } = parse(
      {
        type: "ftp",
        host: "h\r\nDELE x",
        port: 70000,
        secure: true,
        password: "hunter2-secret",
        dir: "",
      },
      "source",
    );
    expect(problems).toEqual([
      "sources[0].host must not hold control characters (line breaks, tabs)",
      'sources[0].secure must be false, "explicit" or "implicit" (found true)',
      "sources[0].port must be from 1 to 65535",
      "sources[0].user is missing",
      "sources[0].password: a password is never written in the config; put it in an environment variable named by sources[0].passwordEnv, or in a file readable only by this user named by sources[0].passwordFile",
      "sources[0].dir must be a non-empty string",
    ]);
    expect(problems.join("\n")).not.toContain("hunter2-secret");
  });

  it("warns about plain FTP and unknown keys", () => {
    const { warnings, problems } = parse({
      type: "ftp",
      host: "h",
      secure: false,
      user: "u",
      passwordEnv: "FTP_PASSWORD",
      dir: "/",
      passive: true,
    });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      "unknown key 'transport.passive' is ignored",
      'transport.secure is false: the password and the archives cross the network unprotected; use "explicit" or "implicit" if the server offers TLS',
    ]);
  });

  it("names the kinds of each role", () => {
    expect(parse({ type: "imap" }).problems[0]).toMatch(
      /^transport\.type must be "dir", "ftp", "sftp" or "mail" \(found "imap"\)$/u,
    );
    expect(parse({ type: "mail" }, "source").problems).toEqual([
      'sources[0].type must be "dir", "ftp", "sftp" or "imap" (found "mail")',
    ]);
  });

  it("reads an imap source, with its defaults (TLS on 993, INBOX, Processed, Rejected)", () => {
    const { config, problems, warnings } = parse(
      {
        type: "imap",
        host: "imap.example.com",
        user: "caisse@example.com",
        passwordEnv: "IMAP_PASSWORD",
      },
      "source",
    );
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      type: "imap",
      host: "imap.example.com",
      port: 993,
      secure: "tls",
      user: "caisse@example.com",
      credential: { env: "IMAP_PASSWORD" },
      mailbox: "INBOX",
      processed: "Processed",
      rejected: "Rejected",
      ca: undefined,
    });
    if (config === undefined) throw new Error("no config");
    expect(describeTransport(config)).toBe("imaps caisse@example.com@imap.example.com:993 INBOX");
    const starttls = parse(
      {
        type: "imap",
        host: "h",
        secure: "starttls",
        user: "u",
        passwordFile: "imap.txt",
        mailbox: "Caisse",
        processed: "Caisse/Fait",
        rejected: "Caisse/Refus",
      },
      "source",
    ).config;
    expect(starttls).toMatchObject({ port: 143, secure: "starttls", mailbox: "Caisse" });
    if (starttls === undefined) throw new Error("no config");
    expect(describeTransport(starttls)).toBe("imap+starttls u@h:143 Caisse");
  });

  it("refuses an imap source without TLS, or moving messages into the mailbox itself", () => {
    expect(
      parse(
        {
          type: "imap",
          host: "h",
          secure: false,
          user: "u",
          passwordEnv: "P",
          processed: "INBOX",
          rejected: "Rejected\r\nA1 DELETE INBOX",
        },
        "source",
      ).problems,
    ).toEqual([
      'sources[0].secure must be "tls" or "starttls" (found false)',
      "sources[0].rejected must not hold control characters (line breaks, tabs)",
      "sources[0].processed must be another folder than sources[0].mailbox ('INBOX')",
    ]);
  });
});

describe("readPassword", () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "caisse-secret-"));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("reads a variable, and names it (never a value) when it is missing", async () => {
    expect(await readPassword({ env: "P" }, { P: "s3cret" }, "ftp h:21")).toBe("s3cret");
    await expect(readPassword({ env: "P" }, {}, "ftp h:21")).rejects.toThrow(
      "ftp h:21: the environment variable P holding the password is not set",
    );
  });

  it.runIf(process.platform !== "win32")(
    "reads a file of mode 600, without its newline, and refuses one others can read",
    async () => {
      const file = join(folder, "password");
      await writeFile(file, "s3cret-file\n");
      await chmod(file, 0o600);
      expect(await readPassword({ file }, {}, "ftp h:21")).toBe("s3cret-file");
      await chmod(file, 0o640);
      const error: unknown = await readPassword({ file }, {}, "ftp h:21").catch((e: unknown) => e);
      expect(isCaisseError(error, "E_SECRET")).toBe(true);
      expect((error as Error).message).toBe(
        `ftp h:21: the password file ${file} can be read by other users (mode 640)`,
      );
      expect((error as Error).message).not.toContain("s3cret-file");
    },
  );
});

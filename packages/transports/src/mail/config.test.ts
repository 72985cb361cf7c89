import { describe, expect, it } from "vitest";
import { ConfigChecker } from "../check.js";
import { describeTransport, parseTransport } from "../registry.js";
import { base64Bytes, bareAddress, messageBytes, parseSmtp } from "./config.js";

function parse(value: Record<string, unknown>) {
  const check = new ConfigChecker("/srv/caisse");
  const config = parseTransport(check, { type: "mail", ...value }, "transport.", "transport");
  return { config, problems: check.problems, warnings: check.warnings };
}

const SERVER = {
  host: "smtp.example.fr",
  from: "Magasin 1 <d01@example.fr>",
  to: "siege@example.fr",
};

describe("the mail transport's config", () => {
  it("reads STARTTLS on 587 by default, a password, one recipient, 20 MiB", () => {
    const { config, problems, warnings } = parse({
      ...SERVER,
      user: "d01@example.fr",
      passwordFile: "secret/smtp.txt",
      ca: "ca.pem",
    });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      type: "mail",
      host: "smtp.example.fr",
      port: 587,
      secure: "starttls",
      user: "d01@example.fr",
      credential: { file: "/srv/caisse/secret/smtp.txt" },
      from: "Magasin 1 <d01@example.fr>",
      ca: "/srv/caisse/ca.pem",
      to: ["siege@example.fr"],
      maxBytes: 20 * 1024 * 1024,
    });
    expect(describeTransport(config as never)).toBe(
      "mail to siege@example.fr via smtp smtp.example.fr:587 starttls",
    );
  });

  it("takes 465 for tls, 25 for plain (warned), a token command, several recipients", () => {
    const tls = parse({ ...SERVER, secure: "tls", to: ["a@example.fr", "b@example.fr"] });
    expect(tls.problems).toEqual([]);
    expect(tls.config).toMatchObject({ port: 465, to: ["a@example.fr", "b@example.fr"] });
    const plain = parse({ ...SERVER, secure: false, maxBytes: 65536 });
    expect(plain.config).toMatchObject({ port: 25, secure: false, maxBytes: 65536 });
    expect(plain.warnings).toEqual([
      'transport.secure is false: the mails cross the network unprotected; use "tls" (port 465) or "starttls" (port 587) if the server offers TLS',
    ]);
    const token = parse({
      ...SERVER,
      user: "d01@example.fr",
      tokenCommand: ["bin/mail-token", "--account", "d01"],
    });
    expect(token.problems).toEqual([]);
    expect(token.config).toMatchObject({
      credential: { tokenCommand: ["/srv/caisse/bin/mail-token", "--account", "d01"] },
    });
    expect(parse({ ...SERVER, user: "u", tokenCommand: ["mail-token"] }).config).toMatchObject({
      credential: { tokenCommand: ["mail-token"] },
    });
  });

  it("lists every problem, never repeating a password", () => {
    expect(parse({}).problems).toEqual([
      "transport.host is missing",
      "transport.from is missing",
      "transport.to is missing",
    ]);
    expect(
      parse({
        ...SERVER,
        secure: "ssl",
        from: "d01@example.fr\r\nBcc: x@example.org",
        to: ["ok@example.fr", "not an address"],
        user: "u",
        password: "hunter2-secret",
      }).problems,
    ).toEqual([
      'transport.secure must be "tls", "starttls" or false (found "ssl")',
      "transport.password: a password is never written in the config; put it in an environment variable named by transport.passwordEnv, or in a file readable only by this user named by transport.passwordFile",
      'transport.from must be a mail address such as caisse@example.fr or "Magasin 1 <caisse@example.fr>" (found "d01@example.fr\\r\\nBcc: x@example.org")',
      'transport.to[1] must be a mail address such as caisse@example.fr or "Magasin 1 <caisse@example.fr>" (found "not an address")',
    ]);
    expect(parse({ ...SERVER, user: "u" }).problems).toEqual([
      "transport.passwordEnv, transport.passwordFile or transport.tokenCommand is missing",
    ]);
    expect(parse({ ...SERVER, passwordEnv: "P" }).problems).toEqual([
      "transport.user is missing: a password or a tokenCommand is given, so name the account it belongs to",
    ]);
    expect(parse({ ...SERVER, user: "u", passwordEnv: "P", tokenCommand: ["t"] }).problems).toEqual(
      [
        "transport.tokenCommand and a password (transport.passwordEnv or transport.passwordFile) are both given; keep one",
      ],
    );
    expect(
      parse({ ...SERVER, user: "u", tokenCommand: "mail-token --account d01" }).problems,
    ).toEqual([
      'transport.tokenCommand must be an array of non-empty strings, the program first: ["/usr/local/bin/mail-token", "--account", "magasin1"] (it is run without a shell)',
    ]);
    expect(parse({ ...SERVER, to: [] }).problems).toEqual([
      "transport.to must be a mail address or a non-empty array of them",
    ]);
    expect(parse({ ...SERVER, secure: false, ca: "ca.pem" }).problems).toEqual([
      'transport.ca is given but transport.secure is false: say "tls" or "starttls"',
    ]);
    expect(parse({ ...SERVER, maxBytes: 10 }).problems).toEqual([
      "transport.maxBytes must be from 16384 to 1099511627776",
    ]);
  });

  it("parseSmtp reads the central's smtp section alone, warning about keys it does not know", () => {
    const check = new ConfigChecker("/srv/caisse");
    const smtp = parseSmtp(
      check,
      { host: "smtp.example.fr", from: "siege@example.fr", to: "x" },
      "smtp.",
    );
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual(["unknown key 'smtp.to' is ignored"]);
    expect(smtp).toEqual({
      host: "smtp.example.fr",
      port: 587,
      secure: "starttls",
      user: undefined,
      credential: undefined,
      from: "siege@example.fr",
      ca: undefined,
    });
  });
});

describe("mail sizes and addresses", () => {
  it("counts base64 with its line breaks, from above", async () => {
    expect(base64Bytes(0)).toBe(0);
    expect(base64Bytes(57)).toBe(78);
    expect(base64Bytes(58)).toBe(84);
    expect(base64Bytes(3_000_000)).toBe(4_000_000 + 2 * Math.ceil(4_000_000 / 76));
    const bytes = await messageBytes({
      to: ["a@example.fr"],
      subject: "s",
      text: "t",
      attachments: [{ filename: "x.zip", content: Buffer.alloc(3000) }],
    });
    expect(bytes).toBe(4096 + 3 + 3 + 16 + 4000 + 2 * 53 + 15 + 256);
  });

  it("takes the address out of a display name, and refuses line breaks", () => {
    expect(bareAddress("Magasin 1 <d01@example.fr>")).toBe("d01@example.fr");
    expect(bareAddress("d01@example.fr")).toBe("d01@example.fr");
    expect(bareAddress("d01@example.fr\r\nRCPT TO:<x@example.org>")).toBeUndefined();
    expect(bareAddress("<>")).toBeUndefined();
  });
});

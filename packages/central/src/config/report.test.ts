import { isCaisseError } from "@caisse/core";
import { describe, expect, it } from "vitest";
import { validateCentralConfig } from "./validate.js";

const FILE = "/srv/central/caisse-central.json";

function problemsOf(value: unknown): string[] {
  try {
    validateCentralConfig(value, FILE);
  } catch (error) {
    if (isCaisseError(error, "E_CONFIG")) return (error.details as { problems: string[] }).problems;
    throw error;
  }
  throw new Error("expected E_CONFIG");
}

describe("the report section", () => {
  it("is {} when absent", () => {
    expect(validateCentralConfig({}, FILE).report).toEqual({});
  });

  it("reads the recipients and the subject; one address may be a string", () => {
    const config = validateCentralConfig(
      {
        report: { mail: { to: [" direction@example.fr", "compta@example.fr"], subject: "Ventes" } },
      },
      FILE,
    );
    expect(config.report).toEqual({
      mail: { to: ["direction@example.fr", "compta@example.fr"], subject: "Ventes" },
    });
    expect(validateCentralConfig({ report: { mail: { to: "a@b.fr" } } }, FILE).report).toEqual({
      mail: { to: ["a@b.fr"] },
    });
    expect(
      validateCentralConfig({ report: { mail: { to: "a@b.fr", cc: 1 } } }, FILE).warnings,
    ).toEqual([`${FILE}: unknown key 'report.mail.cc' is ignored`]);
  });

  it.each([
    [
      { report: 3 },
      'report must be an object, such as { "mail": { "to": ["direction@example.fr"] } }',
    ],
    [{ report: { mail: [] } }, "report.mail must be an object with 'to'"],
    [
      { report: { mail: { to: [] } } },
      'report.mail.to must be an address or a list of 1 to 50 addresses, such as ["direction@example.fr"]',
    ],
    [
      { report: { mail: { to: ["a@b.fr", "Boss <b@c.fr>"] } } },
      'report.mail.to[1] must be a plain address such as direction@example.fr (found "Boss <b@c.fr>")',
    ],
    [
      { report: { mail: { to: ["a@b.fr\r\nBcc: x@y.fr"] } } },
      'report.mail.to[0] must be a plain address such as direction@example.fr (found "a@b.fr\\r\\nBcc: x@y.fr")',
    ],
    [
      { report: { mail: { to: ["a@b.fr"], subject: "Ventes\r\nBcc: x@y.fr" } } },
      "report.mail.subject must be one line of at most 200 characters",
    ],
  ])("refuses %j", (value, problem) => {
    expect(problemsOf(value)).toEqual([problem]);
  });
});

describe("the smtp section", () => {
  const SMTP = {
    host: "smtp.example.fr",
    port: 587,
    secure: "starttls",
    user: "caisse@example.fr",
    passwordEnv: "CAISSE_SMTP_PASSWORD",
    from: "Caisse siège <caisse@example.fr>",
  };

  it("is read by the mail transport's rules; undefined when absent", () => {
    expect(validateCentralConfig({}, FILE).smtp).toBeUndefined();
    const config = validateCentralConfig({ smtp: SMTP }, FILE);
    expect(config.smtp).toMatchObject({
      host: "smtp.example.fr",
      port: 587,
      secure: "starttls",
      user: "caisse@example.fr",
      from: "Caisse siège <caisse@example.fr>",
      ca: undefined,
    });
    expect(config.warnings).toEqual([]);
  });

  it("warns when the mails would cross the network unprotected", () => {
    const { warnings } = validateCentralConfig(
      { smtp: { ...SMTP, secure: false, port: 25 } },
      FILE,
    );
    expect(warnings).toEqual([
      `${FILE}: smtp.secure is false: the password and the mails cross the network unprotected; use "tls" (port 465) or "starttls" (port 587) if the server offers TLS`,
    ]);
  });

  it.each([
    [
      { smtp: "smtp.example.fr" },
      'smtp must be an object such as { "host": "smtp.example.fr", "secure": "starttls", "from": "..." }',
    ],
    [
      { smtp: { ...SMTP, from: "caisse" } },
      'smtp.from must be a mail address such as caisse@example.fr or "Magasin 1 <caisse@example.fr>" (found "caisse")',
    ],
  ])("refuses %j", (value, problem) => {
    expect(problemsOf(value)).toEqual([problem]);
  });
});

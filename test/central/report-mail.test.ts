import { main } from "@caisse/central";
import { appendJournal, type JournalRecord } from "../../packages/central/src/journal.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { chartsOf, seriesOf, writeHtmlCentral } from "../helpers/htmlReport.js";
import { makeCertificate, type TestCertificate } from "../servers/certs.js";
import { headersOf, partsOf, startSmtpServer, type SmtpTestServer } from "../servers/smtp.js";

/**
 * `report --mail` against smtp-server on 127.0.0.1 (STARTTLS, a password login): the recipients,
 * the parts (plain text, HTML without charts, the full page and the CSV attached), the alarms at
 * the top when a store is late.
 */
const USER = "caisse@example.test";
const PASSWORD = "smtp-Report-7c1d";
const TO = ["direction@example.fr", "compta@example.fr"];
// Monday 30 November 2026, 06:10 local time.
const NOW = new Date(2026, 10, 30, 6, 10, 0);
const FLAGS = ["report", "--period", "month"];

let certificate: TestCertificate;
let server: SmtpTestServer;
let root: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  certificate = await makeCertificate("smtp-report");
});
beforeEach(async () => {
  server = await startSmtpServer({ mode: "starttls", certificate, user: USER, password: PASSWORD });
  root = await temporaryFolder("caisse-mail-report-");
});
afterEach(async () => {
  await server.close();
  await root.remove();
});
afterAll(() => undefined);

function smtpSection(): object {
  return {
    host: "127.0.0.1",
    port: server.port,
    secure: "starttls",
    user: USER,
    passwordEnv: "CAISSE_SMTP_PASSWORD",
    from: "Caisse siège <caisse@example.test>",
    ca: certificate.cert,
  };
}

async function cli(argv: string[], env: Record<string, string> = {}) {
  const { ctx, output } = captureContext(root.path, { LANG: "fr_FR.UTF-8", ...env }, () => NOW);
  const code = await main(["--root", root.path, ...argv], ctx);
  return { code, ...output() };
}

function crlfToLf(body: Buffer | undefined): string {
  return (body ?? Buffer.alloc(0)).toString("utf8").replace(/\r\n/gu, "\n");
}

/** Quoted-printable to bytes (nodemailer writes text parts so). */
function unquote(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding?.toLowerCase() !== "quoted-printable") return body;
  const text = body.toString("latin1").replace(/=\r\n/gu, "");
  return Buffer.from(
    text.replace(/=([0-9A-F]{2})/gu, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    "latin1",
  );
}

/** Every leaf part of the message, multipart parts opened. */
function leaves(raw: Buffer): {
  type: string;
  filename: string | undefined;
  body: Buffer;
  encoding: string | undefined;
}[] {
  return partsOf(raw).flatMap((part) => {
    const type = part.headers.get("content-type") ?? "";
    if (type.startsWith("multipart/")) {
      return leaves(Buffer.concat([Buffer.from(`Content-Type: ${type}\r\n\r\n`), part.body]));
    }
    const disposition = part.headers.get("content-disposition") ?? "";
    return [
      {
        type: type.split(";")[0] ?? "",
        filename: /filename="?([^";]+)"?/u.exec(disposition)?.[1],
        body: unquote(part.body, part.headers.get("content-transfer-encoding")),
        encoding: part.headers.get("content-transfer-encoding"),
      },
    ];
  });
}

async function journal(
  records: { till: string; hoursAgo: number; outcome: "accepted" | "rejected" }[],
) {
  for (const [index, record] of records.entries()) {
    const entry: JournalRecord = {
      time: new Date(NOW.getTime() - record.hoursAgo * 3_600_000).toISOString(),
      source: "inbox",
      file: `${record.till}_${index}.zip`,
      till: record.till,
      sequence: index + 1,
      sha256: String(index).padStart(64, "0"),
      size: 100,
      outcome: record.outcome,
      code: record.outcome === "rejected" ? "E_ARCHIVE_SIGNATURE" : null,
      reason: record.outcome === "rejected" ? "bad signature" : null,
      stored: null,
      gap: null,
      manifest: null,
    };
    await appendJournal(`${root.path}/journal.jsonl`, entry);
  }
}

describe("report --mail", () => {
  it("sends text, HTML and the page and CSV attached to exactly the configured addresses", async () => {
    await writeHtmlCentral(root.path, { report: { mail: { to: TO } }, smtp: smtpSection() });
    await journal([
      { till: "D01", hoursAgo: 2, outcome: "accepted" },
      { till: "D02", hoursAgo: 3, outcome: "accepted" },
      { till: "D03", hoursAgo: 1, outcome: "accepted" },
    ]);
    const run = await cli([...FLAGS, "--mail"], { CAISSE_SMTP_PASSWORD: PASSWORD });
    expect(run.stderr).toMatch(
      new RegExp(
        `^\\S+ caisse-central info: report mailed to ${TO.join(", ")} through smtp 127\\.0\\.0\\.1:${server.port}\n$`,
        "u",
      ),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(server.received).toHaveLength(1);
    const mail = server.received[0];
    expect(mail?.to).toEqual(TO);
    expect(mail?.from).toBe("caisse@example.test");
    expect(mail?.secure).toBe(true);
    expect(mail?.user).toBe(USER);
    const raw = mail?.raw ?? Buffer.alloc(0);
    const headers = headersOf(raw);
    expect(headers.get("to")).toBe(TO.join(", "));
    expect(headers.get("bcc")).toBeUndefined();
    const parts = leaves(raw);
    expect(parts.map((part) => [part.type, part.filename])).toEqual([
      ["text/plain", undefined],
      ["text/html", undefined],
      ["text/html", "rapport-2026-11-01_2026-11-30.html"],
      ["text/csv", "rapport-2026-11-01_2026-11-30.csv"],
    ]);
    // The figures as the other formats print them, byte for byte.
    const table = await cli([...FLAGS, "--format", "table"]);
    const csv = await cli([...FLAGS, "--format", "csv"]);
    const page = await cli([...FLAGS, "--format", "html"]);
    const note =
      "Les graphiques sont dans la pièce jointe rapport-2026-11-01_2026-11-30.html (à ouvrir dans un navigateur) ; les chiffres en CSV aussi.";
    // Text parts travel with CRLF line ends; attachments in base64, byte for byte.
    expect(parts.slice(2).map((part) => part.encoding)).toEqual(["base64", "base64"]);
    expect(crlfToLf(parts[0]?.body)).toBe(`${table.stdout.trimEnd()}\n\n${note}\n`);
    expect(parts[3]?.body).toEqual(Buffer.from(csv.stdout, "utf8"));
    expect(parts[2]?.body.toString("utf8")).toBe(page.stdout);
    // Mail programs show inline SVG badly: the body has no chart, the attached page has them.
    const body = crlfToLf(parts[1]?.body);
    expect(body).not.toContain("<svg");
    expect(body).not.toContain('class="alarms"');
    expect(body).toContain(`<p class="note">${note.replaceAll("'", "&#39;")}</p>`);
    const charts = chartsOf(parts[2]?.body.toString("utf8") ?? "");
    expect(charts.map((chart) => seriesOf(chart.svg))).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
  });

  it("puts the late, silent and refused stores at the top, and in the subject", async () => {
    await writeHtmlCentral(root.path, {
      report: { mail: { to: TO[0], subject: "Ventes d'hier" } },
      smtp: smtpSection(),
      staleAfterHours: 36,
    });
    // D01 sent 37 hours ago; D02's last archive was refused; D03 never sent anything.
    await journal([
      { till: "D01", hoursAgo: 37.5, outcome: "accepted" },
      { till: "D02", hoursAgo: 30, outcome: "accepted" },
      { till: "D02", hoursAgo: 2, outcome: "rejected" },
    ]);
    const run = await cli([...FLAGS, "--mail"], { CAISSE_SMTP_PASSWORD: PASSWORD });
    expect(run.code).toBe(0);
    const raw = server.received[0]?.raw ?? Buffer.alloc(0);
    expect(server.received[0]?.to).toEqual([TO[0]]);
    const parts = leaves(raw);
    const d01 = new Date(NOW.getTime() - 37.5 * 3_600_000);
    const d02 = new Date(NOW.getTime() - 2 * 3_600_000);
    const at = (date: Date) =>
      `${String(date.getDate()).padStart(2, "0")}/${String(date.getMonth() + 1).padStart(2, "0")}/${date.getFullYear()} ${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
    const alarms = [
      `D01 Nord <b>1</b> : en retard, aucune archive depuis 37 h (dernière le ${at(d01)})`,
      `D02 <script>"S"&'C' : dernière archive refusée le ${at(d02)} (bad signature)`,
      "D03 Est : aucune archive reçue",
    ];
    const text = crlfToLf(parts[0]?.body);
    expect(text.split("\n").slice(0, 4)).toEqual([
      ...alarms.map((alarm) => `ALERTE\u00A0: ${alarm}`),
      "",
    ]);
    const html = crlfToLf(parts[1]?.body);
    expect(html).toContain(
      '<body>\n<div class="alarms" role="alert"><strong>Alertes</strong>\n<ul>\n<li>D01 Nord &lt;b&gt;1&lt;/b&gt; : en retard',
    );
    expect(html).toContain(
      "<li>D02 &lt;script&gt;&quot;S&quot;&amp;&#39;C&#39; : dernière archive refusée",
    );
    expect(html).not.toMatch(/<script|<b>/u);
    // The subject says how many alarms; encoded as a mail header, read back whole.
    const subject = headersOf(raw).get("subject") ?? "";
    expect(decodeSubject(subject)).toBe("ALERTE (3)\u00A0: Ventes d'hier");
  });

  it("without report.mail or smtp: E_CONFIG naming both, exit 2, no connection", async () => {
    await writeHtmlCentral(root.path);
    const run = await cli([...FLAGS, "--mail"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("E_CONFIG");
    expect(run.stderr).toContain('has no "report": { "mail": { "to": [...] } } and no "smtp"');
    expect(server.connections).toBe(0);
  });
});

/** An RFC 2047 header (`=?UTF-8?Q?...?=` or `?B?`) back to text. */
function decodeSubject(header: string): string {
  return header
    .replace(/\?=\s+=\?/gu, "?==?")
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/giu, (_, kind: string, text: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(
            text
              .replace(/_/gu, " ")
              .replace(/=([0-9A-F]{2})/giu, (__, hex: string) =>
                String.fromCharCode(parseInt(hex, 16)),
              ),
            "latin1",
          ).toString("utf8"),
    );
}

import type { Locale, Report } from "@caisse/core";
import { sendMessage, type MailReceipt, type SmtpConfig } from "@caisse/transports";
import type { ReportMailConfig } from "../config/report.js";
import { renderHtml } from "../render/html.js";
import { renderReport } from "../render/index.js";
import { madeAt } from "./htmlReport.js";
import { reportGrid } from "../render/grid.js";

/** Everything the morning mail is made of, already computed. */
export interface ReportMailRequest {
  report: Report;
  /** The full page, charts included: attached. */
  page: string;
  alarms: readonly string[];
  locale: Locale;
  now: Date;
  mail: ReportMailConfig;
  smtp: SmtpConfig;
  env: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal | undefined;
}

/** `rapport-2026-11-29` or `rapport-2026-11-01_2026-11-30` (`report-...` in English). */
export function reportFileName(report: Report, locale: Locale): string {
  const stem = locale === "fr" ? "rapport" : "report";
  const { from, to } = report;
  if (from === null || to === null) return stem;
  return from === to ? `${stem}-${from}` : `${stem}-${from}_${to}`;
}

const WORDS: Record<Locale, { alarm: string; attached: (file: string) => string }> = {
  fr: {
    alarm: "ALERTE",
    attached: (file) =>
      `Les graphiques sont dans la pièce jointe ${file} (à ouvrir dans un navigateur) ; les chiffres en CSV aussi.`,
  },
  en: {
    alarm: "ALARM",
    attached: (file) =>
      `The charts are in the attached ${file} (open it in a browser); the figures in CSV too.`,
  },
};

/** The mail's parts: subject, plain text, HTML body, attachments; pure. */
export function reportMessage(request: ReportMailRequest): {
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: string }[];
} {
  const { report, locale, alarms } = request;
  const words = WORDS[locale];
  const stem = reportFileName(report, locale);
  const note = words.attached(`${stem}.html`);
  const grid = reportGrid(report, locale);
  const title = request.mail.subject ?? grid.title;
  const colon = locale === "fr" ? "\u00A0:" : ":";
  const subject =
    alarms.length === 0 ? title : `${words.alarm} (${alarms.length})${colon} ${title}`;
  // A mail has no stderr: the table's "see stderr" line gives way to the warnings themselves,
  // in the report's language as in the HTML part.
  const table = renderReport({ ...report, warnings: [] }, "table", { locale, color: false });
  const warnings =
    grid.warnings.length === 0
      ? []
      : ["", `${grid.warningsTitle}${colon}`, ...grid.warnings.map((warning) => `- ${warning}`)];
  const text = [
    ...(alarms.length === 0
      ? []
      : [...alarms.map((alarm) => `${words.alarm}${colon} ${alarm}`), ""]),
    table.trimEnd(),
    ...warnings,
    "",
    note,
    "",
  ].join("\n");
  // Mail programs show inline SVG badly or not at all: the body has the table, the charts come
  // in the attached page (see docs/decisions.md#charts-echarts-server-side-svg).
  const html = renderHtml(report, {
    locale,
    color: false,
    generated: madeAt(request.now, locale),
    alarms,
    note,
  });
  return {
    subject,
    text,
    html,
    attachments: [
      { filename: `${stem}.html`, content: request.page },
      { filename: `${stem}.csv`, content: renderReport(report, "csv", { locale, color: false }) },
    ],
  };
}

/** Sends the morning mail (see docs/reports.md#the-morning-mail---mail). */
export async function mailReport(request: ReportMailRequest): Promise<MailReceipt> {
  const message = reportMessage(request);
  return sendMessage(
    request.smtp,
    { to: request.mail.to, ...message },
    { env: request.env, signal: request.signal },
  );
}

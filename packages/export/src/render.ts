import { counted, formatBytes, oneLine, type Locale } from "@caisse/core";
import type { BuildNextResult, NextArchivePlan } from "./build.js";
import type { StatusReport } from "./actions/status.js";
import type { RunRecord } from "./state.js";

/** Pure renderers: a result in, the text for stdout out. */

/** `45 s`, `12 min`, `3 h 05`, `2 d 4 h`. */
export function formatAge(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, "0")}`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Columns padded to their widest cell, two spaces apart. */
export function renderColumns(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, index) =>
    Math.max(title.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** One line per archive sent, then the ones left behind. */
export function renderSent(
  sent: readonly { name: string; destination: string }[],
  notSent: readonly string[],
): string[] {
  return [
    ...sent.map((archive) => `sent ${archive.name} -> ${oneLine(archive.destination)}`),
    ...notSent.map((file) => `not sent: ${oneLine(file)}`),
  ];
}

/** `ok` or `failed (E_TRANSPORT)`, for the last runs. */
export function renderRunOutcome(run: RunRecord): string {
  return run.outcome === "ok" ? "ok" : `failed (${run.error?.code ?? "?"})`;
}

/** `built /x/tfichier.zip: D01 sequence 42, 12 files, 45.6 kB, signed` */
export function renderBuilt(build: BuildNextResult, locale: Locale): string {
  const { archive, plan } = build;
  const signed = archive.signature === null ? "" : ", signed";
  const { base } = archive.manifest;
  const files =
    base === undefined
      ? counted(plan.files.length, "file")
      : `incremental on #${base}, ${build.carried} of ${counted(plan.files.length, "file")} carried`;
  return `built ${oneLine(archive.path)}: ${archive.manifest.till} sequence ${archive.manifest.sequence}, ${files}, ${formatBytes(archive.size, locale)}${signed}`;
}

/** `--dry-run`: `would build /x/tfichier.zip: D01 sequence 42, 12 files, 45.6 kB before compression` */
export function renderPlanned(next: NextArchivePlan, till: string, locale: Locale): string {
  const mode =
    next.decision.mode === "incremental"
      ? `, incremental on #${next.decision.base.sequence} (the files changed since)`
      : "";
  return `would build ${oneLine(next.outPath)}: ${till} sequence ${next.sequence}, ${counted(next.plan.files.length, "file")}, ${formatBytes(next.plan.totalBytes, locale)} before compression${mode}`;
}

/**
 * `zip --dry-run`, a check that spends nothing: every file the archive would hold with its size,
 * then the archive and the sequence it would take.
 */
export function renderPlannedFiles(next: NextArchivePlan, till: string, locale: Locale): string {
  return [
    "dry run: nothing was written and no sequence was spent; the archive would hold:",
    ...next.plan.files.map((file) => `  ${oneLine(file.path)}  ${formatBytes(file.size, locale)}`),
    renderPlanned(next, till, locale),
  ].join("\n");
}

export function renderStatusJson(report: StatusReport): string {
  return JSON.stringify(report, null, 2);
}

/** The status for people: the till, then the outbox, then the last runs. */
export function renderStatusTable(report: StatusReport, locale: Locale): string {
  const running = report.running;
  const facts: [string, string][] = [
    [
      "till",
      report.till === null
        ? "unknown (no config)"
        : `${report.till}${report.name === null ? "" : ` (${report.name})`}`,
    ],
    ["config", report.config ?? "none"],
    ["state", report.stateDir],
    ["transport", report.transport ?? "none"],
    ["signed", report.signed ? "yes" : "no"],
    [
      "next sequence",
      `${report.nextSequence}${report.lastArchive === null ? "" : ` (last built: ${report.lastArchive})`}`,
    ],
    [
      "running",
      running === null
        ? "no"
        : `${running.purpose ?? "a run"} (process ${running.pid ?? "?"} on ${running.host ?? "?"}, since ${running.since ?? "?"})`,
    ],
  ];
  const width = Math.max(...facts.map(([label]) => label.length));
  const lines = facts.map(([label, value]) => `${label.padEnd(width)}  ${oneLine(value)}`);
  const waiting = report.outbox.reduce((sum, archive) => sum + archive.size, 0);
  lines.push("");
  if (report.outbox.length === 0) lines.push("outbox: empty");
  else {
    lines.push(
      `outbox: ${counted(report.outbox.length, "archive")} waiting, ${formatBytes(waiting, locale)}`,
    );
    lines.push(
      renderColumns(
        ["name", "sequence", "size", "age"],
        report.outbox.map((archive) => [
          oneLine(archive.name),
          String(archive.sequence),
          formatBytes(archive.size, locale),
          formatAge(archive.ageSeconds),
        ]),
      ),
    );
  }
  if (report.strays.length > 0)
    lines.push(`not sent (not archives): ${report.strays.map(oneLine).join(", ")}`);
  lines.push("");
  if (report.lastRuns.length === 0) lines.push("last runs: none");
  else {
    lines.push("last runs:");
    lines.push(
      renderColumns(
        ["time", "command", "outcome", "built", "sent"],
        report.lastRuns.map((run) => [
          run.time,
          run.command,
          renderRunOutcome(run),
          String(run.built.length),
          String(run.sent.length),
        ]),
      ),
    );
  }
  return lines.join("\n");
}

import { isoWithOffset, oneLine } from "@caisse/core";
import { colorAllowed, type CliContext } from "./context.js";
import { langOf } from "./i18n.js";
import { createProgress, NO_PROGRESS, type Progress } from "./progress.js";

export type Level = "debug" | "info" | "warn" | "error";

/**
 * Logs and progress go to stderr (see docs/operations.md#logs). On a terminal: short coloured
 * lines. Elsewhere (cron, a scheduled task, a pipe): plain lines with a timestamp and the program
 * name, so that a log file tells when each thing happened.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  readonly verbose: boolean;
  /** Bars for long work, shown only at a terminal (NO_PROGRESS elsewhere). */
  readonly progress: Progress;
}

const COLOURS: Record<Level, string> = {
  debug: "\u001b[2m",
  info: "",
  warn: "\u001b[33m",
  error: "\u001b[31m",
};
const RESET = "\u001b[0m";

export interface LoggerOptions {
  program: string;
  verbose?: boolean;
  quiet?: boolean;
  /** While it shows a bar, lines are written above the bar. */
  progress?: Progress;
}

export function createLogger(ctx: CliContext, options: LoggerOptions): Logger {
  const stream = ctx.stderr;
  const colour = colorAllowed(ctx, stream);
  const verbose = options.verbose ?? false;
  const quiet = options.quiet ?? false;
  const write = (level: Level, message: string): void => {
    if (level === "debug" && !verbose) return;
    if (level === "info" && quiet) return;
    const text = oneLine(message);
    const label = level === "warn" ? "warning: " : level === "error" ? "error: " : "";
    if (stream.isTTY) {
      const code = colour ? COLOURS[level] : "";
      const line = `${code}${label}${text}${code === "" ? "" : RESET}`;
      if (options.progress?.print(line) !== true) stream.write(`${line}\n`);
    } else {
      stream.write(`${isoWithOffset(ctx.now())} ${options.program} ${level}: ${text}\n`);
    }
  };
  return {
    debug: (message) => {
      write("debug", message);
    },
    info: (message) => {
      write("info", message);
    },
    warn: (message) => {
      write("warn", message);
    },
    error: (message) => {
      write("error", message);
    },
    verbose,
    progress: options.progress ?? NO_PROGRESS,
  };
}

/**
 * The log of one command of a tool: `--verbose` and `--quiet` as given, and progress bars at a
 * terminal (log lines then go above them).
 */
export function commandLogger(
  ctx: CliContext,
  program: string,
  options: { verbose?: boolean | undefined; quiet?: boolean | undefined },
): Logger {
  const quiet = options.quiet ?? false;
  return createLogger(ctx, {
    program,
    verbose: options.verbose ?? false,
    quiet,
    progress: createProgress(ctx, { quiet, locale: langOf(ctx) }),
  });
}

import { isoWithOffset, oneLine } from "@caisse/core";
import { colorAllowed, type CliContext } from "./context.js";

export type Level = "debug" | "info" | "warn" | "error";

/**
 * Logs and progress go to stderr (SPEC section 7). On a terminal: short coloured lines. Elsewhere
 * (cron, a scheduled task, a pipe): plain lines with a timestamp and the program name, so that a
 * log file tells when each thing happened.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  readonly verbose: boolean;
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
      stream.write(`${code}${label}${text}${code === "" ? "" : RESET}\n`);
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
  };
}

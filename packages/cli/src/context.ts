import { processInterrupts, type Interrupts } from "./interrupts.js";

/** Where a command writes: stdout for results, stderr for logs and progress. */
export interface Stream {
  write(text: string): void;
  /** True when a person is watching (progress bars, colours allowed). */
  readonly isTTY: boolean;
  /** The terminal itself, for progress bars that move the cursor; absent when captured. */
  readonly terminal?: NodeJS.WriteStream | undefined;
}

/**
 * Everything a command may take from the process, in one object, so that tests run commands
 * in-process with their own folder, environment, clock and captured output.
 */
export interface CliContext {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: Stream;
  stderr: Stream;
  now: () => Date;
  /** Ctrl-C and stop signals; absent in tests that run commands in-process. */
  interrupts?: Interrupts | undefined;
  /**
   * Asks the person at the terminal a question and returns the answer line. Absent when nobody
   * can answer (cron, a scheduled task, a pipe): a command then takes the default answer.
   */
  ask?: ((question: string) => Promise<string>) | undefined;
  /**
   * The system's locale (`fr-FR`), the last source of the language where no locale variable is
   * set (see `resolveLang`); absent in tests, which then get English.
   */
  systemLocale?: (() => string) | undefined;
}

export function processContext(): CliContext {
  const stream = (target: NodeJS.WriteStream): Stream => ({
    write: (text) => target.write(text),
    get isTTY() {
      return target.isTTY;
    },
    terminal: target,
  });
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: stream(process.stdout),
    stderr: stream(process.stderr),
    now: () => new Date(),
    interrupts: processInterrupts(),
    ask: process.stdin.isTTY && process.stderr.isTTY ? askOnTerminal : undefined,
    systemLocale,
  };
}

/** One question on stderr, one line read from stdin. */
async function askOnTerminal(question: string): Promise<string> {
  // Loaded here: node:readline costs every start-up, and only a question needs it.
  const { createInterface } = await import("node:readline/promises");
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}

/**
 * This process's locale as `Intl` sees it: the system's (`fr-FR` on a French Windows server),
 * where no locale variable says otherwise; the last source of the language (see resolveLang).
 */
export function systemLocale(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().locale;
  } catch {
    // A Node built without Intl: English, the default of everything else.
    return "en";
  }
}

/** Colour only on a terminal and only when NO_COLOR is not set (https://no-color.org). */
export function colorAllowed(ctx: CliContext, stream: Stream): boolean {
  const noColor = ctx.env.NO_COLOR;
  return stream.isTTY && (noColor === undefined || noColor === "");
}

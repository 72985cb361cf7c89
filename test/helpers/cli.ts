import { createLogger, type CliContext, type Logger } from "@caisse/cli";
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
/**
 * The folder of the CLIs under test: bin/ of this clone, or `CAISSE_TEST_BIN_DIR`, the bin folder
 * of a prefix where the packed tarballs were installed (.ci/run runs the CLI tests so, to test
 * the packages users install, not only the workspace).
 */
export const INSTALLED_BIN_DIR = process.env.CAISSE_TEST_BIN_DIR || undefined;
const binDir = INSTALLED_BIN_DIR ?? join(REPO, "bin");
export const BIN = {
  export: join(binDir, "caisse-export"),
  central: join(binDir, "caisse-central"),
};

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** A context for running a command in-process: its own folder, environment and clock. */
export function captureContext(
  cwd: string,
  env: Record<string, string | undefined> = {},
  now: () => Date = () => new Date(),
): { ctx: CliContext; output: () => { stdout: string; stderr: string } } {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    cwd,
    env,
    stdout: { write: (text) => void (stdout += text), isTTY: false },
    stderr: { write: (text) => void (stderr += text), isTTY: false },
    now,
  };
  return { ctx, output: () => ({ stdout, stderr }) };
}

/** Runs a `main(argv, ctx)` in-process and returns what it printed and its exit status. */
export async function runInProcess(
  main: (argv: readonly string[], ctx: CliContext) => Promise<number>,
  argv: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<Captured> {
  const { ctx, output } = captureContext(cwd, env);
  const code = await main(argv, ctx);
  return { code, ...output() };
}

/** Runs a built launcher of bin/ as a child process (the CLIs as users run them). */
export function runBin(
  bin: string,
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C", ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const shellQuote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * Whether `script` can give a command a pseudo-terminal here (a container without /dev/pts cannot):
 * tests that need one are skipped otherwise, their title saying why.
 */
export function pseudoTerminal(): { available: boolean; refusal: string } {
  try {
    execFileSync("script", ["--quiet", "--return", "--command", "true", "/dev/null"], {
      stdio: "pipe",
      timeout: 10_000,
    });
    return { available: true, refusal: "" };
  } catch (error) {
    return {
      available: false,
      refusal: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error),
    };
  }
}

/**
 * Runs a built launcher of bin/ on a real pseudo-terminal, as a person at a terminal would:
 * util-linux `script` (in every Debian) gives it one. `output` is what the terminal received,
 * stdout and stderr together, escape sequences included. `input` is typed at the terminal.
 */
export function runOnTerminal(
  bin: string,
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined>; input?: string },
): Promise<{ code: number; output: string }> {
  const command = [process.execPath, bin, ...argv].map(shellQuote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["--quiet", "--return", "--command", command, "/dev/null"], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TERM: "xterm",
        LANG: "C",
        ...options.env,
      },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code: code ?? -1, output });
    });
    // What the person types: `script` passes it on to the terminal, where the command reads it.
    if (options.input !== undefined) child.stdin.write(options.input);
  });
}

/** A temporary folder, removed by the returned function. */
export async function temporaryFolder(
  prefix = "caisse-test-",
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A logger that writes nowhere, for unit tests of functions that log. */
export function silentLogger(): Logger {
  return createLogger(captureContext("/").ctx, { program: "test" });
}

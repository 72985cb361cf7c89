import { CaisseError, systemErrorCode } from "@caisse/core";
import { open } from "node:fs/promises";
import type { ConfigChecker } from "./check.js";

/**
 * Where a password comes from: an environment variable or a file, never the config itself
 * (configs are copied, mailed and shown; see docs/security.md). A password is never written to
 * output, logs, errors, the journal or --verbose traces: only the variable's or file's name is.
 */
export type PasswordSource = { env: string } | { file: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/u;
/** A password file is a line, not a document: anything larger is the wrong file. */
const MAX_PASSWORD_FILE_BYTES = 4096;

/** Reads `passwordEnv` / `passwordFile`: exactly one when `required`, at most one otherwise. */
export function parsePassword(
  check: ConfigChecker,
  value: Record<string, unknown>,
  where: string,
  required: boolean,
): PasswordSource | undefined {
  if (value.password !== undefined) {
    // The value itself is not repeated in the problem: it is a secret.
    check.problem(
      `${where}password: a password is never written in the config; put it in an environment variable named by ${where}passwordEnv, or in a file readable only by this user named by ${where}passwordFile`,
    );
  }
  const env = check.string(value, "passwordEnv", where, false);
  const file = check.path(value, "passwordFile", where, false);
  if (env !== undefined && !ENV_NAME.test(env)) {
    check.problem(
      `${where}passwordEnv must be the name of an environment variable (letters, digits, _)`,
    );
    return undefined;
  }
  if (env !== undefined && file !== undefined) {
    check.problem(`${where}passwordEnv and ${where}passwordFile are both given; keep one`);
    return undefined;
  }
  if (env !== undefined) return { env };
  if (file !== undefined) return { file };
  if (required && value.password === undefined && value.passwordFile === undefined)
    check.problem(`${where}passwordEnv or ${where}passwordFile is missing`);
  return undefined;
}

/** For logs and doctor: where the password is read from, never what it is. */
export function describePasswordSource(source: PasswordSource): string {
  return "env" in source ? `environment variable ${source.env}` : `file ${source.file}`;
}

function secretError(message: string, hint: string, details: Record<string, unknown>): CaisseError {
  return new CaisseError("E_SECRET", message, { details, hint });
}

/**
 * The password, read when it is needed (so that doctor reports a missing one). A file readable by
 * the group or others is refused on POSIX systems: fix its mode, do not work around it.
 */
export async function readPassword(
  source: PasswordSource,
  env: Readonly<Record<string, string | undefined>>,
  server: string,
): Promise<string> {
  if ("env" in source) {
    const value = env[source.env];
    if (value === undefined || value === "") {
      throw secretError(
        `${server}: the environment variable ${source.env} holding the password is not set`,
        `set ${source.env} in the environment of the job that runs this command (see docs/transports.md, "Passwords").`,
        { variable: source.env },
      );
    }
    return value;
  }
  const text = (await readSecretFile(source.file, server, "password", MAX_PASSWORD_FILE_BYTES))
    .toString("utf8")
    .replace(/^\uFEFF/u, "")
    .replace(/\r?\n$/u, "");
  if (text === "") {
    throw secretError(
      `${server}: the password file ${source.file} is empty`,
      "write the password into it, on one line.",
      { file: source.file },
    );
  }
  return text;
}

/**
 * A file holding a secret (a password, a private key): refused when the group or others may read
 * it on POSIX systems (fix its mode, do not work around it), or when larger than `maxBytes`.
 */
export async function readSecretFile(
  file: string,
  server: string,
  what: string,
  maxBytes: number,
): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    throw secretError(
      `${server}: the ${what} file ${file} cannot be read (${systemErrorCode(error) ?? String(error)})`,
      `check the path of the ${what} file in the config and that the user running this command can read it.`,
      { file },
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw secretError(
        `${server}: the ${what} file ${file} is not a file`,
        `name the file holding the ${what}.`,
        {
          file,
        },
      );
    }
    if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
      throw secretError(
        `${server}: the ${what} file ${file} can be read by other users (mode ${(info.mode & 0o777).toString(8)})`,
        `make it readable by its owner only: chmod 600 ${file}`,
        { file, mode: (info.mode & 0o777).toString(8) },
      );
    }
    if (info.size > maxBytes) {
      throw secretError(
        `${server}: the ${what} file ${file} holds ${info.size} bytes, more than a ${what}`,
        `name the file holding only the ${what}.`,
        { file },
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * An OAuth2 access token printed by a command the user configures (`tokenCommand`), as mail
 * clients do for Microsoft 365 and Gmail (see docs/transports.md, "OAuth2 tokens"): the command
 * and its arguments, run without a shell.
 */
export interface TokenCommand {
  tokenCommand: readonly string[];
}

/** Where a login's secret comes from: a password (variable or file) or a token command. */
export type Credential = PasswordSource | TokenCommand;

/** Time a token command may take. */
export const TOKEN_COMMAND_TIMEOUT_MS = 30_000;
/** A token is a line of a few KiB at most: more output is the wrong command. */
const MAX_TOKEN_BYTES = 64 * 1024;

/**
 * Reads `tokenCommand`: a non-empty array of strings, the program first (a relative path holding
 * a folder is taken from the config's folder; a bare name is looked up in PATH).
 */
export function parseTokenCommand(
  check: ConfigChecker,
  value: Record<string, unknown>,
  where: string,
): TokenCommand | undefined {
  const field = value.tokenCommand;
  if (field === undefined || field === null) return undefined;
  if (
    !Array.isArray(field) ||
    field.length === 0 ||
    !field.every((part) => typeof part === "string" && part !== "" && !part.includes("\0"))
  ) {
    check.problem(
      `${where}tokenCommand must be an array of non-empty strings, the program first: ["/usr/local/bin/mail-token", "--account", "magasin1"] (it is run without a shell)`,
    );
    return undefined;
  }
  const [program = "", ...args] = field as string[];
  const resolved = /[\\/]/u.test(program)
    ? check.path({ program }, "program", `${where}tokenCommand.`, true)
    : program;
  if (resolved === undefined) return undefined;
  return { tokenCommand: [resolved, ...args] };
}

/**
 * Reads the login's secret: exactly one of `passwordEnv`, `passwordFile`, `tokenCommand` when
 * `required`, at most one otherwise.
 */
export function parseCredential(
  check: ConfigChecker,
  value: Record<string, unknown>,
  where: string,
  required: boolean,
): Credential | undefined {
  const token = parseTokenCommand(check, value, where);
  const hasToken = value.tokenCommand !== undefined && value.tokenCommand !== null;
  const hasPassword = value.passwordEnv !== undefined || value.passwordFile !== undefined;
  if (hasToken && hasPassword) {
    check.problem(
      `${where}tokenCommand and a password (${where}passwordEnv or ${where}passwordFile) are both given; keep one`,
    );
    return undefined;
  }
  const password = parsePassword(check, value, where, false);
  if (required && !hasToken && !hasPassword && value.password === undefined)
    check.problem(`${where}passwordEnv, ${where}passwordFile or ${where}tokenCommand is missing`);
  return token ?? password;
}

/** For logs and doctor: where the secret comes from, never what it is. */
export function describeCredential(credential: Credential): string {
  return "tokenCommand" in credential
    ? `token from ${credential.tokenCommand[0] ?? ""}`
    : describePasswordSource(credential);
}

/**
 * Runs a token command and returns what it printed, trimmed: an OAuth2 access token. The command
 * runs without a shell, with the caller's environment, at most 30 s (the stop signal ends it at
 * once); its output is never logged, nor put in an error. A failure is E_SECRET naming the
 * program and its exit status.
 */
export async function resolveToken(
  command: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  server: string,
  signal?: AbortSignal,
): Promise<string> {
  const [program = "", ...args] = command;
  const { execFile } = await import("node:child_process");
  const failed = (why: string, hint: string): CaisseError =>
    secretError(`${server}: the token command ${program} ${why}`, hint, { program });
  const output = await new Promise<string>((resolvePromise, reject) => {
    execFile(
      program,
      args,
      {
        env: { ...env },
        shell: false,
        timeout: TOKEN_COMMAND_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: MAX_TOKEN_BYTES,
        windowsHide: true,
        encoding: "utf8",
        ...(signal === undefined ? {} : { signal }),
      },
      (error, stdout) => {
        if (error === null) {
          resolvePromise(stdout);
          return;
        }
        const failure = error as {
          name: string;
          code?: unknown;
          killed?: boolean;
          signal?: string | null;
        };
        if (signal?.aborted === true || failure.name === "AbortError") {
          reject(
            new CaisseError(
              "E_INTERRUPTED",
              `${server}: the token command ${program} was stopped`,
              {
                hint: "nothing was sent; the next run does it again.",
                details: { program },
              },
            ),
          );
        } else if (failure.code === "ENOENT" || failure.code === "EACCES") {
          reject(
            failed(
              `cannot be run (${failure.code})`,
              "check tokenCommand in the config: the program's path, and that it is executable by the user running this command.",
            ),
          );
        } else if (failure.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
          reject(
            failed(
              `printed more than ${MAX_TOKEN_BYTES} bytes`,
              "tokenCommand must print the access token alone, on one line.",
            ),
          );
        } else if (failure.killed === true && failure.signal === "SIGKILL") {
          reject(
            failed(
              `did not finish within ${TOKEN_COMMAND_TIMEOUT_MS / 1000} s`,
              "run it by hand as the user of the job to see where it waits (a prompt, the network).",
            ),
          );
        } else {
          const status =
            typeof failure.code === "number"
              ? `exit status ${failure.code}`
              : `signal ${failure.signal ?? "unknown"}`;
          reject(
            failed(
              `failed (${status})`,
              'run it by hand as the user of the job to see why (an expired refresh token must be renewed, see docs/transports.md, "OAuth2 tokens").',
            ),
          );
        }
      },
    );
  });
  const token = output.trim();
  if (token === "") {
    throw failed("printed nothing", "it must print the access token on its standard output.");
  }
  if (/[\s\0]/u.test(token)) {
    throw failed(
      "printed more than one line or word",
      "it must print the access token alone; messages go to its standard error.",
    );
  }
  return token;
}

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

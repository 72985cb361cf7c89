import { isCaisseError, CaisseError, systemErrorCode, type ErrorCode } from "@caisse/core";
import { readFile } from "node:fs/promises";
import type { TransportEnv, VerifyStep } from "./kind.js";

/**
 * Reaching a server, for every network kind (FTP, SFTP, SMTP, IMAP): one step at a time under a
 * time limit and the stop signal, and Node's errors of connecting and of TLS said in one line
 * naming the server, the step and what to check.
 */

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Node's codes for a certificate that does not verify. */
export const CERTIFICATE_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Node's errors of reaching a server and of its TLS, shared by the kinds: a certificate that does
 * not verify, a handshake that fails for another reason (`tlsHint` says which setting to check),
 * an unknown host name, a refused connection. Undefined for any other error: the kind names it.
 */
export function reachError(
  server: string,
  step: string,
  error: unknown,
  options: { tlsStep?: string; tlsHint: string; dnsHint: string; refusedHint: string },
): CaisseError | undefined {
  const code = systemErrorCode(error) ?? (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  const message = error instanceof Error ? error.message : String(error);
  const tlsStep = options.tlsStep ?? step;
  if (CERTIFICATE_CODES.has(code)) {
    return remoteError(
      "E_REMOTE_TLS",
      server,
      tlsStep,
      `the certificate does not verify (${code}: ${message})`,
      {
        hint: "if the server has its own CA, give its certificate in ca (a PEM file); connect with the name the certificate is issued for. Verification is never turned off (see docs/security.md).",
      },
    );
  }
  if (code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS")) {
    // A handshake that failed for another reason than the certificate: a protocol mix-up (TLS
    // from the start on a port that expects it later, or the reverse) or no common cipher.
    return remoteError(
      "E_REMOTE_TLS",
      server,
      tlsStep,
      `the TLS handshake failed (${code}: ${message})`,
      { hint: options.tlsHint },
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return remoteError("E_REMOTE_CONNECT", server, step, "host name not found", {
      hint: options.dnsHint,
    });
  }
  if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH") {
    return remoteError("E_REMOTE_CONNECT", server, step, `connection refused (${code})`, {
      hint: options.refusedHint,
    });
  }
  return undefined;
}

/**
 * The `ca` file of a kind using TLS: a PEM file with the CA that signed the server's certificate;
 * undefined when the config names none (the system's CAs then).
 */
export async function readCa(
  file: string | undefined,
  server: string,
): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file);
  } catch (error) {
    throw new CaisseError(
      "E_CONFIG",
      `${server}: the CA file ${file} cannot be read (${systemErrorCode(error) ?? String(error)})`,
      {
        details: { file },
        hint: "check the path in ca: a PEM file with the certificate of the CA that signed the server's.",
      },
    );
  }
}

/** A failure on the network side, in one line: server, step, reason. */
export function remoteError(
  code: ErrorCode,
  server: string,
  step: string,
  reason: string,
  options: { hint: string; cause?: unknown; details?: Record<string, unknown> },
): CaisseError {
  return new CaisseError(code, `${server}: ${step}: ${reason}`, {
    cause: options.cause,
    hint: options.hint,
    details: { server, step, ...options.details },
  });
}

/**
 * Runs one network step with a time limit and the stop signal: on either, `kill` closes the
 * connection (which makes the library's call fail) and the step fails with E_REMOTE_TIMEOUT or
 * E_INTERRUPTED rather than whatever the library says about a closed socket.
 */
export async function guarded<T>(
  server: string,
  step: string,
  env: TransportEnv,
  kill: () => void,
  task: () => Promise<T>,
  mapError: (error: unknown) => CaisseError,
  timeoutMs = env.timeoutMs ?? DEFAULT_TIMEOUT_MS,
): Promise<T> {
  let reason: "timeout" | "abort" | undefined;
  let stopped: (error: Error) => void = () => undefined;
  // The step ends when the limit or the signal comes, even if the library never answers.
  const halt = new Promise<never>((_resolve, reject) => {
    stopped = reject;
  });
  halt.catch(() => undefined);
  const stop = (why: "timeout" | "abort") => {
    reason ??= why;
    kill();
    stopped(new Error(why));
  };
  const timer = setTimeout(() => {
    stop("timeout");
  }, timeoutMs);
  const onAbort = () => {
    stop("abort");
  };
  env.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (env.signal?.aborted === true) stop("abort");
    if (reason !== undefined) throw new Error(reason);
    const running = task();
    running.catch(() => undefined);
    return await Promise.race([running, halt]);
  } catch (error) {
    if (reason === "abort") {
      throw new CaisseError("E_INTERRUPTED", `${server}: ${step}: stopped`, {
        hint: "nothing was left under its final name; the next run does it again.",
        details: { server, step },
      });
    }
    if (reason === "timeout") {
      throw remoteError(
        "E_REMOTE_TIMEOUT",
        server,
        step,
        `no answer within ${Math.round(timeoutMs / 1000)} s`,
        {
          hint: "check the network and that the server is up; the next run tries again.",
        },
      );
    }
    throw isCaisseError(error) ? error : mapError(error);
  } finally {
    clearTimeout(timer);
    env.signal?.removeEventListener("abort", onAbort);
  }
}

/** A doctor step that failed, from its error: the code and message, the hint as the fix. */
export function failedStep(step: string, error: unknown): VerifyStep {
  if (isCaisseError(error))
    return { step, ok: false, detail: `${error.code}: ${error.message}`, fix: error.hint };
  return { step, ok: false, detail: error instanceof Error ? error.message : String(error) };
}

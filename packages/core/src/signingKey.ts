import { createPrivateKey } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { CaisseError, ioError, isCaisseError, systemErrorCode } from "./errors.js";
import { writeFileAtomic } from "./fs/atomic.js";
import { generateSigningKey, signManifest } from "./signature.js";

/**
 * An Ed25519 private key kept in a PKCS#8 PEM file readable by its owner only: the till's (it
 * signs its archives) and head office's (it signs the catalogue). See docs/security.md.
 */

/** How a key file is named in messages: its config key and the command that makes one. */
export interface KeyFileLabels {
  /** The config key naming the file (`key`, `catalog.key`). */
  configKey: string;
  /** The command that makes a key pair (`caisse-export keygen`). */
  keygen: string;
  /** What to do when the file does not exist. */
  missingHint: string;
}

function keyError(
  path: string,
  labels: KeyFileLabels,
  reason: string,
  hint: string,
  cause?: unknown,
): CaisseError {
  return new CaisseError("E_CONFIG", `${labels.configKey}: ${path} ${reason}`, {
    cause,
    details: { path, key: labels.configKey },
    hint,
  });
}

/** Signs a manifest's bytes: the content of `caisse-manifest.sig`. */
export type Signer = (manifestBytes: Buffer) => string;

/**
 * Loads a private key and returns a signing function. Refuses a key that other users could read
 * (on systems with POSIX permissions): whoever reads it can sign in its owner's name.
 */
export async function loadSigningKey(path: string, labels: KeyFileLabels): Promise<Signer> {
  let pem: string;
  try {
    const info = await stat(path);
    if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
      throw keyError(
        path,
        labels,
        `can be read or written by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, "0")})`,
        `make it private: chmod 600 ${path}`,
      );
    }
    pem = await readFile(path, "utf8");
  } catch (error) {
    if (isCaisseError(error)) throw error;
    if (systemErrorCode(error) === "ENOENT")
      throw keyError(path, labels, "does not exist", labels.missingHint, error);
    throw ioError("read the private key", path, error);
  }
  try {
    if (createPrivateKey(pem).asymmetricKeyType !== "ed25519")
      throw new Error("not an Ed25519 key");
  } catch (error) {
    throw keyError(
      path,
      labels,
      "is not an Ed25519 private key in PEM form",
      `make one with '${labels.keygen}'.`,
      error,
    );
  }
  return (manifestBytes) => signManifest(manifestBytes, pem);
}

/**
 * A new key pair: the private key written with mode 0600 (never printed), the public key beside
 * it as `<path>.pub` (so that it can be given out again later); returns the public key line.
 */
export async function writeKeyPair(path: string): Promise<string> {
  const { privateKeyPem, publicKey } = generateSigningKey();
  await writeFileAtomic(path, privateKeyPem, 0o600);
  await writeFileAtomic(`${path}.pub`, `${publicKey}\n`);
  return publicKey;
}

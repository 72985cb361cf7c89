import {
  CaisseError,
  isCaisseError,
  generateSigningKey,
  ioError,
  signManifest,
  systemErrorCode,
  writeFileAtomic,
} from "@caisse/core";
import { createPrivateKey } from "node:crypto";
import { readFile, stat } from "node:fs/promises";

/**
 * The till's Ed25519 key (see docs/archive-format.md#caisse-manifestsig): a PKCS#8 PEM file
 * readable by its owner only. The central verifies `caisse-manifest.sig` with the public key
 * registered for the till.
 */

function keyError(path: string, reason: string, hint: string, cause?: unknown): CaisseError {
  return new CaisseError("E_CONFIG", `key: ${path} ${reason}`, {
    cause,
    details: { path, key: "key" },
    hint,
  });
}

/** Signs a manifest's bytes: the content of `caisse-manifest.sig`. */
export type Signer = (manifestBytes: Buffer) => string;

/**
 * Loads the private key and returns the signing function of `buildArchive`. Refuses a key that
 * other users could read (on systems with POSIX permissions): whoever reads it can sign archives
 * in this till's name.
 */
export async function loadSigner(path: string): Promise<Signer> {
  let pem: string;
  try {
    const info = await stat(path);
    if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
      throw keyError(
        path,
        `can be read or written by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, "0")})`,
        `make it private: chmod 600 ${path}`,
      );
    }
    pem = await readFile(path, "utf8");
  } catch (error) {
    if (isCaisseError(error)) throw error;
    if (systemErrorCode(error) === "ENOENT") {
      throw keyError(
        path,
        "does not exist",
        "make the key pair with 'caisse-export keygen', or remove the key 'key' to send unsigned archives.",
        error,
      );
    }
    throw ioError("read the private key", path, error);
  }
  try {
    if (createPrivateKey(pem).asymmetricKeyType !== "ed25519")
      throw new Error("not an Ed25519 key");
  } catch (error) {
    throw keyError(
      path,
      "is not an Ed25519 private key in PEM form",
      "make one with 'caisse-export keygen'.",
      error,
    );
  }
  return (manifestBytes) => signManifest(manifestBytes, pem);
}

/** A new key pair, the private key written with mode 0600; returns the public key line. */
export async function writeKeyPair(path: string): Promise<string> {
  const { privateKeyPem, publicKey } = generateSigningKey();
  await writeFileAtomic(path, privateKeyPem, 0o600);
  // Kept beside it so that the public key can be given to head office again later.
  await writeFileAtomic(`${path}.pub`, `${publicKey}\n`);
  return publicKey;
}

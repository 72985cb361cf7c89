import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { CaisseError } from "./errors.js";

/**
 * Ed25519 signatures over the exact manifest bytes (see docs/archive-format.md#caisse-manifestsig).
 * Public keys are written `ed25519:<base64 of the 32 raw bytes>`, signatures `ed25519:<base64 of
 * the 64 bytes>`.
 */
const PREFIX = "ed25519:";
// DER header of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it.
const SPKI_HEADER = Buffer.from("302a300506032b6570032100", "hex");

export function parsePublicKey(text: string): KeyObject {
  const raw = text.startsWith(PREFIX)
    ? Buffer.from(text.slice(PREFIX.length), "base64")
    : undefined;
  if (raw?.length !== 32) {
    throw new CaisseError("E_CONFIG", `'${text.slice(0, 60)}' is not an Ed25519 public key`, {
      hint: "a public key looks like ed25519:<44 base64 characters>, as printed by 'caisse-export keygen'.",
    });
  }
  return createPublicKey({ key: Buffer.concat([SPKI_HEADER, raw]), format: "der", type: "spki" });
}

export function formatPublicKey(key: KeyObject): string {
  const der = key.export({ format: "der", type: "spki" });
  return PREFIX + der.subarray(SPKI_HEADER.length).toString("base64");
}

/** A new key pair: the private key as PKCS#8 PEM (to keep secret), the public key as text. */
export function generateSigningKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKey: formatPublicKey(publicKey),
  };
}

/** The line of `caisse-manifest.sig`: `ed25519:<base64 signature>`. */
export function signManifest(manifestBytes: Buffer, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  return PREFIX + sign(null, manifestBytes, key).toString("base64");
}

/** True when `signatureLine` is a valid signature of `manifestBytes` by `publicKey`. */
export function verifyManifest(
  manifestBytes: Buffer,
  signatureLine: string,
  publicKey: string,
): boolean {
  const line = signatureLine.trim();
  if (!line.startsWith(PREFIX)) return false;
  const signature = Buffer.from(line.slice(PREFIX.length), "base64");
  if (signature.length !== 64) return false;
  return verify(null, manifestBytes, parsePublicKey(publicKey), signature);
}

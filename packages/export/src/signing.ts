import { loadSigningKey, type Signer } from "@caisse/core";

export { writeKeyPair, type Signer } from "@caisse/core";

/**
 * The till's Ed25519 key (see docs/archive-format.md#caisse-manifestsig): a PKCS#8 PEM file
 * readable by its owner only. The central verifies `caisse-manifest.sig` with the public key
 * registered for the till.
 */

/**
 * Loads the private key and returns the signing function of `buildArchive`. Refuses a key that
 * other users could read (on systems with POSIX permissions): whoever reads it can sign archives
 * in this till's name.
 */
export function loadSigner(path: string): Promise<Signer> {
  return loadSigningKey(path, {
    configKey: "key",
    keygen: "caisse-export keygen",
    missingHint:
      "make the key pair with 'caisse-export keygen', or remove the key 'key' to send unsigned archives.",
  });
}

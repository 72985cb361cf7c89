import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  /** PEM files. */
  key: string;
  cert: string;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by this test run with the openssl
 * command: the client is given it as its CA, so that verification stays on in every test.
 */
export async function makeCertificate(name = "server"): Promise<TestCertificate> {
  const folder = await mkdtemp(join(tmpdir(), `caisse-cert-${name}-`));
  const key = join(folder, `${name}.key`);
  const cert = join(folder, `${name}.crt`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=127.0.0.1`,
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { key, cert };
}

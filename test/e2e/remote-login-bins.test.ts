import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { startFtpServer, type FtpTestServer } from "../servers/ftp.js";

const USER = "caisse";
const PASSWORD = "login-Secret-7b2e";

/**
 * basic-ftp is loaded by the first connection (see docs/architecture.md#a-command), and a refused
 * log-in is told by basic-ftp's own error class: the built command (or the installed package, with
 * CAISSE_TEST_BIN_DIR) still names it E_REMOTE_LOGIN, not a connection failure.
 */
describe("caisse-central doctor as built, refused by an FTP server", () => {
  let root: { path: string; remove: () => Promise<void> };
  let served: { path: string; remove: () => Promise<void> };
  let ftp: FtpTestServer;

  beforeAll(async () => {
    root = await temporaryFolder();
    served = await temporaryFolder("caisse-login-ftp-");
    await mkdir(join(served.path, "depot"));
    ftp = await startFtpServer({ root: served.path, user: USER, password: PASSWORD });
  });

  afterAll(async () => {
    await ftp.close();
    await root.remove();
    await served.remove();
  });

  it("reports E_REMOTE_LOGIN and exits 1", async () => {
    const init = await runBin(BIN.central, ["--root", root.path, "init"], { cwd: root.path });
    expect(init.code).toBe(0);
    const source = {
      name: "ftp",
      type: "ftp",
      host: "127.0.0.1",
      port: ftp.port,
      secure: false,
      user: USER,
      passwordEnv: "CAISSE_TEST_PASSWORD",
      dir: "/depot",
    };
    await writeFile(
      join(root.path, "caisse-central.json"),
      `${JSON.stringify({ tills: [], sources: [source], limits: {} }, null, 2)}\n`,
    );
    const result = await runBin(BIN.central, ["--root", root.path, "doctor"], {
      cwd: root.path,
      env: { CAISSE_TEST_PASSWORD: "not-the-password" },
    });
    expect(result.stdout).toMatch(
      /^FAIL +source ftp \(ftp caisse@127\.0\.0\.1:\d+ \/depot\): .*E_REMOTE_LOGIN/mu,
    );
    expect(result.code).toBe(1);
  });
});

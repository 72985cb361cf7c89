import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTill } from "../export/fixture.js";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { makeCertificate, type TestCertificate } from "../servers/certs.js";
import {
  centralCollectingFrom,
  inProcessRemotes,
  type InProcessRemote,
} from "../servers/remotes.js";

/**
 * The built commands (or, with CAISSE_TEST_BIN_DIR, the installed packages: .ci/run) send a till's
 * archive by FTPS and by SFTP to an in-process server and collect it at the central: the bundles
 * carry basic-ftp and ssh2 whole, which a test of the workspace alone would not show.
 */

const USER = "caisse";
const PASSWORD = "bins-Secret-4c1d0e";

let certificate: TestCertificate;
beforeAll(async () => {
  certificate = await makeCertificate("bins");
});

type Remote = InProcessRemote;

const remotes: Record<string, () => Promise<Remote>> = inProcessRemotes(
  USER,
  PASSWORD,
  () => certificate,
);

describe.each(Object.keys(remotes))("the commands as built, over %s", (kind) => {
  let remote: Remote;
  let work: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    remote = await (remotes[kind] as () => Promise<Remote>)();
    work = await temporaryFolder("caisse-bins-central-");
  });
  afterAll(async () => {
    await remote.close();
    await work.remove();
  });

  it("doctor, run and fetch: the archive imported, the remote file in processed/", async () => {
    const env = { CAISSE_TEST_PASSWORD: PASSWORD };
    const till = await makeTill({
      config: { till: "D01", name: "Magasin 1", data: "donnees", transport: remote.transport },
    });
    try {
      const doctor = await runBin(BIN.export, ["doctor"], { cwd: till.dir, env });
      expect(doctor.stderr + doctor.stdout).toMatch(/write a probe file/u);
      expect(doctor.code).toBe(0);
      const run = await runBin(BIN.export, ["run"], { cwd: till.dir, env });
      expect(run.code).toBe(0);
      const sent = await readdir(remote.folder);
      expect(sent).toHaveLength(1);

      const root = join(work.path, "central");
      await centralCollectingFrom(root, remote.transport, work.path);

      const fetched = await runBin(BIN.central, ["fetch", "--root", root], {
        cwd: work.path,
        env,
      });
      expect(fetched.stdout).toMatch(/imported/u);
      expect(fetched.code).toBe(0);
      expect(await readdir(join(remote.folder, "processed"))).toEqual(sent);
      expect(await readdir(join(root, "archives", "D01"))).toEqual(sent);
      const printed = [doctor, run, fetched].map((result) => result.stdout + result.stderr);
      for (const text of printed) expect(text).not.toContain(PASSWORD);
    } finally {
      await till.remove();
    }
  });
});

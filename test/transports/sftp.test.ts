import { createSender, type OutgoingArchive } from "@caisse/transports";
import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { temporaryFolder } from "../helpers/cli.js";
import { caisseFailure } from "../helpers/errors.js";
import {
  hostKeyFingerprint,
  makeHostKey,
  startSftpServer,
  type SftpTestServer,
} from "../servers/sftp.js";
import { remoteCases, scene, type RemoteFactory } from "./cases.js";

/** SFTP against ssh2's Server on 127.0.0.1 (in-process, random ports). */

const USER = "caisse";
const PASSWORD = "sftp-Secret-91be2d";
const HOST_KEY = makeHostKey();

function sftpFactory(
  behaviour: { cutUploadsAfterBytes?: number; cutDownloadsAfterBytes?: number } = {},
): RemoteFactory {
  let server: SftpTestServer | undefined;
  let folder: { path: string; remove: () => Promise<void> } | undefined;
  return {
    async start() {
      folder = await temporaryFolder("caisse-sftp-root-");
      server = await startSftpServer({
        root: folder.path,
        user: USER,
        password: PASSWORD,
        hostKey: HOST_KEY,
        ...behaviour,
      });
      const common = {
        type: "sftp",
        host: "127.0.0.1",
        port: server.port,
        user: USER,
        passwordEnv: "CAISSE_SFTP_PASSWORD",
        hostKey: server.hostKey,
        dir: "/depot",
      };
      return {
        transport: common,
        source: common,
        folder: join(folder.path, "depot"),
        env: { CAISSE_SFTP_PASSWORD: PASSWORD },
        secrets: [PASSWORD],
      };
    },
    async stop() {
      await server?.close();
      server = undefined;
      await folder?.remove();
      folder = undefined;
    },
  };
}

describe("sftp", () => {
  remoteCases(sftpFactory());
});

describe("an sftp download cut in the middle", () => {
  const get = scene(sftpFactory({ cutDownloadsAfterBytes: 200 }));
  it("leaves the file on the server and imports nothing", async () => {
    const { runTill, central, server, journal } = get();
    expect((await runTill(["run"])).code).toBe(0);
    const sent = await readdir(server.folder);
    expect(sent).toHaveLength(1);
    const fetched = await central("fetch");
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toMatch(/E_REMOTE_CLOSED/u);
    expect(await readdir(server.folder)).toEqual(sent);
    expect(await journal()).toEqual([]);
    expect(await readdir(join(get().root, "archives"))).toEqual([]);
  });
});

describe("sftp refusals", () => {
  let root: { path: string; remove: () => Promise<void> };
  let server: SftpTestServer;
  let archive: OutgoingArchive;
  const env = { CAISSE_SFTP_PASSWORD: PASSWORD };

  beforeEach(async () => {
    root = await temporaryFolder("caisse-sftp-refusals-");
    await mkdir(join(root.path, "srv"));
    const path = join(root.path, "D01_20261127T230005_000042.zip");
    await writeFile(path, "zip bytes ".repeat(100));
    archive = {
      path,
      name: "D01_20261127T230005_000042.zip",
      size: 1000,
      till: "D01",
      tillName: "Magasin 1",
      sequence: 42,
      created: "2026-11-27T23:00:05+01:00",
    };
  });
  afterEach(async () => {
    await server.close();
    await root.remove();
  });

  const config = (port: number, hostKey: string) =>
    ({
      type: "sftp",
      host: "127.0.0.1",
      port,
      user: USER,
      password: { env: "CAISSE_SFTP_PASSWORD" },
      privateKeyFile: undefined,
      hostKey,
      dir: "/depot",
    }) as const;

  it("refuses a changed host key before sending the password, printing the key seen", async () => {
    server = await startSftpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      hostKey: HOST_KEY,
    });
    const pinned = hostKeyFingerprint(makeHostKey());
    const error = await caisseFailure(
      createSender(config(server.port, pinned), { env }).send(archive),
    );
    expect(error.code).toBe("E_REMOTE_HOST_KEY");
    expect(error.message).toBe(
      `sftp 127.0.0.1:${server.port}: check the host key: the server shows the host key ${server.hostKey}, not the pinned ${pinned}`,
    );
    expect(await readdir(join(root.path, "srv"))).toEqual([]);
  });

  it("logs in with a private key of mode 600, and refuses one others can read", async () => {
    const clientKey = makeHostKey();
    server = await startSftpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      hostKey: HOST_KEY,
      authorizedKey: clientKey,
    });
    const keyFile = join(root.path, "id_ed25519");
    await writeFile(keyFile, clientKey, { mode: 0o600 });
    const withKey = {
      ...config(server.port, server.hostKey),
      password: undefined,
      privateKeyFile: keyFile,
    };
    const receipt = await createSender(withKey, { env: {} }).send(archive);
    expect(receipt.destination).toBe(
      `sftp://127.0.0.1:${server.port}/depot/D01_20261127T230005_000042.zip`,
    );
    await chmod(keyFile, 0o644);
    const error = await caisseFailure(createSender(withKey, { env: {} }).send(archive));
    expect(error.code).toBe("E_SECRET");
    expect(error.message).toBe(
      `sftp 127.0.0.1:${server.port}: the private key file ${keyFile} can be read by other users (mode 644)`,
    );
  });

  it("stops at once on the stop signal", async () => {
    server = await startSftpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      hostKey: HOST_KEY,
    });
    const controller = new AbortController();
    controller.abort();
    const error = await caisseFailure(
      createSender(config(server.port, server.hostKey), {
        env,
        signal: controller.signal,
      }).send(archive),
    );
    expect(error.code).toBe("E_INTERRUPTED");
    expect(await readdir(join(root.path, "srv"))).toEqual([]);
  });

  it("a cut upload leaves no file under the final name", async () => {
    server = await startSftpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      hostKey: HOST_KEY,
      cutUploadsAfterBytes: 100,
    });
    const error = await caisseFailure(
      createSender(config(server.port, server.hostKey), { env }).send(archive),
    );
    expect(error.code).toBe("E_REMOTE_CLOSED");
    expect(error.message).toMatch(
      new RegExp(
        `^sftp 127\\.0\\.0\\.1:${server.port}: upload D01_20261127T230005_000042\\.zip\\.part: `,
        "u",
      ),
    );
    const left = await readdir(join(root.path, "srv", "depot"));
    expect(left.filter((name) => !name.endsWith(".part"))).toEqual([]);
  });
});

import { createSender, type OutgoingArchive } from "@caisse/transports";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { temporaryFolder } from "../helpers/cli.js";
import { caisseFailure } from "../helpers/errors.js";
import { makeCertificate, type TestCertificate } from "../servers/certs.js";
import { startFtpServer, type FtpTestServer } from "../servers/ftp.js";
import { remoteCases, scene, type RemoteFactory } from "./cases.js";

/** FTP and FTPS against ftp-srv on 127.0.0.1 (in-process, random ports). */

const USER = "caisse";
const PASSWORD = "ftp-Secret-7f3a9c";

let certificate: TestCertificate;
let stranger: TestCertificate;
beforeAll(async () => {
  certificate = await makeCertificate("ftp");
  stranger = await makeCertificate("stranger");
});

function ftpFactory(
  tls: "explicit" | "implicit" | undefined,
  behaviour: { cutDownloadsAfterBytes?: number } = {},
): RemoteFactory {
  let server: FtpTestServer | undefined;
  let folder: { path: string; remove: () => Promise<void> } | undefined;
  return {
    async start() {
      folder = await temporaryFolder("caisse-ftp-root-");
      server = await startFtpServer({
        root: folder.path,
        user: USER,
        password: PASSWORD,
        tls: tls === undefined ? undefined : { mode: tls, certificate },
        ...behaviour,
      });
      const common = {
        type: "ftp",
        host: "127.0.0.1",
        port: server.port,
        secure: tls ?? false,
        user: USER,
        passwordEnv: "CAISSE_FTP_PASSWORD",
        dir: "/depot",
        ...(tls === undefined ? {} : { ca: certificate.cert }),
      };
      return {
        transport: common,
        source: common,
        folder: join(folder.path, "depot"),
        env: { CAISSE_FTP_PASSWORD: PASSWORD },
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

describe("ftp (plain)", () => {
  remoteCases(ftpFactory(undefined));
});
describe("ftps explicit", () => {
  remoteCases(ftpFactory("explicit"));
});
describe("ftps implicit", () => {
  remoteCases(ftpFactory("implicit"));
});

describe("a download cut in the middle", () => {
  const get = scene(ftpFactory("explicit", { cutDownloadsAfterBytes: 200 }));
  it("leaves the file on the server and imports nothing", async () => {
    const { runTill, central, server, journal } = get();
    expect((await runTill(["run"])).code).toBe(0);
    const sent = await readdir(server.folder);
    expect(sent).toHaveLength(1);
    const fetched = await central("fetch");
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toMatch(/E_REMOTE_(CLOSED|CONNECT|TIMEOUT)/u);
    expect(await readdir(server.folder)).toEqual(sent);
    expect(await journal()).toEqual([]);
    expect(await readdir(join(get().root, "archives"))).toEqual([]);
  });
});

describe("one source unreachable", () => {
  const factory = ftpFactory("explicit");
  const get = scene(factory);
  it("does not stop the others: the inbox is imported, fetch exits 1 naming the server", async () => {
    const { runTill, central, server, root, journal } = get();
    expect((await runTill(["run"])).code).toBe(0);
    const [name = ""] = await readdir(server.folder);
    await copyFile(join(server.folder, name), join(root, "inbox", name));
    const config = JSON.parse(await readFile(join(root, "caisse-central.json"), "utf8")) as {
      sources: unknown[];
    };
    config.sources.push({ name: "inbox", type: "dir", path: "inbox" });
    await writeFile(join(root, "caisse-central.json"), JSON.stringify(config));
    await factory.stop();
    const fetched = await central("fetch");
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toMatch(
      /serveur failed \(E_REMOTE_CONNECT\): ftp 127\.0\.0\.1:\d+: connect: connection refused/u,
    );
    expect((await journal()).map((entry) => [entry.source, entry.outcome])).toEqual([
      ["inbox", "accepted"],
    ]);
    expect(await readdir(join(root, "inbox"))).toEqual([]);
  });
});

describe("ftps refusals", () => {
  let root: { path: string; remove: () => Promise<void> };
  let server: FtpTestServer;
  let archive: OutgoingArchive;
  const env = { CAISSE_FTP_PASSWORD: PASSWORD };

  beforeEach(async () => {
    root = await temporaryFolder("caisse-ftp-refusals-");
    await mkdir(join(root.path, "srv"));
    const path = join(root.path, "D01_20261127T230005_000042.zip");
    await writeFile(path, "zip bytes");
    archive = {
      path,
      name: "D01_20261127T230005_000042.zip",
      size: 9,
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

  const config = (port: number, ca: string) =>
    ({
      type: "ftp",
      host: "127.0.0.1",
      port,
      secure: "explicit",
      user: USER,
      password: { env: "CAISSE_FTP_PASSWORD" },
      dir: "/depot",
      ca,
    }) as const;

  it("refuses a certificate from an unknown CA (E_REMOTE_TLS), sending nothing", async () => {
    server = await startFtpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      tls: { mode: "explicit", certificate },
    });
    const error = await caisseFailure(
      createSender(config(server.port, stranger.cert), { env }).send(archive),
    );
    expect(error.code).toBe("E_REMOTE_TLS");
    expect(error.message).toMatch(
      new RegExp(
        `^ftp 127\\.0\\.0\\.1:${server.port}: start TLS: the certificate does not verify \\(`,
        "u",
      ),
    );
    expect(await readdir(join(root.path, "srv"))).toEqual([]);
  });

  it("refuses a server that will not protect the data channel (PROT P refused)", async () => {
    server = await startFtpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      tls: { mode: "explicit", certificate },
      blacklist: ["PROT"],
    });
    const error = await caisseFailure(
      createSender(config(server.port, certificate.cert), { env }).send(archive),
    );
    expect(error.code).toBe("E_REMOTE_TLS");
    expect(error.message).toBe(
      `ftp 127.0.0.1:${server.port}: protect the data channel: the server answered 502 Command blacklisted: PROT`,
    );
    expect(await readdir(join(root.path, "srv"))).toEqual([]);
  });

  it("a resend of the same bytes succeeds; other bytes under the name are never overwritten", async () => {
    server = await startFtpServer({ root: join(root.path, "srv"), user: USER, password: PASSWORD });
    const plain = {
      ...config(server.port, certificate.cert),
      secure: false,
      ca: undefined,
    } as const;
    const first = await createSender(plain, { env }).send(archive);
    expect(first.destination).toBe(`ftp://127.0.0.1:${server.port}/depot/${archive.name}`);
    expect((await createSender(plain, { env }).send(archive)).destination).toBe(first.destination);
    await writeFile(join(root.path, "srv", "depot", archive.name), "other zip");
    const error = await caisseFailure(createSender(plain, { env }).send(archive));
    expect(error.code).toBe("E_TRANSPORT");
    expect(error.message).toBe(
      `ftp 127.0.0.1:${server.port}: /depot/${archive.name} already exists with different content; it is never overwritten`,
    );
    expect(await readdir(join(root.path, "srv", "depot"))).toEqual([archive.name]);
  });

  it("a cut upload leaves no file under the final name", async () => {
    server = await startFtpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      cutUploadsAfterBytes: 4,
    });
    const error = await caisseFailure(
      createSender(
        { ...config(server.port, certificate.cert), secure: false, ca: undefined },
        {
          env,
        },
      ).send(archive),
    );
    expect(["E_REMOTE_CLOSED", "E_REMOTE_CONNECT"]).toContain(error.code);
    const left = await readdir(join(root.path, "srv", "depot"));
    expect(left.filter((name) => !name.endsWith(".part"))).toEqual([]);
  });

  it("stops at once on the stop signal instead of waiting for a timeout", async () => {
    server = await startFtpServer({
      root: join(root.path, "srv"),
      user: USER,
      password: PASSWORD,
      stallUploads: true,
    });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 300);
    const error = await caisseFailure(
      createSender(
        { ...config(server.port, certificate.cert), secure: false, ca: undefined },
        {
          env,
          signal: controller.signal,
          timeoutMs: 20_000,
        },
      ).send(archive),
    );
    expect(error.code).toBe("E_INTERRUPTED");
    expect(Date.now() - started).toBeLessThan(5_000);
    const left = await readdir(join(root.path, "srv", "depot"));
    expect(left.filter((name) => !name.endsWith(".part"))).toEqual([]);
  });
});

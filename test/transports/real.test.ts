import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../servers/certs.js";
import { remoteCases, scene, type RemoteFactory, type RemoteServer } from "./cases.js";

/**
 * The same cases against Debian's vsftpd and OpenSSH, started by test/servers/setup.sh, and the
 * faults only real servers show: TLS required on the data channel, an unknown CA, a changed host
 * key, a connection killed in the middle of an upload and of a download.
 */

const env = process.env;
const READY = env.CAISSE_REAL_SERVERS !== undefined && env.CAISSE_REAL_SERVERS !== "";
const HOW =
  "run 'sudo test/servers/setup.sh' (installs and starts vsftpd and OpenSSH on 127.0.0.1), then 'set -a; . /srv/caisse-test/env; set +a' before npm test";

if (!READY && env.CAISSE_REQUIRE_ALL === "1") {
  it("real servers are set up (CAISSE_REQUIRE_ALL=1)", () => {
    throw new Error(`the real-server tests cannot run: ${HOW}`);
  });
}

const need = (name: string): string => {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set: ${HOW}`);
  return value;
};

/** Stops or starts one of setup.sh's servers. */
function control(action: "stop" | "start", name: string): void {
  execFileSync(need("CAISSE_REAL_SETUP"), [action, name], { stdio: "ignore" });
}

type FtpServerName = "ftp-plain" | "ftp-explicit" | "ftp-implicit" | "ftp-slow";

const FTP_PORTS: Record<FtpServerName, string> = {
  "ftp-plain": "CAISSE_REAL_FTP_PLAIN_PORT",
  "ftp-explicit": "CAISSE_REAL_FTP_EXPLICIT_PORT",
  "ftp-implicit": "CAISSE_REAL_FTP_IMPLICIT_PORT",
  "ftp-slow": "CAISSE_REAL_FTP_SLOW_PORT",
};

function vsftpd(name: FtpServerName, overrides: Record<string, unknown> = {}): RemoteFactory {
  let folder: string | undefined;
  return {
    start() {
      control("start", name);
      const dir = `depot-${randomBytes(4).toString("hex")}`;
      folder = join(need("CAISSE_REAL_FTP_ROOT"), dir);
      const secure =
        name === "ftp-explicit" ? "explicit" : name === "ftp-implicit" ? "implicit" : false;
      const common = {
        type: "ftp",
        host: "127.0.0.1",
        port: Number(need(FTP_PORTS[name])),
        secure,
        user: need("CAISSE_REAL_FTP_USER"),
        passwordEnv: "CAISSE_FTP_PASSWORD",
        dir: `/${dir}`,
        ...(secure === false ? {} : { ca: need("CAISSE_REAL_FTP_CA") }),
        ...overrides,
      };
      const server: RemoteServer = {
        transport: common,
        source: common,
        folder,
        env: { CAISSE_FTP_PASSWORD: need("CAISSE_REAL_FTP_PASSWORD") },
        secrets: [need("CAISSE_REAL_FTP_PASSWORD")],
        adopt: (path) => {
          execFileSync("chown", ["-R", need("CAISSE_REAL_FTP_USER"), path]);
        },
      };
      return Promise.resolve(server);
    },
    async stop() {
      control("start", name);
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    },
    halt() {
      control("stop", name);
      return Promise.resolve();
    },
  };
}

function openssh(overrides: Record<string, unknown> = {}): RemoteFactory {
  let folder: string | undefined;
  return {
    start() {
      control("start", "sftp");
      const dir = `run-${randomBytes(4).toString("hex")}`;
      folder = join(need("CAISSE_REAL_SFTP_ROOT"), dir);
      const common = {
        type: "sftp",
        host: "127.0.0.1",
        port: Number(need("CAISSE_REAL_SFTP_PORT")),
        user: need("CAISSE_REAL_SFTP_USER"),
        passwordEnv: "CAISSE_SFTP_PASSWORD",
        hostKey: need("CAISSE_REAL_SFTP_HOST_KEY"),
        dir: `/depot/${dir}`,
        ...overrides,
      };
      return Promise.resolve({
        transport: common,
        source: common,
        folder,
        env: { CAISSE_SFTP_PASSWORD: need("CAISSE_REAL_SFTP_PASSWORD") },
        secrets: [need("CAISSE_REAL_SFTP_PASSWORD")],
        adopt: (path) => {
          execFileSync("chown", ["-R", need("CAISSE_REAL_SFTP_USER"), path]);
        },
      });
    },
    async stop() {
      control("start", "sftp");
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    },
    halt() {
      control("stop", "sftp");
      return Promise.resolve();
    },
  };
}

/**
 * The processes a server forked for its sessions (vsftpd: a privileged process and its
 * unprivileged child, which holds the data connection): killing them all cuts the connections.
 */
async function sessionsOf(name: string): Promise<number[]> {
  const listener = Number(
    await readFile(join(need("CAISSE_REAL_SERVERS"), "run", `${name}.pid`), "utf8"),
  );
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/u.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (status === "") continue;
    parents.set(Number(entry), Number(status.slice(status.lastIndexOf(")") + 2).split(" ")[1]));
  }
  const descendants: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        descendants.push(child);
        visit(child);
      }
    }
  };
  visit(listener);
  return descendants;
}

/** Waits until `check` is true (polling), at most `ms`. */
async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out waiting");
}

async function names(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

describe.skipIf(!READY)(`real servers (${READY ? "set up" : `skipped: ${HOW}`})`, () => {
  describe("vsftpd, plain FTP", () => {
    remoteCases(vsftpd("ftp-plain"));
  });
  describe("vsftpd, explicit FTPS with TLS required on the data channel", () => {
    remoteCases(vsftpd("ftp-explicit"));
  });
  describe("vsftpd, implicit FTPS", () => {
    remoteCases(vsftpd("ftp-implicit"));
  });
  describe("OpenSSH SFTP", () => {
    remoteCases(openssh());
  });

  describe("vsftpd with a certificate from an unknown CA", () => {
    let stranger = "";
    beforeAll(async () => {
      stranger = (await makeCertificate("stranger")).cert;
    });
    const get = scene(vsftpd("ftp-explicit"));
    it("refuses it (E_REMOTE_TLS): nothing sent, nothing collected", async () => {
      const { till, server } = get();
      const transport = { ...server.transport, ca: stranger };
      await till.writeConfig({ till: "D01", name: "Magasin 1", data: "donnees", transport });
      const sent = await get().runTill(["run"]);
      expect(sent.code).toBe(1);
      expect(sent.stderr).toMatch(
        /E_REMOTE_TLS: ftp 127\.0\.0\.1:\d+: start TLS: the certificate does not verify/u,
      );
      expect(await till.outboxNames()).toHaveLength(1);
      expect(await names(server.folder)).toEqual([]);
    });
  });

  describe("OpenSSH with a changed host key", () => {
    const get = scene(openssh());
    it("refuses it (E_REMOTE_HOST_KEY), printing the key seen", async () => {
      const { till, server } = get();
      const pinned = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
      const transport = { ...server.transport, hostKey: pinned };
      await till.writeConfig({ till: "D01", name: "Magasin 1", data: "donnees", transport });
      const sent = await get().runTill(["run"]);
      expect(sent.code).toBe(1);
      expect(sent.stderr).toContain(
        `: check the host key: the server shows the host key ${need("CAISSE_REAL_SFTP_HOST_KEY")}, not the pinned ${pinned}`,
      );
      expect(await till.outboxNames()).toHaveLength(1);
    });
  });

  describe("vsftpd killed in the middle of a transfer (100 KB/s)", () => {
    const get = scene(vsftpd("ftp-slow"));
    it("an upload cut: exit 1, the archive stays in the outbox, no file under its final name; the next run sends it", async () => {
      const { till, server, runTill } = get();
      await till.writeData({ "2026/blob.txt": randomBytes(240_000).toString("base64") });
      const running = runTill(["run"]);
      await until(
        async () => (await names(server.folder)).some((name) => name.endsWith(".part")),
        10_000,
      );
      await until(
        async () =>
          ((
            await stat(join(server.folder, (await names(server.folder))[0] ?? "x")).catch(
              () => undefined,
            )
          )?.size ?? 0) > 20_000,
        10_000,
      );
      for (const pid of await sessionsOf("ftp-slow")) process.kill(pid, "SIGKILL");
      const sent = await running;
      expect(sent.code).toBe(1);
      expect(sent.stderr).toMatch(/E_REMOTE_(CLOSED|CONNECT)/u);
      expect(await till.outboxNames()).toHaveLength(1);
      expect((await names(server.folder)).filter((name) => !name.endsWith(".part"))).toEqual([]);
      const again = await runTill(["run"]);
      expect(again.code).toBe(0);
      expect(await till.outboxNames()).toEqual([]);
      // The second run built a second archive and sent both.
      expect((await names(server.folder)).filter((name) => !name.endsWith(".part"))).toHaveLength(
        2,
      );
    });

    it("a download cut: exit 1, the file stays on the server, nothing imported or journaled; the next fetch imports it", async () => {
      const { till, server, runTill, central, journal, root } = get();
      await till.writeData({ "2026/blob.txt": randomBytes(240_000).toString("base64") });
      expect((await runTill(["run"])).code).toBe(0);
      const sent = await names(server.folder);
      expect(sent).toHaveLength(1);
      const running = central("fetch");
      await until(async () => {
        const incoming = (await names(join(root, ".caisse"))).filter((name) =>
          name.startsWith("incoming-"),
        );
        for (const folder of incoming) {
          for (const file of await names(join(root, ".caisse", folder))) {
            const size =
              (await stat(join(root, ".caisse", folder, file)).catch(() => undefined))?.size ?? 0;
            if (size > 20_000) return true;
          }
        }
        return false;
      }, 10_000);
      for (const pid of await sessionsOf("ftp-slow")) process.kill(pid, "SIGKILL");
      const fetched = await running;
      expect(fetched.code).toBe(1);
      expect(fetched.stderr).toMatch(/E_REMOTE_(CLOSED|CONNECT)/u);
      expect(await names(server.folder)).toEqual(sent);
      expect(await journal()).toEqual([]);
      expect(await names(join(root, "archives"))).toEqual([]);
      const again = await central("fetch");
      expect(again.code).toBe(0);
      expect(await names(server.folder)).toEqual(["processed"]);
      expect((await journal()).map((entry) => entry.outcome)).toEqual(["accepted"]);
    });
  });
});

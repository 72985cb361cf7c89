import {
  createSender,
  type OutgoingArchive,
  type SourceItem,
  type TransportConfig,
} from "@caisse/transports";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTill } from "../export/fixture.js";
import { BIN, pseudoTerminal, runBin, runOnTerminal, temporaryFolder } from "../helpers/cli.js";
import { makeCertificate, type TestCertificate } from "../servers/certs.js";
import {
  centralCollectingFrom,
  inProcessRemotes,
  type InProcessRemote,
} from "../servers/remotes.js";
import { startSmtpServer } from "../servers/smtp.js";

/**
 * docs/operations.md#logs: a long send shows the bytes of the archive being sent on a terminal
 * (a bar of its own, fed by the transport's byte counts), and nothing of it in a pipe, as under
 * cron. Each remote kind reports its counts: FTP, SFTP and mail.
 */

const USER = "caisse";
const PASSWORD = "progress-Secret-2a7d";
const ENV = { CAISSE_TEST_PASSWORD: PASSWORD };
const terminal = pseudoTerminal();

let certificate: TestCertificate;
let work: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  certificate = await makeCertificate("progress");
  work = await temporaryFolder("caisse-transfer-progress-");
});
afterAll(async () => work.remove());

type Remote = Omit<InProcessRemote, "folder">;

const remotes: Record<string, () => Promise<Remote>> = {
  ...inProcessRemotes(USER, PASSWORD, () => certificate),
  mail: async () => {
    const server = await startSmtpServer({
      mode: "starttls",
      certificate,
      user: USER,
      password: PASSWORD,
    });
    return {
      transport: {
        type: "mail",
        host: "127.0.0.1",
        port: server.port,
        secure: "starttls",
        user: USER,
        passwordEnv: "CAISSE_TEST_PASSWORD",
        from: "d01@example.test",
        to: "siege@example.test",
        ca: certificate.cert,
        maxBytes: 64 * 1024 * 1024,
      },
      close: () => server.close(),
    };
  },
};

describe.each(Object.keys(remotes))("the bytes sent over %s", (kind) => {
  let remote: Remote;
  beforeAll(async () => {
    remote = await (remotes[kind] as () => Promise<Remote>)();
  });
  afterAll(async () => remote.close());

  it("are counted up to the whole archive by the sender", async () => {
    const path = join(work.path, `${kind}.zip`);
    // ssh2's in-process server is slow: a smaller file there.
    const size = (kind.startsWith("sftp") ? 512 : 3 * 1024) * 1024 + 17;
    await writeFile(path, randomBytes(size));
    const archive: OutgoingArchive = {
      path,
      name: "D01_20261127T230005_000042.zip",
      size,
      till: "D01",
      tillName: "Magasin 1",
      sequence: 42,
      created: "2026-11-27T23:00:05+01:00",
    };
    const { ConfigChecker, parseTransport } = await import("@caisse/transports");
    const check = new ConfigChecker(work.path);
    const config = parseTransport(check, remote.transport, "transport.", "transport");
    expect(check.problems).toEqual([]);
    const counts: [number, number][] = [];
    await createSender(config as TransportConfig, {
      env: ENV,
      onProgress: (done, total) => counts.push([done, total]),
    }).send(archive);
    const [, total = 0] = counts.at(-1) ?? [];
    // The mail's total is the encoded message, larger than the archive.
    if (kind === "mail") expect(total).toBeGreaterThan((size * 4) / 3);
    else expect(total).toBe(size);
    expect(counts.at(-1)).toEqual([total, total]);
    // basic-ftp reports at its start, every half second and at its end.
    expect(counts.length).toBeGreaterThanOrEqual(2);
    expect(counts.every(([, each]) => each === total)).toBe(true);
    counts.forEach(([done], index) => {
      expect(done).toBeGreaterThanOrEqual(counts[index - 1]?.[0] ?? 0);
    });
  });

  it.skipIf(kind === "mail")(
    "are counted up to the whole archive by the central's source as it downloads",
    async () => {
      const path = join(work.path, `${kind}-down.zip`);
      const size = (kind.startsWith("sftp") ? 512 : 3 * 1024) * 1024 + 17;
      await writeFile(path, randomBytes(size));
      const { ConfigChecker, createSource, parseTransport } = await import("@caisse/transports");
      const check = new ConfigChecker(work.path);
      const sender = parseTransport(check, remote.transport, "transport.", "transport");
      const source = parseTransport(check, remote.transport, "sources[0].", "source");
      expect(check.problems).toEqual([]);
      const name = "D01_20261127T230005_000043.zip";
      await createSender(sender as TransportConfig, { env: ENV }).send({
        path,
        name,
        size,
        till: "D01",
        tillName: "Magasin 1",
        sequence: 43,
        created: "2026-11-27T23:00:05+01:00",
      });
      const counts: [number, number][] = [];
      const collector = createSource(source as TransportConfig, "serveur", {
        env: ENV,
        onProgress: (done, total) => counts.push([done, total]),
      });
      try {
        const item = (await collector.list()).find((each) => each.id === name);
        expect(item).toBeDefined();
        const into = join(work.path, `${kind}-into`);
        await mkdir(into);
        await collector.download(item as SourceItem, into);
      } finally {
        await collector.close();
      }
      expect(counts.at(-1)).toEqual([size, size]);
      expect(counts.every(([, each]) => each === size)).toBe(true);
      counts.forEach(([done], index) => {
        expect(done).toBeGreaterThanOrEqual(counts[index - 1]?.[0] ?? 0);
      });
    },
  );

  it.skipIf(!terminal.available)(
    terminal.available
      ? "show as a bar at a terminal, and not in a pipe"
      : `show as a bar at a terminal (skipped: no pseudo-terminal: ${terminal.refusal})`,
    async () => {
      const till = await makeTill({
        config: { till: "D01", name: "Magasin 1", data: "donnees", transport: remote.transport },
      });
      try {
        // Random bytes hardly compress: an archive of about 9 MB (half a MB by the slower SFTP
        // server), long enough to be drawn.
        const bytes = (kind.startsWith("sftp") ? 0.5 : 9) * 1024 * 1024;
        await till.writeData({ "gros.csv": randomBytes(bytes).toString("base64") });
        const run = await runOnTerminal(BIN.export, ["run"], { cwd: till.dir, env: ENV });
        expect(run.code, run.output).toBe(0);
        expect(run.output).toMatch(
          /sending D01_\d{8}T\d{6}_000001\.zip \[[-=]{24}\] +\d+% [\d.]+ (B|kB|MB)\//u,
        );
        if (kind !== "mail") {
          // The central's fetch shows the bytes of the archive it downloads, the same way.
          const root = join(work.path, `${kind}-central`);
          await centralCollectingFrom(root, remote.transport, work.path);
          const fetched = await runOnTerminal(BIN.central, ["fetch", "--root", root], {
            cwd: work.path,
            env: ENV,
          });
          // The folder also holds the random bytes of the counting tests above: refused (exit 3).
          expect(fetched.code, fetched.output).toBe(3);
          expect(fetched.output).toMatch(/_000001\.zip: imported into D01/u);
          expect(fetched.output).toMatch(
            /downloading serveur\/D01_\d{8}T\d{6}_000001\.zip \[[-=]{24}\]/u,
          );
        }
        await till.writeData({ "autre.csv": randomBytes(256 * 1024).toString("base64") });
        const piped = await runBin(BIN.export, ["run"], { cwd: till.dir, env: ENV });
        expect(piped.code, piped.stderr).toBe(0);
        expect(piped.stderr + piped.stdout).not.toContain("\u001b");
        expect(piped.stderr).not.toContain("sending D01_");
      } finally {
        await till.remove();
      }
    },
  );
});

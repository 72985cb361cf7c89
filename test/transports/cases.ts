import { main as centralMain } from "@caisse/central";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, expect, it } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { makeTill, type Till } from "../export/fixture.js";

/**
 * The same cases for every remote kind and server (ftp-srv, vsftpd, ssh2's server, OpenSSH): a
 * till sends with `caisse-export run`, the central collects with `caisse-central fetch`, and the
 * server's folder is looked at directly on this machine's disk.
 */
export interface RemoteServer {
  /** The till's `transport`, without secrets: `passwordEnv` names a variable of `env`. */
  transport: Record<string, unknown>;
  /** The central's source entry (without `name`). */
  source: Record<string, unknown>;
  /** The server's folder for `dir`, on this machine's disk. */
  folder: string;
  env: Record<string, string>;
  /** Secrets that must never be printed. */
  secrets: string[];
  /** Gives files the test wrote into `folder` to the server's user (real servers). */
  adopt?: (path: string) => void;
}

export interface RemoteFactory {
  start: () => Promise<RemoteServer>;
  /** Ends the test: the server stopped (in-process) or the test's folder removed (real). */
  stop: () => Promise<void>;
  /** Stops the server in the middle of a test (default: stop). */
  halt?: () => Promise<void>;
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Every output of the runs, for the secrets check. */
export const printed: string[] = [];

export function remember(result: Captured): Captured {
  printed.push(result.stdout, result.stderr);
  return result;
}

export interface Scene {
  server: RemoteServer;
  till: Till;
  root: string;
  runTill: (argv: string[], env?: Record<string, string>) => Promise<Captured>;
  central: (...argv: string[]) => Promise<Captured>;
  journal: () => Promise<Record<string, unknown>[]>;
}

export function scene(factory: RemoteFactory): () => Scene {
  let current: Scene | undefined;
  let work: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    const server = await factory.start();
    work = await temporaryFolder("caisse-remote-");
    const root = join(work.path, "central");
    const till = await makeTill({
      config: { till: "D01", name: "Magasin 1", data: "donnees", transport: server.transport },
    });
    const central = async (...argv: string[]) =>
      remember(await runInProcess(centralMain, ["--root", root, ...argv], work.path, server.env));
    expect((await central("init")).code).toBe(0);
    const config = JSON.parse(await readFile(join(root, "caisse-central.json"), "utf8")) as Record<
      string,
      unknown
    >;
    config.sources = [{ name: "serveur", ...server.source }];
    await writeFile(join(root, "caisse-central.json"), JSON.stringify(config, null, 2));
    expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
    current = {
      server,
      till,
      root,
      runTill: async (argv, env = server.env) => remember(await till.run(argv, { env })),
      central,
      async journal() {
        const text = await readFile(join(root, "journal.jsonl"), "utf8").catch(() => "");
        return text
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      },
    };
  });
  afterEach(async () => {
    await factory.stop();
    await current?.till.remove();
    await work.remove();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error("no scene");
    return current;
  };
}

/** The cases every remote must pass. */
export function remoteCases(factory: RemoteFactory): void {
  const get = scene(factory);
  const secrets: string[] = [];

  it("a till sends as NAME.part then NAME; the central imports it and moves it to processed/", async () => {
    const { server, runTill, central, journal, till } = get();
    secrets.push(...server.secrets);
    const sent = await runTill(["run"]);
    expect(sent.stderr).not.toMatch(/E_[A-Z]/u);
    if (server.transport.secure === false)
      expect(sent.stderr).toContain("transport.secure is false");
    expect(sent.code).toBe(0);
    const [name] = await names(server.folder);
    expect(name).toMatch(/^D01_\d{8}T\d{6}_000001\.zip$/u);
    expect(await names(server.folder)).toEqual([name]);
    expect(await till.outboxNames()).toEqual([]);

    const fetched = await central("fetch");
    expect(fetched.code).toBe(0);
    expect(await names(server.folder)).toEqual(["processed"]);
    expect(await names(join(server.folder, "processed"))).toEqual([name]);
    const entries = await journal();
    expect(entries.map((entry) => [entry.source, entry.outcome])).toEqual([
      ["serveur", "accepted"],
    ]);
  });

  it("the folder is created when missing, and a damaged archive goes to rejected/", async () => {
    const { server, central, journal } = get();
    secrets.push(...server.secrets);
    await mkdir(server.folder, { recursive: true });
    await writeFile(join(server.folder, "D01_20261127T230005_000001.zip"), "not a zip");
    await writeFile(join(server.folder, "D01_20261127T230005_000002.zip.part"), "being written");
    server.adopt?.(server.folder);
    const fetched = await central("fetch");
    expect(fetched.code).toBe(3);
    expect(await names(server.folder)).toEqual(["D01_20261127T230005_000002.zip.part", "rejected"]);
    expect(await names(join(server.folder, "rejected"))).toEqual([
      "D01_20261127T230005_000001.zip",
    ]);
    expect((await journal()).map((entry) => [entry.source, entry.outcome])).toEqual([
      ["serveur", "rejected"],
    ]);
  });

  it("a wrong password: E_REMOTE_LOGIN on one line, exit 1, the archive stays in the outbox", async () => {
    const { server, runTill, central, till } = get();
    secrets.push(...server.secrets, "wrong-password-1234");
    const variable = Object.keys(server.env)[0] ?? "";
    const wrong = { ...server.env, [variable]: "wrong-password-1234" };
    const sent = await runTill(["--verbose", "run"], wrong);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain("E_REMOTE_LOGIN");
    expect(sent.stderr).toMatch(/: log in: /u);
    expect(await till.outboxNames()).toHaveLength(1);
    expect(await names(server.folder)).toEqual([]);
    const again = await runTill(["run"]);
    expect(again.code).toBe(0);
    expect(await till.outboxNames()).toEqual([]);
    expect(await names(server.folder)).toHaveLength(2);
    // The central with a wrong password: exit 1, nothing moved.
    const fetched = remember(
      await runInProcess(
        centralMain,
        ["--root", get().root, "--verbose", "fetch"],
        get().root,
        wrong,
      ),
    );
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toContain("E_REMOTE_LOGIN");
    expect(await names(server.folder)).toHaveLength(2);
    expect((await central("--verbose", "fetch")).code).toBe(0);
    // What the tools wrote to disk is output too.
    printed.push(await readFile(join(get().root, "journal.jsonl"), "utf8"));
    printed.push(await readFile(join(till.dir, "caisse-export-state", "runs.jsonl"), "utf8"));
  });

  it("a stopped server: E_REMOTE_CONNECT, exit 1, the archive stays; the next run sends it", async () => {
    const { runTill, till, central } = get();
    await (factory.halt ?? factory.stop)();
    const sent = await runTill(["run"]);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain("E_REMOTE_CONNECT");
    expect(await till.outboxNames()).toHaveLength(1);
    const fetched = await central("fetch");
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toContain("E_REMOTE_CONNECT");
  });

  it("doctor checks the transport and the source for real, and says what to fix", async () => {
    const { runTill, central, server } = get();
    secrets.push(...server.secrets, "wrong-password-5678");
    const till = await runTill(["doctor"]);
    expect(till.code).toBe(0);
    const steps = till.stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.replace(/^(ok {4}|FAIL {2})(.*?) {2,}.*$/u, "$1$2"));
    expect(steps).toEqual([
      "ok    config: read",
      "ok    data: folder",
      "ok    key: signing key",
      expect.stringMatching(/^ok {4}transport \w+ .*: connect and log in$/u),
      expect.stringMatching(/^ok {4}transport \w+ .*: folder$/u),
      expect.stringMatching(/^ok {4}transport \w+ .*: write a probe file$/u),
      expect.stringMatching(/^ok {4}transport \w+ .*: remove the probe file$/u),
      "all 7 checks passed",
    ]);
    const head = await central("doctor", "--format", "json");
    expect(head.code).toBe(0);
    const report = JSON.parse(head.stdout) as { ok: boolean; checks: { step: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.step)).toEqual([
      "read",
      "tills/",
      "archives/",
      "quarantine/",
      "connect and log in",
      "folder",
      "write a probe file",
      "remove the probe file",
    ]);
    expect(await names(server.folder)).toEqual([]);
    const variable = Object.keys(server.env)[0] ?? "";
    const wrong = await runTill(["doctor"], { ...server.env, [variable]: "wrong-password-5678" });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(
      /^FAIL {2}transport .*: connect and log in +E_REMOTE_LOGIN: .*: log in: /mu,
    );
    expect(wrong.stdout).toMatch(/^ +fix: check user and the password/mu);
    expect(wrong.stdout.trimEnd()).toMatch(/\n1 of 4 checks failed$/u);
  });

  afterAll(() => {
    // No password in anything the tools printed.
    expect(printed.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      for (const text of printed) expect(text.includes(secret), `printed: ${text}`).toBe(false);
    }
  });
}

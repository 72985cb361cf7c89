import { main as centralMain } from "@caisse/central";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTill, type Till } from "../export/fixture.js";
import { BIN, runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { makeCertificate } from "../servers/certs.js";
import {
  counts,
  cuttingRelay,
  deadPort,
  deliver,
  IMAP_HOW,
  IMAP_READY,
  imapSource,
  message,
  realEnv,
  silentServer,
  subjects,
} from "./mailbox.js";

/**
 * The central's `imap` source against Debian's dovecot, started by test/servers/setup.sh: mails
 * delivered by LMTP into a folder of their own per test (caisse+FOLDER@example.test), collected
 * by `caisse-central fetch`, and the faults only a real server shows.
 */

if (!IMAP_READY && process.env.CAISSE_REQUIRE_ALL === "1") {
  it("the real IMAP server is set up (CAISSE_REQUIRE_ALL=1)", () => {
    throw new Error(`the real IMAP tests cannot run: ${IMAP_HOW}`);
  });
}

/** Three archives of till D01 (#1, #2, #3), made once by caisse-export with a dir transport. */
let archives: { name: string; content: Buffer }[] = [];
let till: Till | undefined;
const printed: string[] = [];

interface Scene {
  root: string;
  folder: string;
  source: Record<string, unknown>;
  central: (...argv: string[]) => Promise<Captured>;
  setSources: (sources: Record<string, unknown>[]) => Promise<void>;
  journal: () => Promise<Record<string, unknown>[]>;
}

describe.skipIf(!IMAP_READY)(
  `imap source against dovecot (${IMAP_READY ? "set up" : `skipped: ${IMAP_HOW}`})`,
  () => {
    const password = () => realEnv("CAISSE_REAL_IMAP_PASSWORD");
    let scene: Scene | undefined;
    let work: { path: string; remove: () => Promise<void> } | undefined;
    const get = (): Scene => {
      if (scene === undefined) throw new Error("no scene");
      return scene;
    };

    beforeAll(async () => {
      till = await makeTill();
      await mkdir(till.share);
      for (const index of [1, 2, 3]) {
        await till.writeData({ [`2026/jour${index}.txt`]: `jour ${index}\n` });
        const run = await till.run(["run"]);
        expect(run.stderr).not.toMatch(/E_[A-Z]/u);
        expect(run.code).toBe(0);
      }
      const names = await till.shareNames();
      expect(names).toHaveLength(3);
      const share = till.share;
      archives = await Promise.all(
        names.map(async (name) => ({ name, content: await readFile(join(share, name)) })),
      );
    });

    afterAll(async () => {
      await till?.remove();
      // No password in anything the runs printed.
      for (const text of printed) expect(text).not.toContain(password());
    });

    beforeEach(async () => {
      const folderOfRun = await temporaryFolder("caisse-imap-");
      work = folderOfRun;
      const root = join(work.path, "central");
      const folder = `t${randomBytes(4).toString("hex")}`;
      const source = imapSource(folder);
      const central = async (...argv: string[]) => {
        const result = await runInProcess(
          centralMain,
          ["--root", root, ...argv],
          folderOfRun.path,
          {
            CAISSE_IMAP_PASSWORD: password(),
          },
        );
        printed.push(result.stdout, result.stderr);
        return result;
      };
      const setSources = async (sources: Record<string, unknown>[]) => {
        const path = join(root, "caisse-central.json");
        const config = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
        config.sources = sources;
        await writeFile(path, JSON.stringify(config, null, 2));
      };
      expect((await central("init")).code).toBe(0);
      await setSources([source]);
      expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
      scene = {
        root,
        folder,
        source,
        central,
        setSources,
        journal: async () => {
          const text = await readFile(join(root, "journal.jsonl"), "utf8").catch(() => "");
          printed.push(text);
          return text
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as Record<string, unknown>);
        },
      };
    });

    afterEach(async () => {
      await work?.remove();
      scene = undefined;
    });

    const archive = (index: number) => {
      const found = archives[index];
      if (found === undefined) throw new Error(`no archive ${index}`);
      return found;
    };
    const boxes = (folder: string) => [folder, `${folder}/Processed`, `${folder}/Rejected`];
    const state = async (root: string) =>
      JSON.parse(await readFile(join(root, ".caisse", "imap", "courrier.json"), "utf8")) as {
        taken: Record<string, string>;
      };

    it("STARTTLS: imports every zip of every message, moves them to Processed, remembers nothing left", async () => {
      const { folder, central, journal, setSources, source, root } = get();
      await setSources([
        { ...source, port: Number(realEnv("CAISSE_REAL_IMAP_STARTTLS_PORT")), secure: "starttls" },
      ]);
      await deliver(folder, [
        message("D01 #2 et #3", [archive(1), archive(2)]),
        message("D01 #1", [archive(0)]),
      ]);
      const fetched = await central("fetch", "--format", "json");
      expect(fetched.stderr).not.toMatch(/E_[A-Z]/u);
      expect(fetched.code).toBe(0);
      expect(await counts(boxes(folder))).toEqual({
        [folder]: 0,
        [`${folder}/Processed`]: 2,
        [`${folder}/Rejected`]: 0,
      });
      const entries = await journal();
      // In sequence order, whatever the order of the messages.
      expect(entries.map((entry) => [entry.source, entry.file, entry.outcome])).toEqual([
        ["courrier", archive(0).name, "accepted"],
        ["courrier", archive(1).name, "accepted"],
        ["courrier", archive(2).name, "accepted"],
      ]);
      expect(await readdir(join(root, "archives", "D01"))).toEqual(archives.map((a) => a.name));
      expect((await state(root)).taken).toEqual({});
    });

    it("a message without zip goes to Rejected with its reason in the journal (exit 3)", async () => {
      const { folder, central, journal } = get();
      await deliver(folder, [
        message("Re: les chiffres", []),
        message("D01 #1", [archive(0)]),
        message("photo", [{ name: "photo.jpg", content: randomBytes(100), type: "image/jpeg" }]),
      ]);
      const fetched = await central("fetch");
      expect(fetched.code).toBe(3);
      // Nothing of it is kept at the central: the message itself is in Rejected.
      expect(fetched.stderr).toContain(
        `holds no .zip attachment; what to do: it is moved to ${folder}/Rejected;`,
      );
      expect(fetched.stderr).not.toContain("kept in");
      expect(await subjects(`${folder}/Rejected`)).toEqual(["Re: les chiffres", "photo"]);
      expect(await subjects(`${folder}/Processed`)).toEqual(["D01 #1"]);
      expect(await counts([folder])).toEqual({ [folder]: 0 });
      const entries = await journal();
      expect(entries.map((entry) => [entry.outcome, entry.code])).toEqual([
        ["accepted", null],
        ["rejected", "E_MESSAGE_NO_ARCHIVE"],
        ["rejected", "E_MESSAGE_NO_ARCHIVE"],
      ]);
      expect(entries[1]?.reason).toMatch(
        new RegExp(
          `^imap 127\\.0\\.0\\.1:\\d+: ${folder} message 1 \\(from magasin1@example\\.test, subject "Re: les chiffres"\\) holds no \\.zip attachment$`,
          "u",
        ),
      );
      expect(entries[1]).toMatchObject({
        source: "courrier",
        file: `courrier/${folder}/1`,
        stored: null,
      });
    });

    it("--dry-run says what would happen and changes nothing, on the server or at the central", async () => {
      const { folder, central, journal, root } = get();
      await deliver(folder, [message("D01 #1", [archive(0)]), message("vide", [])]);
      const dry = await central("fetch", "--dry-run");
      expect(dry.code).toBe(3);
      expect(dry.stderr).toContain(`${archive(0).name}: would be imported into D01`);
      expect(dry.stderr).toMatch(
        /courrier\/t[0-9a-f]+\/2 would be rejected \(E_MESSAGE_NO_ARCHIVE\)/u,
      );
      expect(await journal()).toEqual([]);
      expect(await counts(boxes(folder))).toEqual({
        [folder]: 2,
        [`${folder}/Processed`]: 0,
        [`${folder}/Rejected`]: 0,
      });
      expect(await readdir(join(root, ".caisse"))).not.toContain("imap");
    });

    it("the same mail delivered twice is imported once; both go to Processed", async () => {
      const { folder, central, journal, root } = get();
      const mail = message("D01 #1", [archive(0)]);
      await deliver(folder, [mail, mail]);
      const fetched = await central("fetch");
      expect(fetched.code).toBe(0);
      expect((await journal()).map((entry) => entry.outcome)).toEqual(["accepted", "duplicate"]);
      expect(await readdir(join(root, "archives", "D01"))).toEqual([archive(0).name]);
      expect(await counts(boxes(folder))).toEqual({
        [folder]: 0,
        [`${folder}/Processed`]: 2,
        [`${folder}/Rejected`]: 0,
      });
      // A second fetch finds nothing.
      expect((await central("fetch")).code).toBe(0);
      expect(await journal()).toHaveLength(2);
    });

    it("a mailbox of 500 messages of which 3 hold archives", async () => {
      const { folder, central, journal } = get();
      const mails: string[] = [];
      for (let index = 0; index < 500; index += 1) {
        const attachment = index === 100 ? 0 : index === 250 ? 1 : index === 499 ? 2 : -1;
        mails.push(
          attachment === -1
            ? message(`bulletin ${index}`, [])
            : message(`D01 ${attachment}`, [archive(attachment)]),
        );
      }
      await deliver(folder, mails);
      const started = Date.now();
      const fetched = await central("fetch");
      const seconds = (Date.now() - started) / 1000;
      expect(fetched.code).toBe(3);
      expect(await counts(boxes(folder))).toEqual({
        [folder]: 0,
        [`${folder}/Processed`]: 3,
        [`${folder}/Rejected`]: 497,
      });
      const entries = await journal();
      expect(
        entries.filter((entry) => entry.outcome === "accepted").map((entry) => entry.file),
      ).toEqual(archives.map((a) => a.name));
      expect(entries.filter((entry) => entry.code === "E_MESSAGE_NO_ARCHIVE")).toHaveLength(497);
      console.log(`fetch of 500 messages: ${seconds} s`);
      // About 25 s on a loaded 2-core machine: each refused message is a journal entry and a
      // state write, both synced to disk, and a move.
      expect(seconds).toBeLessThan(120);
    }, 240_000);

    it("a move that fails (a folder the server refuses) never imports the message again", async () => {
      const { folder, central, journal, setSources, source, root } = get();
      await deliver(folder, [message("D01 #1", [archive(0)])]);
      // dovecot refuses folder names starting with "~".
      await setSources([{ ...source, processed: `~${folder}` }]);
      const first = await central("fetch");
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(
        /\(E_REMOTE_REPLY\): imap 127\.0\.0\.1:\d+: create the folder ~t[0-9a-f]+: the server answered NO Invalid mailbox name/u,
      );
      expect((await journal()).map((entry) => entry.outcome)).toEqual(["accepted"]);
      expect(await counts([folder])).toEqual({ [folder]: 1 });
      expect((await state(root)).taken).toEqual({ "1": "imported" });
      const second = await central("fetch");
      expect(second.code).toBe(1);
      expect(await journal()).toHaveLength(1);
      // Once the folder is right, the next fetch only moves it.
      await setSources([source]);
      const third = await central("fetch");
      expect(third.code).toBe(0);
      expect(await journal()).toHaveLength(1);
      expect(await counts(boxes(folder))).toEqual({
        [folder]: 0,
        [`${folder}/Processed`]: 1,
        [`${folder}/Rejected`]: 0,
      });
      expect((await state(root)).taken).toEqual({});
    });

    it("a wrong password: E_REMOTE_LOGIN, exit 1, the mailbox untouched", async () => {
      const { folder, root } = get();
      await deliver(folder, [message("D01 #1", [archive(0)])]);
      const result = await runInProcess(centralMain, ["--root", root, "fetch"], root, {
        CAISSE_IMAP_PASSWORD: "not-the-password",
      });
      printed.push(result.stdout, result.stderr);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /\(E_REMOTE_LOGIN\): imap 127\.0\.0\.1:\d+: log in: the server refused the log-in/u,
      );
      expect(result.stderr).not.toContain("not-the-password");
      expect(await counts([folder])).toEqual({ [folder]: 1 });
      expect(await get().journal()).toEqual([]);
    });

    it("a certificate from an unknown CA: E_REMOTE_TLS, nothing sent", async () => {
      const { folder, central, setSources, source } = get();
      await deliver(folder, [message("D01 #1", [archive(0)])]);
      const stranger = join(get().root, "stranger.pem");
      await writeFile(stranger, (await makeCertificate("stranger")).cert);
      await setSources([{ ...source, ca: stranger }]);
      const fetched = await central("fetch");
      expect(fetched.code).toBe(1);
      expect(fetched.stderr).toMatch(
        /\(E_REMOTE_TLS\): imap 127\.0\.0\.1:\d+: TLS: the certificate does not verify/u,
      );
      expect(await counts([folder])).toEqual({ [folder]: 1 });
    });

    it("a server that is not running does not stop the other sources (exit 1, then 3, then 0)", async () => {
      const { folder, central, journal, setSources, source } = get();
      await deliver(folder, [message("D01 #1", [archive(0)]), message("vide", [])]);
      const dead = await deadPort();
      await setSources([{ ...source, name: "arrete", port: dead }, source]);
      const fetched = await central("fetch");
      expect(fetched.code).toBe(1);
      expect(fetched.stderr).toMatch(
        new RegExp(
          `\\(E_REMOTE_CONNECT\\): imap 127\\.0\\.0\\.1:${dead}: connect: connection refused`,
          "u",
        ),
      );
      expect((await journal()).map((entry) => entry.outcome)).toEqual(["accepted", "rejected"]);
      // Without the stopped server: 3 was for the rejected message, now nothing is left.
      await setSources([source]);
      await deliver(folder, [message("vide", [])]);
      expect((await central("fetch")).code).toBe(3);
      expect((await central("fetch")).code).toBe(0);
    });

    it("a download cut in the middle: exit 1, nothing imported, the message stays; the next fetch imports it", async () => {
      const { folder, central, journal, setSources, source, root } = get();
      const big = randomBytes(600_000);
      // Not a real archive, but one the download must deliver whole before anything is decided.
      await deliver(folder, [
        message("gros", [{ name: "D01_20261127T230005_000009.zip", content: big }]),
      ]);
      const relay = await cuttingRelay(200_000);
      try {
        await setSources([{ ...source, port: relay.port }]);
        const fetched = await central("fetch");
        expect(fetched.code).toBe(1);
        expect(fetched.stderr).toMatch(
          /\(E_REMOTE_CLOSED\): imap 127\.0\.0\.1:\d+: download D01_20261127T230005_000009\.zip of message 1/u,
        );
        expect(await journal()).toEqual([]);
        expect(await counts([folder])).toEqual({ [folder]: 1 });
        expect(await readdir(join(root, "quarantine"))).toEqual([]);
      } finally {
        relay.server.close();
      }
      await setSources([source]);
      const again = await central("fetch");
      // Downloaded whole this time: refused as what it is (not a zip), and moved to Rejected.
      expect(again.code).toBe(3);
      expect((await journal()).map((entry) => entry.code)).toEqual(["E_ARCHIVE_NOT_ZIP"]);
      expect(await counts([folder, `${folder}/Rejected`])).toEqual({
        [folder]: 0,
        [`${folder}/Rejected`]: 1,
      });
    });

    it("tokenCommand: logs in with XOAUTH2 and the token the command prints, never shown", async () => {
      const { folder, central, journal, setSources, source, root } = get();
      const token = realEnv("CAISSE_REAL_IMAP_TOKEN");
      await deliver(folder, [message("D01 #1", [archive(0)])], "oauth");
      const script = join(root, "token.mjs");
      await writeFile(script, `process.stdout.write(${JSON.stringify(`${token}\n`)});\n`);
      const oauth = {
        ...source,
        user: realEnv("CAISSE_REAL_IMAP_TOKEN_USER"),
        passwordEnv: undefined,
        tokenCommand: [process.execPath, script],
      };
      await setSources([oauth]);
      const log = realEnv("CAISSE_REAL_IMAP_LOG");
      const before = (await readFile(log, "utf8")).length;
      const fetched = await central("fetch");
      expect(fetched.code).toBe(0);
      expect((await journal()).map((entry) => entry.outcome)).toEqual(["accepted"]);
      const logged = (await readFile(log, "utf8")).slice(before);
      expect(logged).toMatch(/Login: user=<oauth@example\.test>, method=XOAUTH2/u);
      for (const text of [fetched.stdout, fetched.stderr]) expect(text).not.toContain(token);
      // A token the server refuses: E_REMOTE_LOGIN, pointing at the command.
      await writeFile(script, `process.stdout.write("expired-token");\n`);
      await deliver(folder, [message("D01 #2", [archive(1)])], "oauth");
      const refused = await central("fetch");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /\(E_REMOTE_LOGIN\): imap 127\.0\.0\.1:\d+: log in: the server refused the log-in; what to do: check user and that tokenCommand prints a valid access token/u,
      );
    });

    it("a stop signal ends a fetch waiting on a server that does not answer, at once", async () => {
      const { folder, setSources, source, root } = get();
      await deliver(folder, [message("D01 #1", [archive(0)])]);
      const silent = await silentServer();
      try {
        await setSources([{ ...source, name: "muet", port: silent.port }, source]);
        const started = Date.now();
        const stopped = await new Promise<{ code: number | null; stderr: string }>(
          (resolve, reject) => {
            const child = spawn(process.execPath, [BIN.central, "--root", root, "fetch"], {
              cwd: root,
              env: { PATH: process.env.PATH, LANG: "C", CAISSE_IMAP_PASSWORD: password() },
            });
            let stderr = "";
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            setTimeout(() => child.kill("SIGTERM"), 1500);
            child.on("error", reject);
            child.on("close", (code) => {
              resolve({ code, stderr });
            });
          },
        );
        printed.push(stopped.stderr);
        expect(stopped.code, stopped.stderr).toBe(1);
        expect(stopped.stderr).toMatch(
          /muet failed \(E_INTERRUPTED\): imap 127\.0\.0\.1:\d+: connect: stopped/u,
        );
        // Well before the 30 s limit of a step; the second source was not started.
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await get().journal()).toEqual([]);
        expect(await counts([folder])).toEqual({ [folder]: 1 });
      } finally {
        silent.server.close();
      }
    });

    it("doctor checks the source for real and creates its folders", async () => {
      const { folder, central } = get();
      await deliver(folder, [message("D01 #1", [archive(0)])]);
      const result = await central("doctor");
      expect(result.stdout).toMatch(
        /ok +source courrier \(imaps caisse@example\.test@127\.0\.0\.1:\d+ t[0-9a-f]+\): connect and log in +imap 127\.0\.0\.1:\d+/u,
      );
      expect(result.stdout).toMatch(
        new RegExp(`ok +source courrier .*: mailbox ${folder} +1 message, UIDVALIDITY \\d+`, "u"),
      );
      expect(result.stdout).toMatch(
        new RegExp(`ok +source courrier .*: folder ${folder}/Processed +created`, "u"),
      );
      expect(result.code).toBe(0);
      expect((await central("doctor")).stdout).toMatch(
        new RegExp(`folder ${folder}/Rejected +exists`, "u"),
      );
    });
  },
);

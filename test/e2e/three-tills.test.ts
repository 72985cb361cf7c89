import { main as centralMain } from "@caisse/central";
import { main as exportMain } from "@caisse/export";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { counts, IMAP_HOW, IMAP_READY, imapSource, realEnv } from "../transports/mailbox.js";

/**
 * End to end over the real servers of test/servers/setup.sh: three tills send their archives,
 * D01 by FTPS (vsftpd), D02 by SFTP (OpenSSH), D03 by mail (postfix, STARTTLS and AUTH, delivering
 * to dovecot); `caisse-central fetch` collects them from the three sources. The report equals, to
 * the cent, the one of the same sales carried by the `dir` path, and the remote folders and the
 * mailbox end as docs/transports.md says.
 */

// Servers of its own for FTPS and SFTP: the fault tests stop the others now and then.
const READY = IMAP_READY && (process.env.CAISSE_REAL_FTP_E2E_PORT ?? "") !== "";

if (!READY && process.env.CAISSE_REQUIRE_ALL === "1") {
  it("the real servers are set up (CAISSE_REQUIRE_ALL=1)", () => {
    throw new Error(`the end-to-end test over real servers cannot run: ${IMAP_HOW}`);
  });
}

const TILLS = [
  { ref: "D01", name: "Magasin 1" },
  { ref: "D02", name: "Magasin 2" },
  { ref: "D03", name: "Magasin 3" },
] as const;

/** A month of sales of one till, different for each (cents and VAT rates with commas). */
function sales(index: number): string {
  const rows = ["ticket;date;article;famille;quantite;montant_ttc;taux_tva"];
  for (let day = 1; day <= 28; day += 1) {
    for (let line = 0; line < 3; line += 1) {
      const cents = 137 + ((day * 53 + line * 71 + index * 29) % 4000);
      const family = ["EPI", "BOI", "DRO"][(day + line + index) % 3] ?? "EPI";
      const rate = family === "BOI" ? "20" : "5,5";
      rows.push(
        `${day * 10 + line};2026-11-${String(day).padStart(2, "0")} 1${line}:0${index};A${line}${index};${family};${1 + (line % 2)};${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")};${rate}`,
      );
    }
  }
  return `${rows.join("\n")}\n`;
}

/**
 * A report's JSON without the times its tills' last archives were made: the two paths carry the
 * same sales in archives built seconds apart. Every figure, and everything else, must be equal.
 */
function withoutArchiveTimes(text: string): unknown {
  const json = JSON.parse(text) as { tills?: Record<string, unknown>[] };
  for (const till of json.tills ?? []) {
    expect(till.last_archive).toMatch(/^\d{4}-\d\d-\d\dT/u);
    delete till.last_archive;
  }
  return json;
}

describe.skipIf(!READY)(
  `three tills by FTPS, SFTP and mail (${READY ? "real servers set up" : `skipped: ${IMAP_HOW}`})`,
  () => {
    const run = `e2e${randomBytes(4).toString("hex")}`;
    let work: { path: string; remove: () => Promise<void> };
    const secrets = () => ({
      CAISSE_FTP_PASSWORD: realEnv("CAISSE_REAL_FTP_PASSWORD"),
      CAISSE_SFTP_PASSWORD: realEnv("CAISSE_REAL_SFTP_PASSWORD"),
      CAISSE_SMTP_PASSWORD: realEnv("CAISSE_REAL_SMTP_PASSWORD"),
      CAISSE_IMAP_PASSWORD: realEnv("CAISSE_REAL_IMAP_PASSWORD"),
    });
    const ftpFolder = () => join(realEnv("CAISSE_REAL_FTP_ROOT"), run);
    const sftpFolder = () => join(realEnv("CAISSE_REAL_SFTP_ROOT"), run);
    const printed: string[] = [];
    const remember = (result: Captured) => {
      printed.push(result.stdout, result.stderr);
      return result;
    };
    const central = async (root: string, ...argv: string[]) =>
      remember(await runInProcess(centralMain, ["--root", root, ...argv], work.path, secrets()));

    const transports = (): Record<string, unknown>[] => [
      {
        type: "ftp",
        host: "127.0.0.1",
        port: Number(realEnv("CAISSE_REAL_FTP_E2E_PORT")),
        secure: "explicit",
        user: realEnv("CAISSE_REAL_FTP_USER"),
        passwordEnv: "CAISSE_FTP_PASSWORD",
        dir: `/${run}`,
        ca: realEnv("CAISSE_REAL_FTP_CA"),
      },
      {
        type: "sftp",
        host: "127.0.0.1",
        port: Number(realEnv("CAISSE_REAL_SFTP_E2E_PORT")),
        user: realEnv("CAISSE_REAL_SFTP_USER"),
        passwordEnv: "CAISSE_SFTP_PASSWORD",
        hostKey: realEnv("CAISSE_REAL_SFTP_HOST_KEY"),
        dir: `/depot/${run}`,
      },
      {
        type: "mail",
        host: "127.0.0.1",
        port: Number(realEnv("CAISSE_REAL_SMTP_STARTTLS_PORT")),
        secure: "starttls",
        user: realEnv("CAISSE_REAL_SMTP_USER"),
        passwordEnv: "CAISSE_SMTP_PASSWORD",
        from: "Magasin 3 <d03@example.test>",
        to: `caisse+${run}@example.test`,
        ca: realEnv("CAISSE_REAL_SMTP_CA"),
      },
    ];

    /** Makes a till per store with `transport(index)`, runs `caisse-export run` in each. */
    async function sendAll(prefix: string, transport: (index: number) => Record<string, unknown>) {
      for (const [index, till] of TILLS.entries()) {
        const folder = join(work.path, `${prefix}-${till.ref}`);
        await mkdir(join(folder, "donnees"), { recursive: true });
        await writeFile(join(folder, "donnees", "ventes.csv"), sales(index));
        await writeFile(
          join(folder, "caisse-export.json"),
          JSON.stringify({
            till: till.ref,
            name: till.name,
            data: "donnees",
            transport: transport(index),
          }),
        );
        const sent = remember(await runInProcess(exportMain, ["run"], folder, secrets()));
        expect(sent.stderr).not.toMatch(/E_[A-Z]/u);
        expect(sent.code).toBe(0);
      }
    }

    async function makeCentral(name: string, sources: Record<string, unknown>[]): Promise<string> {
      const root = join(work.path, name);
      expect((await central(root, "init")).code).toBe(0);
      const path = join(root, "caisse-central.json");
      const config = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
      config.sources = sources;
      await writeFile(path, JSON.stringify(config, null, 2));
      for (const till of TILLS)
        expect((await central(root, "tills", "add", till.ref, "--name", till.name)).code).toBe(0);
      return root;
    }

    let remote = "";
    let local = "";
    let fetched: Captured | undefined;

    beforeAll(async () => {
      work = await temporaryFolder("caisse-three-");
      // The same sales through the folder path: the reference.
      local = await makeCentral("folder", [{ name: "inbox", type: "dir", path: "inbox" }]);
      await sendAll("dir", () => ({ type: "dir", path: join(local, "inbox") }));
      expect((await central(local, "fetch")).code).toBe(0);

      const [ftp, sftp] = transports();
      remote = await makeCentral("remote", [
        { name: "ftps", ...ftp },
        { name: "sftp", ...sftp },
        imapSource(run),
      ]);
      await sendAll("net", (index) => transports()[index] ?? {});
      // Mail goes through postfix's queue: wait until dovecot holds it.
      const end = Date.now() + 30_000;
      while ((await counts([run]))[run] !== 1) {
        if (Date.now() > end) throw new Error(`the mail did not arrive in ${run}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      fetched = await central(remote, "fetch");
    }, 120_000);

    afterAll(async () => {
      await rm(ftpFolder(), { recursive: true, force: true });
      await rm(sftpFolder(), { recursive: true, force: true });
      await work.remove();
      for (const text of printed)
        for (const secret of Object.values(secrets())) expect(text).not.toContain(secret);
    });

    it("fetch collects the three archives from the three sources (exit 0)", async () => {
      expect(fetched?.stderr).not.toMatch(/E_[A-Z]/u);
      expect(fetched?.code).toBe(0);
      const journal = (await readFile(join(remote, "journal.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(journal.map((entry) => [entry.source, entry.till, entry.outcome])).toEqual([
        ["ftps", "D01", "accepted"],
        ["sftp", "D02", "accepted"],
        ["courrier", "D03", "accepted"],
      ]);
    });

    it("the report equals the folder path's, to the cent", async () => {
      for (const by of ["till", "family", "day"]) {
        const over = await central(remote, "report", "--by", by, "--format", "json");
        const folder = await central(local, "report", "--by", by, "--format", "json");
        expect(over.code).toBe(0);
        // The figures are the same; when each central received its archives is not.
        expect(withoutArchiveTimes(over.stdout)).toEqual(withoutArchiveTimes(folder.stdout));
      }
      const byTill = await central(remote, "report", "--by", "till", "--format", "json");
      const json = JSON.parse(byTill.stdout) as { rows: { key: string }[] };
      expect(json.rows.map((row) => row.key)).toEqual(["D01", "D02", "D03"]);
    });

    it("the remote folders and the mailbox end as they should", async () => {
      expect(await readdir(ftpFolder())).toEqual(["processed"]);
      expect(await readdir(join(ftpFolder(), "processed"))).toEqual([
        expect.stringMatching(/^D01_\d{8}T\d{6}_000001\.zip$/u),
      ]);
      expect(await readdir(sftpFolder())).toEqual(["processed"]);
      expect(await readdir(join(sftpFolder(), "processed"))).toEqual([
        expect.stringMatching(/^D02_\d{8}T\d{6}_000001\.zip$/u),
      ]);
      expect(await counts([run, `${run}/Processed`, `${run}/Rejected`])).toEqual({
        [run]: 0,
        [`${run}/Processed`]: 1,
        [`${run}/Rejected`]: 0,
      });
    });
  },
);

import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, pseudoTerminal, runBin, runOnTerminal, temporaryFolder } from "../helpers/cli.js";

/**
 * docs/operations.md#logs: progress bars only for a person at a terminal; in cron or a pipe, no
 * bar and no escape code, only plain lines with the time.
 * The CLIs run on a real pseudo-terminal (util-linux `script`), and in a pipe as cron runs them.
 */
const terminal = pseudoTerminal();
const onTerminal = (title: string): string =>
  terminal.available ? title : `${title} (skipped: no pseudo-terminal: ${terminal.refusal})`;
let work: { path: string; remove: () => Promise<void> };
let root: string;
/** Clears from the cursor down: the bars going away. */
const CLEAR_DOWN = "\u001b[0J";
/** Terminal modes a bar must not change: a Ctrl-C would leave them changed. */
const MODES = ["\u001b[?25l", "\u001b[?7l"];

async function tillData(dir: string, ticket: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "ventes.csv"),
    `ticket;date;article;famille;quantite;montant_ttc;taux_tva\n${ticket};2026-11-02 10:00;A1;EPI;1;2,50;5,5\n`,
  );
}

/** Three tills' archives in the central's inbox, made by caisse-export on a terminal. */
async function fillInbox(): Promise<string[]> {
  const outputs: string[] = [];
  for (const till of ["D01", "D02", "D03"]) {
    // Each till in a folder of its own, where its state folder goes too.
    const folder = join(work.path, till);
    const data = join(folder, "donnees");
    await tillData(data, 1);
    const config = join(folder, "caisse-export.json");
    await writeFile(
      config,
      JSON.stringify({
        till,
        name: `Magasin ${till}`,
        data,
        transport: { type: "dir", path: join(root, "inbox") },
      }),
    );
    const run = await runOnTerminal(BIN.export, ["run", "--config", config], { cwd: folder });
    expect(run.code, run.output).toBe(0);
    outputs.push(run.output);
  }
  return outputs;
}

const central = (...argv: string[]) => ["--root", root, ...argv];

beforeAll(async () => {
  work = await temporaryFolder("caisse-progress-");
  root = join(work.path, "central");
  expect((await runBin(BIN.central, central("init"), { cwd: work.path })).code).toBe(0);
  for (const till of ["D01", "D02", "D03"]) {
    const added = await runBin(
      BIN.central,
      central("tills", "add", till, "--name", `Magasin ${till}`),
      {
        cwd: work.path,
      },
    );
    expect(added.code).toBe(0);
  }
});

afterAll(async () => work.remove());

describe("progress bars", () => {
  it.skipIf(!terminal.available)(
    onTerminal(
      "are drawn on a terminal, with the log above them, cleared at the end, no terminal mode changed",
    ),
    async () => {
      const exports = await fillInbox();
      for (const output of exports) {
        expect(output).toMatch(/building D0\d_\d{8}T\d{6}_000001\.zip \[[-=]{24}\]/u);
        expect(output).toContain("sending to dir [");
        for (const mode of MODES) expect(output).not.toContain(mode);
        expect(output).toContain(CLEAR_DOWN);
      }

      const fetch = await runOnTerminal(BIN.central, central("fetch"), { cwd: work.path });
      expect(fetch.code, fetch.output).toBe(0);
      const { output } = fetch;
      // Redrawn at most every 100 ms: which archive it shows depends on the machine's speed.
      expect(output).toMatch(/inbox \[[-=]{24}\] +\d+% [0-2]\/3 inbox\/D0[1-3]_/u);
      for (const mode of MODES) expect(output).not.toContain(mode);
      // Each decision logged once, above the bar, and the summary after it is gone.
      for (const till of ["D01", "D02", "D03"]) {
        expect(output.match(new RegExp(`imported into ${till} \\(1 file\\)`, "gu"))).toHaveLength(
          1,
        );
      }
      expect(output.indexOf("3 imported, 0 already imported")).toBeGreaterThan(
        output.lastIndexOf(CLEAR_DOWN),
      );
      expect(await readdir(join(root, "inbox"))).toEqual([]);
    },
  );

  it("are never drawn in a pipe, as under cron: plain timestamped lines", async () => {
    const data = join(work.path, "data-pipe");
    await tillData(data, 2);
    const zip = await runBin(
      BIN.export,
      ["zip", "--data", data, "--till", "D01", "--out", join(work.path, "pipe.zip")],
      { cwd: work.path },
    );
    expect(zip.code).toBe(0);
    await writeFile(join(root, "inbox", "pipe.zip"), "not a zip");
    const fetch = await runBin(BIN.central, central("fetch"), { cwd: work.path });
    expect(fetch.code).toBe(3);
    for (const text of [zip.stdout, zip.stderr, fetch.stdout, fetch.stderr]) {
      expect(text).not.toContain("\u001b");
    }
    expect(fetch.stderr).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2} caisse-central info: inbox: 1 archive to collect$/mu,
    );
  });

  it.skipIf(!terminal.available)(
    onTerminal("are not drawn with --quiet, even on a terminal"),
    async () => {
      const data = join(work.path, "data-quiet");
      await tillData(data, 3);
      const zip = await runOnTerminal(
        BIN.export,
        ["--quiet", "zip", "--data", data, "--till", "D01", "--out", join(work.path, "quiet.zip")],
        { cwd: work.path },
      );
      expect(zip.code, zip.output).toBe(0);
      expect(zip.output).not.toContain("building");
      expect(zip.output).not.toContain("\u001b");
      expect(zip.output).toMatch(/quiet\.zip: D01 sequence \d+, 1 file/u);
    },
  );
});

import { pathExists } from "@caisse/core";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fingerprintOf } from "../../packages/central/src/reportIndex/fingerprint.js";
import { BIN, runBin, temporaryFolder } from "../helpers/cli.js";
import { storedFingerprints } from "../helpers/report-index.js";

/**
 * `caisse-central index` builds or brings up to date the report index as the next report would
 * (docs/reports.md#the-report-index): the tills missing or stale, and only those; `--rebuild`
 * from nothing; `--tills`; the report then reads what it wrote, the same bytes as the files.
 */
let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]) =>
  runBin(BIN.central, ["--root", root, ...argv], { cwd: work.path });

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n";

async function writeSales(ref: string, lines: string): Promise<void> {
  await mkdir(join(root, "tills", ref), { recursive: true });
  await writeFile(join(root, "tills", ref, "ventes.csv"), HEADER + lines);
}

interface IndexJson {
  index: string;
  rebuilt: boolean;
  tills: { till: string; name: string; state: string; seconds: number }[];
}

async function indexJson(...argv: string[]): Promise<IndexJson> {
  const result = await central("index", "--format", "json", ...argv);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as IndexJson;
}

const states = (json: IndexJson) => json.tills.map(({ till, state }) => [till, state]);

beforeEach(async () => {
  work = await temporaryFolder();
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  for (const ref of ["D01", "D02", "D03"]) {
    expect((await central("tills", "add", ref, "--name", `Magasin ${ref}`)).code).toBe(0);
  }
  await writeSales(
    "D01",
    "1;2026-11-02 10:00;A1;EPI;1;10,00;20\n2;2026-11-02 11:00;A2;BOI;2;4,50;20\n",
  );
  await writeSales("D02", "1;2026-11-03 09:00;A1;EPI;1;7,25;20\n");
  // D03 has sent nothing: no directory.
});
afterEach(async () => work.remove());

describe("caisse-central index", () => {
  it("indexes the enabled tills, then finds them up to date; the report reads it", async () => {
    expect(await pathExists(join(root, "index", "reports.sqlite"))).toBe(false);
    const first = await indexJson();
    expect(first.index).toBe(join(root, "index", "reports.sqlite"));
    expect(first.rebuilt).toBe(false);
    expect(states(first)).toEqual([
      ["D01", "indexed"],
      ["D02", "indexed"],
      ["D03", "no-directory"],
    ]);
    expect(first.tills.map((till) => till.name)).toEqual([
      "Magasin D01",
      "Magasin D02",
      "Magasin D03",
    ]);
    expect(storedFingerprints(root)).toEqual({
      D01: await fingerprintOf(join(root, "tills", "D01"), {}),
      D02: await fingerprintOf(join(root, "tills", "D02"), {}),
    });
    expect(states(await indexJson())).toEqual([
      ["D01", "current"],
      ["D02", "current"],
      ["D03", "no-directory"],
    ]);

    // A file changed by hand: that till only is indexed again.
    await appendFile(
      join(root, "tills", "D02", "ventes.csv"),
      "2;2026-11-03 10:00;A2;BOI;1;1,00;20\n",
    );
    expect(states(await indexJson())).toEqual([
      ["D01", "current"],
      ["D02", "indexed"],
      ["D03", "no-directory"],
    ]);
    const argv = ["report", "--period", "2026-11", "--by", "till", "--format", "json"];
    const indexed = await central(...argv);
    const files = await central(...argv, "--no-index");
    expect(indexed.code, indexed.stderr).toBe(0);
    expect(indexed.stdout).toBe(files.stdout);
    const report = JSON.parse(indexed.stdout) as { total: { ttc: number; tickets: number } };
    expect(report.total).toMatchObject({ ttc: 22.75, tickets: 4 });
    // The report found the index ready: nothing indexed again.
    expect(states(await indexJson())).toEqual([
      ["D01", "current"],
      ["D02", "current"],
      ["D03", "no-directory"],
    ]);
  });

  it("--rebuild builds from nothing; --tills names tills, disabled ones too", async () => {
    await indexJson();
    expect((await central("tills", "disable", "D02")).code).toBe(0);
    const rebuilt = await indexJson("--rebuild");
    expect(rebuilt.rebuilt).toBe(true);
    expect(states(rebuilt)).toEqual([
      ["D01", "indexed"],
      ["D03", "no-directory"],
    ]);
    expect(Object.keys(storedFingerprints(root))).toEqual(["D01"]);
    expect(states(await indexJson("--tills", "d02"))).toEqual([["D02", "indexed"]]);
    expect(Object.keys(storedFingerprints(root))).toEqual(["D01", "D02"]);
  });

  it("says each till on stderr and counts on stdout; an unknown till is a usage error", async () => {
    const text = await central("index");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      `${join(root, "index", "reports.sqlite")}: 3 tills, 2 indexed, 1 unchanged or without data\n`,
    );
    expect(text.stderr).toMatch(/caisse-central info: D01 Magasin D01: indexed in \d+\.\d s\n/u);
    expect(text.stderr).toContain(
      "caisse-central info: D03 Magasin D03: no data yet (no directory)\n",
    );

    const unknown = await central("index", "--tills", "D09");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error E_TILL_UNKNOWN: --tills: no till 'D09' is registered");
    const format = await central("index", "--format", "xml");
    expect(format.code).toBe(2);
  });
});

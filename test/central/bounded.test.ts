import { main } from "@caisse/central";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mulberry32 } from "../../scripts/seeded-random.mjs";
import { BIN, REPO, runBin, runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { buildTillZip } from "../helpers/zip-builder.js";

/**
 * Untrusted manifests cost at most work in proportion to their bounded size: a run of
 * `caisse-central fetch` in a child process, its memory and CPU time measured by the process
 * itself (`process.resourceUsage()`, written at exit by test/helpers/resource-usage.mjs), not by
 * the wall clock. Generous bounds: what they catch is work that grows with the square of a field.
 */

const DATA = {
  "ventes.csv":
    "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n1;2026-11-27 10:00;A1;EPI;1;2,50;5,5\n",
};
/** A fetch of a few archives stays far below this (about 100 MB); 3.4 GB was measured before. */
const MAX_RSS_KIB = 400 * 1024;
/** CPU seconds (user + system) for the whole run. */
const MAX_CPU_SECONDS = 60;

let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);

beforeEach(async () => {
  work = await temporaryFolder("caisse-bounded-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
});
afterEach(async () => work.remove());

interface Measured extends Captured {
  /** Peak resident memory, KiB; undefined when the process died before its exit handler. */
  maxRSS: number | undefined;
  cpuSeconds: number | undefined;
}

/** `caisse-central --root ROOT ...argv` as a child process, with its own resource figures. */
async function measuredCentral(...argv: string[]): Promise<Measured> {
  const usageFile = join(work.path, "resource-usage.json");
  // runBin runs `node BIN ARGV`: the preload goes first, as node's own option.
  const result = await runBin(
    "--import",
    [join(REPO, "test", "helpers", "resource-usage.mjs"), BIN.central, "--root", root, ...argv],
    { cwd: work.path, env: { CAISSE_TEST_RESOURCE_USAGE: usageFile } },
  );
  const usage = await readFile(usageFile, "utf8").then(
    (text) => JSON.parse(text) as NodeJS.ResourceUsage,
    () => undefined,
  );
  return {
    ...result,
    maxRSS: usage?.maxRSS,
    cpuSeconds: usage === undefined ? undefined : (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  };
}

/** Letters and accented letters that deflate cannot shrink much (a ratio bomb is another rule). */
function randomText(random: () => number, length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzéèàçùABCDEFGHIJKLMNOPQRSTUVWXYZ ";
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
}

interface FetchSummary {
  archives: { file: string; outcome: string; code: string | null; reason: string | null }[];
}

describe("an unsigned archive of an unregistered till with a 100 KB name", () => {
  it("is quarantined in bounded memory, and the archive after it is imported", async () => {
    // A00 sorts before D01: before the fix, the run died on it (exit 134) and the good archive
    // after it waited forever.
    const hostile = buildTillZip(DATA, {
      manifest: { till: "A00", name: randomText(mulberry32(1), 100_000) },
    }).zip;
    const good = buildTillZip(DATA).zip;
    await writeFile(join(root, "inbox", "A00_20261127T230005_000001.zip"), hostile);
    await writeFile(join(root, "inbox", "D01_20261127T230005_000001.zip"), good);

    const result = await measuredCentral("fetch", "--format", "json");

    expect(result.code, result.stderr).toBe(3);
    const summary = JSON.parse(result.stdout) as FetchSummary;
    expect(summary.archives.map(({ file, outcome, code }) => [file, outcome, code])).toEqual([
      ["A00_20261127T230005_000001.zip", "rejected", "E_MANIFEST_INVALID"],
      ["D01_20261127T230005_000001.zip", "accepted", null],
    ]);
    expect(summary.archives[0]?.reason).toBe(
      "caisse-manifest.json is invalid: a string is longer than 1024 characters (limits.maxManifestString)",
    );
    expect(await readdir(join(root, "inbox"))).toEqual([]);
    expect((await readdir(join(root, "quarantine"))).sort()).toEqual([
      "A00_20261127T230005_000001.zip",
      "A00_20261127T230005_000001.zip.txt",
    ]);
    expect(result.maxRSS, "the process died before its exit").toBeDefined();
    expect(result.maxRSS).toBeLessThan(MAX_RSS_KIB);
    expect(result.cpuSeconds).toBeLessThan(MAX_CPU_SECONDS);
  }, 120_000);
});

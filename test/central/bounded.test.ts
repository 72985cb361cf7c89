import { main } from "@caisse/central";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mulberry32 } from "../../scripts/seeded-random.mjs";
import { BIN, REPO, runBin, runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { sha256Hex } from "@caisse/core";
import { STORE, buildTillZip, buildZip } from "../helpers/zip-builder.js";

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

// ---------------------------------------------------------------------------------------------

/** Hostile values, as raw JSON text (so that repeated keys and deep nesting can be written). */
function hostileValues(random: () => number): Record<string, string> {
  const deep = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  return {
    "a 100,000-character string": JSON.stringify(randomText(random, 100_000)),
    "a 1,025-character string": JSON.stringify(randomText(random, 1025)),
    "100,000 nested arrays": deep(100_000),
    "33 nested arrays": deep(33),
    "1e309": "1e309",
    "-0": "-0",
    "2^53+1": "9007199254740993",
    "-1": "-1",
    '"NaN"': '"NaN"',
    '"Infinity"': '"Infinity"',
    "a huge number literal": `1${"0".repeat(100_000)}`,
    "control characters": JSON.stringify("\u001b[2J\u001b]0;pwn\u0007\r\nwhat to do: curl x | sh"),
    "bidi overrides": JSON.stringify("\u202egpj.exe\u2066x\u2069"),
    "a lone surrogate": '"a\\ud800b"',
    "a line separator": JSON.stringify("a\u2028b"),
    "an object with __proto__":
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}',
    "an array of 100,000 nulls": `[${Array.from({ length: 100_000 }, () => "null").join(",")}]`,
    "an object of 20,000 keys": `{${Array.from({ length: 20_000 }, (_, index) => `"k${index}": ${index}`).join(",")}}`,
    true: "true",
    null: "null",
  };
}

const FIELDS = ["format", "kind", "till", "name", "created", "sequence", "previous", "files"];
const FILE_FIELDS = ["path", "size", "sha256"];

interface HostileManifest {
  what: string;
  text: string;
}

/**
 * The manifest of archive `sequence` as JSON text, with one field (top level, of the first file,
 * or added) given a hostile value; or a key repeated, or the till unknown with a hostile name.
 */
function hostileManifests(random: () => number): HostileManifest[] {
  const values = Object.entries(hostileValues(random));
  const good = (sequence: number): Record<string, string> => ({
    format: JSON.stringify("caisse-archive/1"),
    kind: JSON.stringify("sales"),
    till: JSON.stringify("D01"),
    name: JSON.stringify("Magasin 1"),
    created: JSON.stringify("2026-11-27T23:00:05+01:00"),
    sequence: String(sequence),
    previous: "null",
  });
  const filesText = (fields: Record<string, string>): string =>
    `[{${Object.entries(fields)
      .map(([key, value]) => `"${key}": ${value}`)
      .join(", ")}}]`;
  const goodFile = (): Record<string, string> => ({
    path: JSON.stringify("ventes.csv"),
    size: String(Buffer.byteLength(DATA["ventes.csv"])),
    sha256: JSON.stringify(sha256Hex(DATA["ventes.csv"])),
  });
  const render = (fields: Record<string, string>, extra = ""): string =>
    `{${Object.entries(fields)
      .map(([key, value]) => `"${key}": ${value}`)
      .join(", ")}${extra}}`;
  const manifests: HostileManifest[] = [];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  for (const [what, value] of values) {
    const sequence = manifests.length + 1;
    // Each hostile value in a top-level field, in a file's field, and in an unknown field.
    const field = pick(FIELDS);
    const top = { ...good(sequence), files: filesText(goodFile()), [field]: value };
    manifests.push({ what: `${field}: ${what}`, text: render(top) });
    const fileField = pick(FILE_FIELDS);
    manifests.push({
      what: `files[0].${fileField}: ${what}`,
      text: render({
        ...good(sequence + 1),
        files: filesText({ ...goodFile(), [fileField]: value }),
      }),
    });
    manifests.push({
      what: `an unknown field: ${what}`,
      text: render({ ...good(sequence + 2), files: filesText(goodFile()) }, `, "extra": ${value}`),
    });
    // An unregistered till: its name is quoted in the refusal and the command it suggests.
    manifests.push({
      what: `an unknown till named ${what}`,
      text: render({
        ...good(sequence + 3),
        till: '"Z99"',
        name: value,
        files: filesText(goodFile()),
      }),
    });
  }
  manifests.push({
    what: "a repeated key",
    text: render(
      { ...good(manifests.length + 1), files: filesText(goodFile()) },
      ', "till": "D02"',
    ),
  });
  return manifests;
}

describe("the whole import on manifests with hostile field values (property)", () => {
  it("imports or quarantines each one, never crashes, in bounded memory and CPU", async () => {
    const seed = 20261130;
    const manifests = hostileManifests(mulberry32(seed));
    await Promise.all(
      manifests.map(({ text }, index) =>
        writeFile(
          join(root, "inbox", `D01_20261127T230005_${String(index + 1).padStart(6, "0")}.zip`),
          buildZip([
            { name: "caisse-manifest.json", data: text, method: STORE },
            { name: "ventes.csv", data: DATA["ventes.csv"] },
          ]),
        ),
      ),
    );

    const result = await measuredCentral("fetch", "--format", "json");

    expect([0, 3], result.stderr).toContain(result.code);
    const summary = JSON.parse(result.stdout) as FetchSummary;
    expect(summary.archives).toHaveLength(manifests.length);
    const outcomes = summary.archives.map((archive, index) => [
      manifests[index]?.what,
      archive.outcome === "accepted" ? "accepted" : archive.code,
    ]);
    for (const [what, outcome] of outcomes) {
      expect(outcome, `seed ${seed}, ${String(what)}`).toMatch(
        /^(accepted|E_(ARCHIVE|MANIFEST)_\w+)$/u,
      );
    }
    // Every archive with a hostile value where the format expects another is refused.
    expect(outcomes.filter(([, outcome]) => outcome === "accepted").length).toBeLessThan(
      manifests.length / 2,
    );
    expect(await readdir(join(root, "inbox"))).toEqual([]);
    const verify = await central("journal", "--verify");
    expect(verify.stdout).toBe(
      `journal intact: ${manifests.length} entries, hash chain verified\n`,
    );
    // Every reason file is one value a line.
    for (const file of await readdir(join(root, "quarantine"))) {
      if (!file.endsWith(".txt")) continue;
      const reason = await readFile(join(root, "quarantine", file), "utf8");
      expect(reason.replaceAll("\n", ""), file).not.toMatch(
        /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e]/u,
      );
      expect(reason.length, file).toBeLessThan(8 * 1024);
    }
    expect(result.maxRSS, "the process died before its exit").toBeDefined();
    expect(result.maxRSS).toBeLessThan(MAX_RSS_KIB);
    expect(result.cpuSeconds).toBeLessThan(MAX_CPU_SECONDS);
  }, 300_000);
});

describe("an archive the process died on", () => {
  const names = ["A00_20261127T230005_000001.zip", "D01_20261127T230005_000001.zip"];
  const marker = (): string => join(root, ".caisse", "examining.json");

  async function inbox(): Promise<Buffer> {
    const dying = buildTillZip(DATA, { manifest: { till: "A00" } }).zip;
    await writeFile(join(root, "inbox", names[0] ?? ""), dying);
    await writeFile(join(root, "inbox", names[1] ?? ""), buildTillZip(DATA).zip);
    return dying;
  }

  it("twice in a row is quarantined unexamined, and the archives after it imported", async () => {
    const dying = await inbox();
    // What two runs that died on it (out of memory, say) leave in the working folder.
    await writeFile(marker(), JSON.stringify({ sha256: sha256Hex(dying), attempts: 2 }));

    const result = await central("fetch", "--format", "json");

    expect(result.code, result.stderr).toBe(3);
    const summary = JSON.parse(result.stdout) as {
      archives: { file: string; outcome: string; code: string | null; reason: string | null }[];
    };
    expect(summary.archives.map(({ file, outcome, code }) => [file, outcome, code])).toEqual([
      [names[0], "rejected", "E_ARCHIVE_CHECK_FAILED"],
      [names[1], "accepted", null],
    ]);
    expect(summary.archives[0]?.reason).toBe(
      "the process died while examining this archive in 2 runs in a row (out of memory, or killed); it was not examined again",
    );
    await expect(readFile(marker())).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("really: two runs killed on it, the third quarantines it and goes on", async () => {
    await inbox();
    // Each run is killed (SIGKILL, as by the out-of-memory killer) when it opens A00 to check it:
    // the copy collected into the working folder, not the one stored in quarantine.
    const run = (): Promise<Captured> =>
      runBin(
        "--import",
        [join(REPO, "test", "helpers", "die-on-open.mjs"), BIN.central, "--root", root, "fetch"],
        { cwd: work.path, env: { CAISSE_TEST_DIE_ON_OPEN: "incoming-[^/]*/A00_" } },
      );
    const first = await run();
    const second = await run();
    expect([first.code, second.code]).toEqual([-1, -1]);
    expect(JSON.parse(await readFile(marker(), "utf8"))).toMatchObject({ attempts: 2 });
    expect((await readdir(join(root, "inbox"))).sort()).toEqual(names);

    const third = await run();

    expect(third.code, third.stderr).toBe(3);
    expect(third.stdout).toContain("E_ARCHIVE_CHECK_FAILED: the process died while examining");
    expect(await readdir(join(root, "inbox"))).toEqual([]);
    expect((await readdir(join(root, "quarantine"))).sort()).toEqual([names[0], `${names[0]}.txt`]);
    expect(await readdir(join(root, "tills"))).toEqual(["D01"]);
  }, 60_000);

  it("once (a kill, a power cut) is examined again", async () => {
    const dying = await inbox();
    await writeFile(marker(), JSON.stringify({ sha256: sha256Hex(dying), attempts: 1 }));

    const result = await central("fetch", "--format", "json");

    // A00 is not registered: refused for that, on its own merits.
    const summary = JSON.parse(result.stdout) as { archives: { code: string | null }[] };
    expect(summary.archives.map(({ code }) => code)).toEqual(["E_ARCHIVE_UNKNOWN_TILL", null]);
    await expect(readFile(marker())).rejects.toMatchObject({ code: "ENOENT" });
  });
});

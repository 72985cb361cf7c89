import { centralPaths, loadCentralConfig, main } from "@caisse/central";
import {
  acquireLock,
  archiveTransportName,
  buildArchive,
  generateSigningKey,
  planArchive,
  sha256Hex,
  signManifest,
  type Manifest,
} from "@caisse/core";
import { spawn } from "node:child_process";
import {
  access,
  appendFile,
  mkdir,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { fetchSources, importFiles } from "../../packages/central/src/import/run.js";
import { openFiles } from "../helpers/fds.js";
import { snapshotTree } from "../helpers/tree.js";
import { buildTillZip, buildZip } from "../helpers/zip-builder.js";

/**
 * The business rules of `caisse-central import` and `fetch` (see docs/archive-format.md,
 * docs/security.md#the-checks, docs/central-layout.md and docs/operations.md#exit-codes).
 */

let work: { path: string; remove: () => Promise<void> };
let root: string;
const central = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);

beforeEach(async () => {
  work = await temporaryFolder("caisse-import-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
});
afterEach(async () => work.remove());

type Files = Record<string, string>;

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n";

/** A till's data at sequence `sequence`: different bytes for every sequence and till. */
function dataOf(
  sequence: number,
  till = "D01",
): Files & { "ventes.csv": string; "reglements.csv": string } {
  return {
    "ventes.csv": `${HEADER}${sequence};2026-11-${String(sequence).padStart(2, "0")} 10:00;A1;EPI;1;${sequence},50;5,5\n`,
    "reglements.csv": `ticket;date;mode;montant\n${sequence};2026-11-01 10:00;CB;${sequence},50\n`,
    [`2026/${till}.txt`]: `${till} #${sequence}\n`,
  };
}

/** The `created` of a test archive of this sequence: one day later for every sequence. */
function createdOf(sequence: number): string {
  return `2026-11-${String(sequence).padStart(2, "0")}T23:00:05+01:00`;
}

/**
 * The manifest fields of the test archive of `till` and `sequence`; `previous` chains it to the
 * archive of the sequence before, with its default data, as a till would.
 */
function manifestFieldsOf(sequence: number, till: string): Partial<Manifest> {
  const previous =
    sequence === 1
      ? null
      : sha256Hex(
          buildTillZip(dataOf(sequence - 1, till), {
            manifest: manifestFieldsOf(sequence - 1, till),
          }).manifestBytes,
        );
  return {
    till,
    name: `Magasin ${till.slice(1).replace(/^0/u, "")}`,
    sequence,
    created: createdOf(sequence),
    previous,
  };
}

/** A caisse archive of `till` with `sequence`, written under its transport name in `folder`. */
async function tillArchive(
  sequence: number,
  options: {
    till?: string;
    files?: Files;
    folder?: string;
    fileName?: string;
    signature?: string;
  } = {},
): Promise<{ path: string; bytes: Buffer; manifest: Manifest; manifestBytes: Buffer }> {
  const till = options.till ?? "D01";
  const { zip, manifest, manifestBytes } = buildTillZip(options.files ?? dataOf(sequence, till), {
    manifest: manifestFieldsOf(sequence, till),
    ...(options.signature === undefined ? {} : { signature: options.signature }),
  });
  const folder = options.folder ?? join(work.path, "out");
  await mkdir(folder, { recursive: true });
  const path = join(
    folder,
    options.fileName ?? archiveTransportName(till, manifest.created, sequence),
  );
  await writeFile(path, zip);
  return { path, bytes: zip, manifest, manifestBytes };
}

async function writeTree(dir: string, files: Files): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** What snapshotTree gives for a folder holding exactly `files`. */
async function treeOf(files: Files): Promise<Record<string, string>> {
  const dir = join(work.path, `expected-${Math.random().toString(36).slice(2)}`);
  await writeTree(dir, files);
  const tree = await snapshotTree(dir);
  await rm(dir, { recursive: true });
  return tree;
}

interface JournalLine {
  n: number;
  source: string;
  file: string;
  till: string | null;
  sequence: number | null;
  sha256: string;
  outcome: "accepted" | "duplicate" | "rejected";
  code: string | null;
  reason: string | null;
  stored: string | null;
  gap: [number, number] | null;
  manifest: string | null;
  prev: string;
}

async function journal(): Promise<JournalLine[]> {
  const text = await readFile(join(root, "journal.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as JournalLine);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The root without the journal and the central's working folder. */
async function rootWithoutJournal(): Promise<Record<string, string>> {
  const tree = await snapshotTree(root);
  return Object.fromEntries(
    Object.entries(tree).filter(
      ([path]) =>
        path !== "journal.jsonl" &&
        path !== "journal.head.json" &&
        path !== ".caisse" &&
        !path.startsWith(".caisse/"),
    ),
  );
}

async function addTill(ref: string, ...more: string[]): Promise<void> {
  const name = `Magasin ${ref.slice(1).replace(/^0/u, "")}`;
  const added = await central("tills", "add", ref, "--name", name, ...more);
  expect(added.stderr).toBe("");
  expect(added.code).toBe(0);
}

/** Expects an import refused with `code`: exit 3, in quarantine with its reason, journaled. */
async function expectQuarantined(
  result: Captured,
  file: { path: string; bytes: Buffer },
  code: string,
): Promise<string> {
  expect(result.code, result.stderr).toBe(3);
  expect(result.stdout).toContain(code);
  expect(result.stderr).toContain(code);
  const name = file.path.split("/").at(-1) ?? "";
  expect((await readFile(join(root, "quarantine", name))).equals(file.bytes)).toBe(true);
  const reason = await readFile(join(root, "quarantine", `${name}.txt`), "utf8");
  expect(reason).toContain(`code: ${code}`);
  expect((await journal()).at(-1)).toMatchObject({
    outcome: "rejected",
    code,
    stored: `quarantine/${name}`,
    sha256: sha256Hex(file.bytes),
  });
  // A file given by hand stays where it was.
  expect(await exists(file.path)).toBe(true);
  return reason;
}

// ---------------------------------------------------------------------------------------------

describe("caisse-central import: one archive", () => {
  it("accepts a good archive made by the core's writer: the till's directory is its data, byte for byte", async () => {
    await addTill("D01");
    const data = join(work.path, "data");
    await mkdir(join(work.path, "out"));
    const files = {
      ...dataOf(1),
      "sous dossier/clôtures été.csv": "date;total_ttc\n2026-11-01;1,50\n",
    };
    await writeTree(data, files);
    const built = await buildArchive(await planArchive(data), {
      outPath: join(work.path, "out", "tfichier.zip"),
      till: "D01",
      name: "Magasin 1",
      sequence: 1,
      previous: null,
      created: new Date(2026, 10, 27, 23, 0, 5),
    });

    const result = await central("import", built.path);
    expect(result.stderr).not.toContain("warn");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("imported  D01 #1  tfichier.zip  (4 files)");
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await snapshotTree(data));

    const canonical = archiveTransportName("D01", built.manifest.created, 1);
    expect(canonical).toBe("D01_20261127T230005_000001.zip");
    expect(await readdir(join(root, "archives", "D01"))).toEqual([canonical]);
    const kept = await readFile(join(root, "archives", "D01", canonical));
    expect(kept.equals(await readFile(built.path))).toBe(true);
    expect(await exists(built.path)).toBe(true);
    expect(await readdir(join(root, "quarantine"))).toEqual([]);
    expect(await journal()).toEqual([
      expect.objectContaining({
        n: 1,
        source: "import",
        file: "tfichier.zip",
        till: "D01",
        sequence: 1,
        sha256: sha256Hex(kept),
        outcome: "accepted",
        code: null,
        stored: `archives/D01/${canonical}`,
        gap: null,
        manifest: built.manifestSha256,
        prev: "0".repeat(64),
      }),
    ]);
    const tills = await readdir(join(root, "tills"));
    expect(tills).toEqual(["D01"]);
  });

  it("replaces the whole directory with the next archive: files gone from the till are gone here", async () => {
    await addTill("D01");
    const first = await tillArchive(1, { files: { ...dataOf(1), "ancien.csv": "old\n" } });
    const second = await tillArchive(2);
    expect((await central("import", first.path)).code).toBe(0);
    expect((await central("import", second.path)).code).toBe(0);
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await treeOf(dataOf(2)));
    expect(await readdir(join(root, "archives", "D01"))).toEqual([
      "D01_20261101T230005_000001.zip",
      "D01_20261102T230005_000002.zip",
    ]);
  });

  it("says 'already imported' for the same file again: exit 0, nothing changed but the journal", async () => {
    await addTill("D01");
    const archive = await tillArchive(1);
    expect((await central("import", archive.path)).code).toBe(0);
    const before = await rootWithoutJournal();

    const again = await central("import", archive.path);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already   D01 #1");
    expect(again.stdout).toContain("0 imported, 1 already imported, 0 rejected");
    expect(await rootWithoutJournal()).toEqual(before);
    expect((await journal()).map((line) => line.outcome)).toEqual(["accepted", "duplicate"]);
    expect((await journal())[1]).toMatchObject({
      code: null,
      stored: "archives/D01/D01_20261101T230005_000001.zip",
    });

    // The archive was closed: an open handle would keep it locked (Windows cannot delete it).
    expect(await openFiles()).not.toContain(archive.path);

    // Under another name too: the bytes decide.
    const copy = join(work.path, "copie.zip");
    await writeFile(copy, archive.bytes);
    const renamed = await central("import", copy);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toContain("already imported");
    expect(await rootWithoutJournal()).toEqual(before);
  });

  it.each([
    ["an equal sequence", 2],
    ["a lower sequence", 1],
  ])(
    "refuses %s with other bytes (E_ARCHIVE_SEQUENCE), keeping the newer data",
    async (_what, sequence) => {
      await addTill("D01");
      expect((await central("import", (await tillArchive(1)).path)).code).toBe(0);
      expect((await central("import", (await tillArchive(2)).path)).code).toBe(0);
      const tillBefore = await snapshotTree(join(root, "tills", "D01"));

      const replay = await tillArchive(sequence, {
        files: { "ventes.csv": `${HEADER}99;2026-11-02 10:00;X;X;1;999,00;20\n` },
        fileName: "replay.zip",
      });
      const result = await central("import", replay.path);
      const reason = await expectQuarantined(result, replay, "E_ARCHIVE_SEQUENCE");
      expect(reason).toContain(`sequence ${sequence} is not newer than 2`);
      expect(result.stdout).toContain(`sequence ${sequence} is not newer than 2`);
      expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(tillBefore);
      expect(await readdir(join(root, "archives", "D01"))).toHaveLength(2);
    },
  );

  it("accepts a sequence jump, records the gap in the journal and warns on stderr", async () => {
    await addTill("D01");
    expect((await central("import", (await tillArchive(1)).path)).code).toBe(0);
    const result = await central("import", (await tillArchive(5)).path);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warn: D01: archives #2 to #4 never arrived/u);
    expect(result.stdout).toContain("missing #2..#4");
    expect((await journal()).at(-1)).toMatchObject({
      outcome: "accepted",
      sequence: 5,
      gap: [2, 4],
    });
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await treeOf(dataOf(5)));

    // The next one in order has no gap; an archive of the gap is now too old.
    const next = await central("import", (await tillArchive(6)).path);
    expect(next.stderr).not.toContain("never arrived");
    expect((await journal()).at(-1)).toMatchObject({ sequence: 6, gap: null });
    const late = await tillArchive(3);
    await expectQuarantined(await central("import", late.path), late, "E_ARCHIVE_SEQUENCE");
  });

  it("refuses an archive of an unknown till, with the tills add command to register it", async () => {
    await addTill("D01");
    const archive = await tillArchive(1, { till: "D07" });
    const result = await central("import", archive.path);
    const reason = await expectQuarantined(result, archive, "E_ARCHIVE_UNKNOWN_TILL");
    const command = 'caisse-central tills add D07 --name "Magasin 7" --path D07';
    expect(reason).toContain(command);
    expect(result.stderr).toContain(command);
    expect(result.stdout).toContain("till 'D07' (Magasin 7), which is not registered");
    // The till is not one of ours; the manifest's sequence was read all the same.
    expect((await journal()).at(-1)).toMatchObject({ till: null, sequence: 1 });
    expect(await readdir(join(root, "tills"))).toEqual([]);
    expect(await exists(join(root, "archives", "D07"))).toBe(false);

    // Registered as the hint says, the same file is then imported.
    await addTill("D07");
    const again = await central("import", archive.path);
    expect(again.code).toBe(0);
    expect(await snapshotTree(join(root, "tills", "D07"))).toEqual(await treeOf(dataOf(1, "D07")));
  });

  it.each([
    ["$(touch pwned)", '--name "NAME" --path D07'],
    ['Magasin"; rm -rf ~; "', '--name "NAME" --path D07'],
    ["Boutique & Cie | x", '--name "NAME" --path D07'],
    ["L'Épicerie du Port", `--name "L'Épicerie du Port" --path D07`],
  ])("suggests no command a shell could read more into (till name %j)", async (name, suggested) => {
    await addTill("D01");
    const { zip } = buildTillZip(dataOf(1, "D07"), { manifest: { till: "D07", name } });
    const archive = { path: join(work.path, "D07.zip"), bytes: zip };
    await writeFile(archive.path, zip);
    const result = await central("import", archive.path);
    const reason = await expectQuarantined(result, archive, "E_ARCHIVE_UNKNOWN_TILL");
    const hint = `caisse-central tills add D07 ${suggested}`;
    expect(reason).toContain(hint);
    expect(result.stderr).toContain(hint);
  });

  it("keeps two different rejected archives of the same name side by side in quarantine", async () => {
    await addTill("D01");
    const first = await tillArchive(1, { till: "D07", fileName: "envoi.zip" });
    await expectQuarantined(await central("import", first.path), first, "E_ARCHIVE_UNKNOWN_TILL");
    const second = await tillArchive(2, { till: "D07", fileName: "envoi.zip" });
    const result = await central("import", second.path);
    expect(result.code).toBe(3);
    const suffixed = `envoi.${sha256Hex(second.bytes).slice(0, 12)}.zip`;
    expect((await readdir(join(root, "quarantine"))).sort()).toEqual(
      ["envoi.zip", "envoi.zip.txt", suffixed, `${suffixed}.txt`].sort(),
    );
    expect((await readFile(join(root, "quarantine", "envoi.zip"))).equals(first.bytes)).toBe(true);
    expect((await readFile(join(root, "quarantine", suffixed))).equals(second.bytes)).toBe(true);
    expect(await readFile(join(root, "quarantine", `${suffixed}.txt`), "utf8")).toContain(
      "received as: envoi.zip",
    );
    expect((await journal()).at(-1)).toMatchObject({ stored: `quarantine/${suffixed}` });
  });

  it("imports the archives of a disabled till all the same", async () => {
    await addTill("D01", "--disabled");
    const result = await central("import", (await tillArchive(1)).path);
    expect(result.code).toBe(0);
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await treeOf(dataOf(1)));
  });

  it("checks the archive against --till: another registered till is E_ARCHIVE_TILL_MISMATCH", async () => {
    await addTill("D01");
    await addTill("D02");
    const archive = await tillArchive(1);
    const result = await central("import", archive.path, "--till", "D02");
    await expectQuarantined(result, archive, "E_ARCHIVE_TILL_MISMATCH");
    expect((await journal()).at(-1)).toMatchObject({ till: "D01", sequence: 1 });
    expect(await readdir(join(root, "tills"))).toEqual([]);
    // The right one, in any case, is fine.
    expect((await central("import", archive.path, "--till", "d01")).code).toBe(0);
  });

  it("refuses a --till that is not registered: exit 2 E_TILL_UNKNOWN, nothing touched", async () => {
    await addTill("D01");
    const archive = await tillArchive(1);
    const before = await snapshotTree(root);
    const result = await central("import", archive.path, "--till", "D09");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("E_TILL_UNKNOWN");
    expect(result.stderr).toContain("no till 'D09'");
    expect(result.stdout).toBe("");
    expect(await snapshotTree(root)).toEqual(before);
  });

  it.each([
    ["no file at all", [], "missing required argument"],
    ["a file that does not exist", ["absent.zip"], "E_USAGE"],
    ["a folder", ["."], "E_USAGE"],
  ])("refuses %s: exit 2, nothing touched", async (_what, argv, words) => {
    await addTill("D01");
    const before = await snapshotTree(root);
    const result = await central("import", ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(words);
    expect(await snapshotTree(root)).toEqual(before);
  });

  it("prints the outcome of every archive as JSON with --format json", async () => {
    await addTill("D01");
    const good = await tillArchive(1);
    const unknown = await tillArchive(1, { till: "D07" });
    const result = await central("import", good.path, unknown.path, "--format", "json");
    expect(result.code).toBe(3);
    const output = JSON.parse(result.stdout) as unknown;
    expect(output).toEqual({
      dryRun: false,
      recovered: [],
      archives: [
        {
          file: "D01_20261101T230005_000001.zip",
          outcome: "accepted",
          till: "D01",
          sequence: 1,
          code: null,
          reason: null,
          hint: null,
          stored: "archives/D01/D01_20261101T230005_000001.zip",
          gap: null,
          gapRejected: [],
          chain: null,
          files: 3,
          target: join(root, "tills", "D01"),
        },
        {
          file: "D07_20261101T230005_000001.zip",
          outcome: "rejected",
          till: null,
          sequence: 1,
          code: "E_ARCHIVE_UNKNOWN_TILL",
          reason: "the archive comes from till 'D07' (Magasin 7), which is not registered",
          hint: expect.stringContaining("caisse-central tills add D07") as unknown,
          stored: "quarantine/D07_20261101T230005_000001.zip",
          gap: null,
          gapRejected: [],
          chain: null,
          files: 0,
          target: null,
        },
      ],
      failures: [],
    });
  });
});

describe("legacy archives (no manifest)", () => {
  const legacyZip = (): Buffer =>
    buildZip([
      { name: "donnees/" },
      { name: "donnees/ventes.csv", data: dataOf(1)["ventes.csv"] },
      { name: "reglements.csv", data: dataOf(1)["reglements.csv"] },
    ]);

  async function legacyFile(): Promise<{ path: string; bytes: Buffer }> {
    const bytes = legacyZip();
    const path = join(work.path, "sauvegarde.zip");
    await writeFile(path, bytes);
    return { path, bytes };
  }

  it("refuses one without --till (E_ARCHIVE_LEGACY), saying how to import it", async () => {
    await addTill("D01");
    const legacy = await legacyFile();
    const result = await central("import", legacy.path);
    const reason = await expectQuarantined(result, legacy, "E_ARCHIVE_LEGACY");
    expect(reason).toContain("--till REF");
    expect(await readdir(join(root, "tills"))).toEqual([]);
  });

  it("imports one with --till D01, stored as D01_legacy_...", async () => {
    await addTill("D01");
    const legacy = await legacyFile();
    const result = await central("import", legacy.path, "--till", "D01");
    expect(result.code).toBe(0);
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(
      await treeOf({
        "donnees/ventes.csv": dataOf(1)["ventes.csv"],
        "reglements.csv": dataOf(1)["reglements.csv"],
      }),
    );
    const stored = await readdir(join(root, "archives", "D01"));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(
      new RegExp(`^D01_legacy_\\d{8}T\\d{6}_${sha256Hex(legacy.bytes).slice(0, 12)}\\.zip$`, "u"),
    );
    expect((await journal()).at(-1)).toMatchObject({
      outcome: "accepted",
      till: "D01",
      sequence: null,
      stored: `archives/D01/${stored[0] ?? ""}`,
    });
    // The same backup again is already imported; the next archive with a manifest is accepted.
    expect((await central("import", legacy.path, "--till", "D01")).stdout).toContain(
      "already imported",
    );
    expect((await central("import", (await tillArchive(1)).path)).code).toBe(0);
  });

  it("refuses one for a till with a registered key, even with --till", async () => {
    await addTill("D01", "--key", generateSigningKey().publicKey);
    const legacy = await legacyFile();
    const result = await central("import", legacy.path, "--till", "D01");
    const reason = await expectQuarantined(result, legacy, "E_ARCHIVE_LEGACY");
    expect(reason).toContain("has a registered key");
    expect((await journal()).at(-1)).toMatchObject({ till: "D01", sequence: null });
    expect(await readdir(join(root, "tills"))).toEqual([]);
  });
});

describe("signatures of a till with a registered key", () => {
  const key = generateSigningKey();
  const otherKey = generateSigningKey();
  beforeEach(async () => {
    await addTill("D01", "--key", key.publicKey);
  });

  it("accepts an archive signed by the core's writer with the till's key", async () => {
    const data = join(work.path, "data");
    await writeTree(data, dataOf(1));
    await mkdir(join(work.path, "out"));
    const built = await buildArchive(await planArchive(data), {
      outPath: join(work.path, "out", "signed.zip"),
      till: "D01",
      name: "Magasin 1",
      sequence: 1,
      previous: null,
      created: new Date(2026, 10, 27, 23, 0, 5),
      sign: (bytes) => signManifest(bytes, key.privateKeyPem),
    });
    expect(built.signature).not.toBeNull();
    const result = await central("import", built.path);
    expect(result.code).toBe(0);
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await treeOf(dataOf(1)));
  });

  // Each row signs the manifest of the genuine data (or not), then builds the archive it sends.
  const genuine = dataOf(1);
  const tampered = { ...genuine, "ventes.csv": genuine["ventes.csv"].replace("1,50", "0,50") };
  it.each([
    ["without caisse-manifest.sig", () => undefined, genuine, "has no caisse-manifest.sig"],
    [
      "signed with another key",
      (bytes: Buffer) => signManifest(bytes, otherKey.privateKeyPem),
      genuine,
      "does not verify",
    ],
    [
      "whose data and manifest were altered after signing",
      (bytes: Buffer) => signManifest(bytes, key.privateKeyPem),
      tampered,
      "does not verify",
    ],
    [
      "with a signature line that is no signature",
      () => "ed25519:AAAA",
      genuine,
      "does not verify",
    ],
  ] as const)("refuses an archive %s (E_ARCHIVE_SIGNATURE)", async (_what, sign, files, words) => {
    expect(tampered["ventes.csv"]).not.toBe(genuine["ventes.csv"]);
    const signature = sign((await tillArchive(1, { fileName: "genuine.zip" })).manifestBytes);
    const archive = await tillArchive(1, {
      files,
      fileName: "sent.zip",
      ...(signature === undefined ? {} : { signature }),
    });
    const result = await central("import", archive.path);
    const reason = await expectQuarantined(result, archive, "E_ARCHIVE_SIGNATURE");
    expect(reason).toContain(words);
    // Journaled under the till it claims to come from: its last archive was rejected.
    expect((await journal()).at(-1)).toMatchObject({ till: "D01", sequence: 1 });
    expect(await readdir(join(root, "tills"))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe("caisse-central fetch", () => {
  const inbox = (): string => join(root, "inbox");

  it("removes the collection folders a crashed run left, but not in a dry run", async () => {
    await addTill("D01");
    const leftover = join(root, ".caisse", "incoming-Xb3kQ1");
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, "D01_20261101T230005_000001.zip"), "half a download");
    await tillArchive(1, { folder: inbox() });

    expect((await central("fetch", "--dry-run")).code).toBe(0);
    expect(await readdir(join(root, ".caisse"))).toContain("incoming-Xb3kQ1");

    const result = await central("fetch");
    expect(result.code, result.stderr).toBe(0);
    expect(
      (await readdir(join(root, ".caisse"))).filter((name) => name.startsWith("incoming-")),
    ).toEqual([]);
    expect((await journal()).map((line) => line.outcome)).toEqual(["accepted"]);
  });

  it("imports every archive of the inbox in sequence order, and empties it of what was stored", async () => {
    await addTill("D01");
    await addTill("D02");
    const archives = [
      await tillArchive(3, { folder: inbox() }),
      await tillArchive(2, { till: "D02", folder: inbox() }),
      await tillArchive(1, { folder: inbox() }),
      await tillArchive(1, { till: "D02", folder: inbox() }),
      await tillArchive(2, { folder: inbox() }),
    ];
    const unknown = await tillArchive(1, { till: "D09", folder: inbox() });
    // Byte for byte D01 #1 under another name: already imported once its twin is.
    await writeFile(join(inbox(), "copie.zip"), archives[2]?.bytes ?? "");
    // Left alone: a copy in progress, hidden files, a link (never followed), not a zip.
    const outside = await tillArchive(3, { till: "D02", folder: join(work.path, "ailleurs") });
    await writeFile(join(inbox(), "D01_20261104T230005_000004.zip.part"), "half a zip");
    await writeFile(join(inbox(), ".D01_20261105T230005_000005.zip"), "hidden");
    await writeFile(join(inbox(), ".DS_Store"), "mac");
    await symlink(outside.path, join(inbox(), "D02_20261103T230005_000003.zip"));
    await writeFile(join(inbox(), "notes.txt"), "not an archive");
    await mkdir(join(inbox(), "dossier.zip"));

    const result = await central("fetch");
    expect(result.code, result.stderr).toBe(3);

    const lines = await journal();
    expect(lines.map((line) => [line.till, line.sequence, line.outcome])).toEqual([
      ["D01", 1, "accepted"],
      ["D01", 2, "accepted"],
      ["D01", 3, "accepted"],
      ["D02", 1, "accepted"],
      ["D02", 2, "accepted"],
      [null, 1, "rejected"],
      ["D01", 1, "duplicate"],
    ]);
    expect(lines.every((line) => line.source === "inbox")).toBe(true);
    expect(lines.every((line) => line.gap === null)).toBe(true);
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await treeOf(dataOf(3)));
    expect(await snapshotTree(join(root, "tills", "D02"))).toEqual(await treeOf(dataOf(2, "D02")));
    expect(await readdir(join(root, "archives", "D01"))).toHaveLength(3);
    expect(await readdir(join(root, "archives", "D02"))).toHaveLength(2);

    // Accepted, duplicate and rejected left the inbox; the rejected one is in quarantine.
    expect((await readdir(inbox())).sort()).toEqual([
      ".D01_20261105T230005_000005.zip",
      ".DS_Store",
      "D01_20261104T230005_000004.zip.part",
      "D02_20261103T230005_000003.zip",
      "dossier.zip",
      "notes.txt",
    ]);
    const quarantined = (await readdir(join(root, "quarantine"))).sort();
    expect(quarantined).toEqual([
      "D09_20261101T230005_000001.zip",
      "D09_20261101T230005_000001.zip.txt",
    ]);
    expect(
      (await readFile(join(root, "quarantine", "D09_20261101T230005_000001.zip"))).equals(
        unknown.bytes,
      ),
    ).toBe(true);
    // The link's target was neither imported nor moved.
    expect(await exists(outside.path)).toBe(true);
    expect(lines.some((line) => line.sha256 === sha256Hex(outside.bytes))).toBe(false);
    // No collecting folder left; `files/` holds the record of each till's directory.
    expect(await readdir(join(root, ".caisse"))).toEqual(["files"]);
    expect((await openFiles()).filter((path) => path.startsWith(root))).toEqual([]);

    // Nothing left to do: a second run changes nothing.
    const before = await rootWithoutJournal();
    const again = await central("fetch");
    expect(again.code).toBe(0);
    expect(await rootWithoutJournal()).toEqual(before);
    expect(await journal()).toHaveLength(lines.length);
  });

  it("says with --dry-run what a real run would do, changing nothing", async () => {
    await addTill("D01");
    await central("import", (await tillArchive(1)).path);
    await tillArchive(3, { folder: inbox() });
    await tillArchive(2, { folder: inbox() });
    await tillArchive(1, { folder: inbox() });
    await tillArchive(1, { till: "D09", folder: inbox() });
    const before = await snapshotTree(root);

    const dry = await central("fetch", "--dry-run", "--format", "json");
    expect(dry.code).toBe(3);
    expect(await snapshotTree(root)).toEqual(before);
    const planned = JSON.parse(dry.stdout) as {
      dryRun: boolean;
      archives: { till: string | null; sequence: number; outcome: string; target: string | null }[];
    };
    expect(planned.dryRun).toBe(true);
    const target = join(root, "tills", "D01");
    expect(planned.archives.map((a) => [a.till, a.sequence, a.outcome, a.target])).toEqual([
      ["D01", 1, "duplicate", null],
      ["D01", 2, "accepted", target],
      ["D01", 3, "accepted", target],
      [null, 1, "rejected", null],
    ]);
    const text = await central("fetch", "--dry-run");
    expect(text.stdout).toContain("dry run: nothing was changed");
    expect(text.stdout).toContain(
      `would import  D01 #2  D01_20261102T230005_000002.zip  (3 files into ${target})`,
    );
    expect(text.stdout).toContain("2 to import, 1 already imported, 1 to reject, 0 failed");
    // The log says it in the conditional too: nothing was imported or kept in quarantine.
    expect(text.stderr).toContain("D01_20261102T230005_000002.zip: would be imported into D01");
    expect(text.stderr).toContain(
      "D09_20261101T230005_000001.zip would be rejected (E_ARCHIVE_UNKNOWN_TILL)",
    );
    expect(text.stderr).not.toMatch(/: imported into|kept in/u);
    expect(await snapshotTree(root)).toEqual(before);

    const real = await central("fetch", "--format", "json");
    expect(real.code).toBe(3);
    const done = JSON.parse(real.stdout) as { archives: { sequence: number; outcome: string }[] };
    expect(done.archives.map((a) => [a.sequence, a.outcome])).toEqual(
      planned.archives.map((a) => [a.sequence, a.outcome]),
    );
  });

  it("leaves in the inbox an archive it could not store (exit 1), and takes it at the next run", async () => {
    await addTill("D01");
    await addTill("D02");
    await tillArchive(1, { folder: inbox() });
    const blocked = await tillArchive(1, { till: "D02", folder: inbox() });
    // archives/D02 is a file, so the archive cannot be kept there: a failure of the disk.
    await writeFile(join(root, "archives", "D02"), "in the way");

    const result = await central("fetch");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("E_IO");
    expect(await readdir(inbox())).toEqual([blocked.path.split("/").at(-1)]);
    expect(await exists(join(root, "tills", "D02"))).toBe(false);
    expect((await journal()).map((line) => line.till)).toEqual(["D01"]);
    expect(await readdir(join(root, "tills"))).toEqual(["D01"]);

    await rm(join(root, "archives", "D02"));
    const next = await central("fetch");
    expect(next.code).toBe(0);
    expect(await readdir(inbox())).toEqual([]);
    expect(await snapshotTree(join(root, "tills", "D02"))).toEqual(await treeOf(dataOf(1, "D02")));
  });

  async function configureSources(sources: object[]): Promise<void> {
    const path = join(root, "caisse-central.json");
    const config = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...config, sources }, null, 2));
  }

  it("reports a missing source folder (exit 1, E_SOURCE) and still runs the other sources", async () => {
    await addTill("D01");
    await configureSources([
      { name: "inbox", type: "dir", path: "inbox" },
      { name: "depot", type: "dir", path: "depot" },
    ]);
    await rm(inbox(), { recursive: true });
    await tillArchive(1, { folder: join(root, "depot") });

    const result = await central("fetch");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("E_SOURCE");
    expect(result.stdout).toMatch(/failed\s+inbox/u);
    expect(result.stderr).toMatch(
      /error: inbox failed \(E_SOURCE\): source inbox: cannot read the folder/u,
    );
    expect(result.stderr).toContain(inbox());
    expect(result.stderr).toContain("fix its path in caisse-central.json");
    expect((await journal()).map((line) => [line.source, line.outcome])).toEqual([
      ["depot", "accepted"],
    ]);
    expect(await readdir(join(root, "depot"))).toEqual([]);
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(await treeOf(dataOf(1)));
    // Not created behind the operator's back: a missing share must stay visible.
    expect(await exists(inbox())).toBe(false);
  });

  it("takes only the sources named with --source, and refuses an unknown one (exit 2)", async () => {
    await addTill("D01");
    await configureSources([
      { name: "inbox", type: "dir", path: "inbox" },
      { name: "depot", type: "dir", path: "depot" },
    ]);
    await tillArchive(1, { folder: inbox() });
    await tillArchive(2, { folder: join(root, "depot") });

    const before = await snapshotTree(root);
    const unknown = await central("fetch", "--source", "ftp-depot");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("E_USAGE");
    expect(unknown.stderr).toContain("--source");
    expect(unknown.stderr).toContain("inbox, depot");
    expect(await snapshotTree(root)).toEqual(before);

    const only = await central("fetch", "--source", "inbox");
    expect(only.code).toBe(0);
    expect((await journal()).map((line) => [line.source, line.sequence])).toEqual([["inbox", 1]]);
    expect(await readdir(join(root, "depot"))).toHaveLength(1);
  });
});

describe("an import that fails in the middle of the directory swap", () => {
  const inbox = (): string => join(root, "inbox");

  it("keeps the new data for the next run to finish, never leaving the till without its data", async () => {
    await addTill("D01");
    expect((await central("import", (await tillArchive(1)).path)).code).toBe(0);
    const target = join(root, "tills", "D01");
    const second = await tillArchive(2);
    const paths = centralPaths(root);
    const failing = importFiles({ paths, config: await loadCentralConfig(paths) }, [second.path], {
      now: () => new Date(),
      // The old directory is set aside, then something takes its place (an antivirus, a
      // user): the second rename fails.
      pause: async (point) => {
        if (point === "moved-old") await writeFile(target, "in the way");
      },
    });
    await expect(failing).rejects.toMatchObject({ code: "E_IO" });
    await rm(target);

    // The swap was decided before it failed: the next run completes it, and journals it once.
    const next = await central("fetch");
    expect(next.code).toBe(0);
    expect(next.stderr).toContain("D01: an interrupted import was completed");
    expect(await snapshotTree(target)).toEqual(await treeOf(dataOf(2)));
    expect((await readdir(join(root, "tills"))).sort()).toEqual(["D01"]);
    expect((await journal()).map((line) => [line.sequence, line.outcome])).toEqual([
      [1, "accepted"],
      [2, "accepted"],
    ]);
    const again = await central("import", second.path);
    expect(again.stdout).toContain("already imported");
    expect((await central("journal", "--verify")).code).toBe(0);
  });

  it("does not start another import of that till in the same run", async () => {
    await addTill("D01");
    expect((await central("import", (await tillArchive(1)).path)).code).toBe(0);
    const target = join(root, "tills", "D01");
    await tillArchive(2, { folder: inbox() });
    // Refused once extracted (a wrong CRC): its staging folder must not take the place of #2's.
    const { manifestBytes } = buildTillZip(dataOf(3), {
      manifest: { sequence: 3, created: createdOf(3) },
    });
    const corrupt = buildZip([
      { name: "caisse-manifest.json", data: manifestBytes },
      ...Object.entries(dataOf(3)).map(([name, data]) => ({
        name,
        data,
        ...(name === "ventes.csv" ? { crc32: 0xdeadbeef } : {}),
      })),
    ]);
    await writeFile(join(inbox(), "D01_20261103T230005_000003.zip"), corrupt);
    const paths = centralPaths(root);
    const summary = await fetchSources(
      { paths, config: await loadCentralConfig(paths) },
      undefined,
      {
        now: () => new Date(),
        pause: async (point) => {
          if (point === "moved-old") await writeFile(target, "in the way");
        },
      },
    );
    expect(summary.results).toEqual([]);
    expect(summary.failures.map((failure) => (failure.error as { code?: string }).code)).toEqual([
      "E_IO",
      "E_IO",
    ]);
    expect(String(summary.failures[1]?.error)).toContain("an earlier import of it is not finished");
    expect(summary.failures.map((failure) => failure.item)).toEqual([
      "inbox/D01_20261102T230005_000002.zip",
      "inbox/D01_20261103T230005_000003.zip",
    ]);
    expect(await readdir(inbox())).toHaveLength(2);
    await rm(target);

    const next = await central("fetch");
    expect(next.code).toBe(3);
    expect(await snapshotTree(target)).toEqual(await treeOf(dataOf(2)));
    expect((await journal()).map((line) => [line.sequence, line.outcome, line.code])).toEqual([
      [1, "accepted", null],
      // Journaled by the recovery; then the copy still in the inbox is found already imported.
      [2, "accepted", null],
      [2, "duplicate", null],
      [3, "rejected", "E_ARCHIVE_CRC"],
    ]);
    expect(await readdir(inbox())).toEqual([]);
  });
});

describe("the central lock", () => {
  it("refuses a second concurrent run: exit 1, E_LOCK_HELD, nothing imported", async () => {
    await addTill("D01");
    const archive = await tillArchive(1);
    await tillArchive(1, { folder: join(root, "inbox") });
    const lock = await acquireLock(join(root, ".caisse", "central.lock"), "caisse-central fetch");
    try {
      const before = await snapshotTree(root);
      for (const argv of [["import", archive.path], ["fetch"]]) {
        const result = await central(...argv);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("E_LOCK_HELD");
        expect(result.stderr).toContain(`process ${process.pid}`);
        expect(await snapshotTree(root)).toEqual(before);
      }
    } finally {
      await lock.release();
    }
    expect((await central("fetch")).code).toBe(0);
  });

  it("takes over a lock left by a process that died on this host", async () => {
    await addTill("D01");
    const archive = await tillArchive(1);
    const dead = await deadPid();
    const lockPath = join(root, ".caisse", "central.lock");
    await writeFile(
      lockPath,
      `${JSON.stringify({ pid: dead, host: hostname(), since: "2026-11-28T05:00:00.000Z", purpose: "caisse-central fetch" })}\n`,
    );
    const result = await central("import", archive.path);
    expect(result.stderr).not.toContain("E_LOCK_HELD");
    expect(result.code).toBe(0);
    expect(await exists(lockPath)).toBe(false);
    expect((await journal()).map((line) => line.outcome)).toEqual(["accepted"]);
  });
});

/** The PID of a process that has just ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("close", resolve));
  const pid = child.pid;
  if (pid === undefined) throw new Error("no child process");
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
}

// ---------------------------------------------------------------------------------------------

describe("caisse-central journal --verify", () => {
  async function threeImports(): Promise<string[]> {
    await addTill("D01");
    for (const sequence of [1, 2, 3])
      expect((await central("import", (await tillArchive(sequence)).path)).code).toBe(0);
    const text = await readFile(join(root, "journal.jsonl"), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    return text.slice(0, -1).split("\n");
  }

  it("verifies an untouched journal", async () => {
    await threeImports();
    const result = await central("journal", "--verify");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("journal intact: 3 entries, hash chain verified\n");
  });

  it.each([
    [
      "an edited line",
      (lines: string[]) =>
        lines.map((line, index) =>
          index === 1 ? line.replace('"outcome":"accepted"', '"outcome":"rejected"') : line,
        ),
      "line 3: the hash of the line before does not match",
    ],
    [
      "a removed line",
      (lines: string[]) => lines.filter((_line, index) => index !== 0),
      "line 1: numbered 2, expected 1",
    ],
    [
      "the last line removed",
      (lines: string[]) => lines.slice(0, -1),
      "line 3: journal.head.json says entry 3 was written, but the journal ends at entry 2",
    ],
    [
      "a line that is not JSON",
      (lines: string[]) => [...lines.slice(0, 2), "{ not json", lines[2] ?? ""],
      "line 3: not valid JSON",
    ],
  ])("detects %s: exit 3, naming the line", async (_what, edit, problem) => {
    const lines = await threeImports();
    const edited = edit(lines);
    expect(edited).not.toEqual(lines);
    await writeFile(join(root, "journal.jsonl"), `${edited.join("\n")}\n`);
    const result = await central("journal", "--verify");
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(problem);
    expect(result.stdout).toContain("journal ALTERED");
    const json = await central("journal", "--verify", "--format", "json");
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as { problems: unknown[] }).problems.length).toBeGreaterThan(0);
  });

  it("reports an interrupted last line apart, and cuts it at the next import", async () => {
    await threeImports();
    const path = join(root, "journal.jsonl");
    const intact = await readFile(path, "utf8");
    await appendFile(path, '{"n":4,"source":"inbox","file":"D01_2026');

    const verify = await central("journal", "--verify");
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain("the last line is incomplete");
    expect(verify.stdout).toContain("journal intact: 3 entries");
    expect((await central("journal", "--format", "json")).code).toBe(0);

    expect((await central("import", (await tillArchive(4)).path)).code).toBe(0);
    const text = await readFile(path, "utf8");
    expect(text.startsWith(intact)).toBe(true);
    const added = text.slice(intact.length);
    expect(added.endsWith("\n")).toBe(true);
    expect(added.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(added)).toMatchObject({
      n: 4,
      sequence: 4,
      prev: sha256Hex(intact.slice(0, -1).split("\n").at(-1) ?? ""),
    });
    const after = await central("journal", "--verify");
    expect(after.code).toBe(0);
    expect(after.stdout).toBe("journal intact: 4 entries, hash chain verified\n");
  });
});

describe("the chain of manifests", () => {
  it("records whether each archive's previous is the manifest of the one before", async () => {
    await addTill("D01");
    const first = await tillArchive(1);
    const second = await tillArchive(2);
    expect(second.manifest.previous).toBe(sha256Hex(first.manifestBytes));
    // #3 as a till whose state was reset would write it: previous null.
    const reset = buildTillZip(dataOf(3, "D01"), {
      manifest: { ...manifestFieldsOf(3, "D01"), previous: null },
    }).zip;
    const third = join(work.path, "out", "D01_20261103T230005_000003.zip");
    await writeFile(third, reset);
    const fifth = await tillArchive(5);

    const results: Captured[] = [];
    for (const path of [first.path, second.path, third, fifth.path]) {
      results.push(await central("import", path));
    }

    expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0]);
    expect(results[2]?.stderr).toContain(
      "D01: archive #3 does not continue #2 (its 'previous' is not that archive's manifest): the till's history was reset or altered; recorded in the journal",
    );
    expect(results[2]?.stdout).toContain("(3 files, chain broken)");
    const lines = (await readFile(join(root, "journal.jsonl"), "utf8")).trim().split("\n");
    expect(
      lines.map((line) => {
        const entry = JSON.parse(line) as { sequence: number; chain?: string | null };
        return [entry.sequence, entry.chain];
      }),
    ).toEqual([
      // The first archive has nothing to follow; #5 comes after a gap: neither can be checked.
      [1, null],
      [2, "linked"],
      [3, "broken"],
      [5, null],
    ]);
  });
});

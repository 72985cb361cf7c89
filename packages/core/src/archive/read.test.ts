import { createHash, randomBytes } from "node:crypto";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ZipArchive } from "archiver";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  BZIP2,
  DEFLATE,
  DOS_DIRECTORY,
  DOS_REPARSE_POINT,
  FLAG_ENCRYPTED,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  HOST_DOS,
  STORE,
  buildTillZip,
  buildZip,
  extraField,
  fifieldBomb,
  ratioBomb,
  unicodePathField,
  zipCrc32,
  type ZipEntrySpec,
} from "../../../../test/helpers/zip-builder.js";
import { CaisseError, isCaisseError, type ErrorCode } from "../errors.js";
import { serializeManifest, sha256Hex } from "./manifest.js";
import {
  DEFAULT_LIMITS,
  MAX_MANIFEST_BYTES,
  RATIO_EXEMPT_BYTES,
  openArchive,
  type ArchiveLimits,
  type OpenedArchive,
} from "./read.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "caisse-read-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const staging = (): string => join(dir, "staging");

async function writeZip(bytes: Buffer): Promise<string> {
  const path = join(dir, "in.zip");
  await writeFile(path, bytes);
  return path;
}

/**
 * Opens and extracts `bytes`, expects a refusal, and checks that nothing was written: the test
 * folder holds the archive alone (escapes like `../x` would land there, and the staging folder
 * must be gone).
 */
async function refusal(bytes: Buffer, limits?: Partial<ArchiveLimits>): Promise<CaisseError> {
  const path = await writeZip(bytes);
  let archive: OpenedArchive | undefined;
  try {
    archive = await openArchive(path, { limits });
    await archive.extractTo(staging());
  } catch (error) {
    await archive?.close();
    expect(await readdir(dir)).toEqual(["in.zip"]);
    if (!isCaisseError(error)) throw error;
    return error;
  }
  await archive.close();
  throw new Error("the archive was accepted; a refusal was expected");
}

/** The code, the entry in the details and the message, which must name the entry and the rule. */
function expectRefused(
  error: CaisseError,
  code: ErrorCode,
  entry: string | undefined,
  message: string | RegExp,
): void {
  expect(error.code).toBe(code);
  expect(error.details.entry).toBe(entry);
  expect(typeof error.details.rule).toBe("string");
  // Unprintable characters are escaped in messages; tests of those names check the escape.
  if (entry !== undefined && !/\p{Cc}/u.test(entry)) {
    expect(error.message).toContain(`'${entry}'`);
  }
  if (typeof message === "string") expect(error.message).toContain(message);
  else expect(error.message).toMatch(message);
  expect(error.hint).toBeTruthy();
}

/** Opens, extracts, closes; returns what was extracted. */
async function extract(bytes: Buffer, limits?: Partial<ArchiveLimits>) {
  const path = await writeZip(bytes);
  const archive = await openArchive(path, { limits });
  try {
    const files = await archive.extractTo(staging());
    return { archive, files };
  } finally {
    await archive.close();
  }
}

/** Every path below `root`, folders with a final `/`. */
async function listTree(root: string, prefix = ""): Promise<string[]> {
  const result: string[] = [];
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const path = `${prefix}${name}`;
    if ((await lstat(join(root, path))).isDirectory()) {
      result.push(`${path}/`, ...(await listTree(root, `${path}/`)));
    } else result.push(path);
  }
  return result;
}

/** A zip made by archiver 8, as caisse-export makes them. */
async function archiverZip(
  entries: readonly { name: string; data?: string | Buffer; directory?: boolean; mode?: number }[],
): Promise<Buffer> {
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      chunks.push(chunk);
      callback();
    },
  });
  archive.on("warning", (error) => archive.destroy(error));
  const done = pipeline(archive, sink);
  for (const entry of entries) {
    archive.append(entry.data ?? Buffer.alloc(0), {
      name: entry.name,
      ...(entry.directory === true ? { type: "directory" as const } : {}),
      ...(entry.mode === undefined ? {} : { mode: entry.mode }),
    });
  }
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** Bytes of a zip with one central record's field rewritten (offsets from the record's start). */
function patchCentral(zip: Buffer, index: number, offset: number, value: number): Buffer {
  const patched = Buffer.from(zip);
  let position = patched.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  position = patched.readUInt32LE(position + 16);
  for (let i = 0; i < index; i += 1) {
    position +=
      46 +
      patched.readUInt16LE(position + 28) +
      patched.readUInt16LE(position + 30) +
      patched.readUInt16LE(position + 32);
  }
  patched.writeUInt32LE(value, position + offset);
  return patched;
}

// ---------------------------------------------------------------------------------------------

describe("openArchive and extractTo: archives that are fine", () => {
  test("an archive made by archiver 8 with a manifest and a signature extracts byte for byte", async () => {
    const files = {
      "ventes.csv": "date;article;montant\n27/11/2026;Pain;1,20\n",
      "données/ventes été.csv": randomBytes(200_000),
      "vide.csv": Buffer.alloc(0),
    };
    const { manifestBytes, manifest } = buildTillZip(files);
    const zip = await archiverZip([
      { name: "caisse-manifest.json", data: manifestBytes },
      { name: "caisse-manifest.sig", data: "ed25519:c2lnbmF0dXJl\n" },
      ...Object.entries(files).map(([name, data]) => ({ name, data })),
    ]);
    const { archive, files: extracted } = await extract(zip);
    expect(archive.manifest?.bytes.equals(manifestBytes)).toBe(true);
    expect(archive.manifest?.value).toEqual(manifest);
    expect(archive.signature).toBe("ed25519:c2lnbmF0dXJl");
    expect(archive.entries.map((entry) => entry.name)).toEqual(Object.keys(files));
    expect(extracted).toEqual(
      Object.entries(files).map(([path, data]) => ({
        path,
        size: Buffer.from(data).length,
        sha256: sha256(data),
      })),
    );
    for (const [path, data] of Object.entries(files)) {
      expect((await readFile(join(staging(), ...path.split("/")))).equals(Buffer.from(data))).toBe(
        true,
      );
    }
    expect(await listTree(staging())).toEqual([
      "données/",
      "données/ventes été.csv",
      "ventes.csv",
      "vide.csv",
    ]);
    expect(await readdir(dir)).toEqual(["in.zip", "staging"]);
  });

  test("a legacy zip (no manifest) extracts, with manifest and signature undefined", async () => {
    const zip = await archiverZip([{ name: "ventes.csv", data: "a;b\n" }]);
    const { archive, files } = await extract(zip);
    expect(archive.manifest).toBeUndefined();
    expect(archive.signature).toBeUndefined();
    expect(files).toEqual([{ path: "ventes.csv", size: 4, sha256: sha256("a;b\n") }]);
  });

  test("folder entries, nested and empty, become folders and are listed as entries", async () => {
    const zip = await archiverZip([
      { name: "2026/", directory: true },
      { name: "2026/11/", directory: true },
      { name: "2026/11/ventes.csv", data: "x" },
      { name: "vide/", directory: true },
    ]);
    const { archive, files } = await extract(zip);
    expect(archive.entries.map(({ name, directory }) => ({ name, directory }))).toEqual([
      { name: "2026/", directory: true },
      { name: "2026/11/", directory: true },
      { name: "2026/11/ventes.csv", directory: false },
      { name: "vide/", directory: true },
    ]);
    expect(files.map((file) => file.path)).toEqual(["2026/11/ventes.csv"]);
    expect(await listTree(staging())).toEqual(["2026/", "2026/11/", "2026/11/ventes.csv", "vide/"]);
  });

  test("entry info gives the declared sizes, CRC and method", async () => {
    const data = "ligne;1\n".repeat(100);
    const zip = buildZip([
      { name: "a.csv", data },
      { name: "b.csv", data: "x", method: STORE },
    ]);
    const path = await writeZip(zip);
    const archive = await openArchive(path);
    try {
      expect(archive.path).toBe(path);
      expect(archive.entries).toEqual([
        {
          name: "a.csv",
          directory: false,
          compressedSize: deflateRawSync(data).length,
          uncompressedSize: 800,
          crc32: zipCrc32(Buffer.from(data)),
          method: "deflate",
        },
        {
          name: "b.csv",
          directory: false,
          compressedSize: 1,
          uncompressedSize: 1,
          crc32: zipCrc32(Buffer.from("x")),
          method: "store",
        },
      ]);
    } finally {
      await archive.close();
    }
  });

  test("a large entry streams through (stored and deflated)", async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const { files } = await extract(
      buildZip([
        { name: "stored.bin", data, method: STORE },
        { name: "deflated.bin", data },
      ]),
    );
    expect(files.map((file) => file.sha256)).toEqual([sha256(data), sha256(data)]);
  });

  test("UTF-8 names with and without the UTF-8 flag, and CP437 names, are decoded", async () => {
    const zip = buildZip([
      { name: "données/ventes été.csv", data: "1" },
      { name: Buffer.from("réel.csv", "utf8"), flags: 0, data: "2" },
      { name: Buffer.from([0x82, 0x74, 0x82, 0x2e, 0x63, 0x73, 0x76]), flags: 0, data: "3" },
    ]);
    const { files } = await extract(zip);
    expect(files.map((file) => file.path)).toEqual([
      "données/ventes été.csv",
      "réel.csv",
      "été.csv",
    ]);
    expect(await readFile(join(staging(), "été.csv"), "utf8")).toBe("3");
  });

  test("an overlong '/' in a name without the UTF-8 flag is read as CP437 ('└»'), not as a separator", async () => {
    const { files } = await extract(
      buildZip([{ name: Buffer.from([0x61, 0xc0, 0xaf, 0x62]), flags: 0, data: "x" }]),
    );
    expect(files.map((file) => file.path)).toEqual(["a└»b"]);
  });

  test("a CP437 name with a matching Info-ZIP Unicode Path field takes the Unicode name", async () => {
    const raw = Buffer.from([0x82, 0x74, 0x82, 0x2e, 0x63, 0x73, 0x76]);
    const { files } = await extract(
      buildZip([
        { name: raw, flags: 0, extra: unicodePathField(raw, "ventes d'été.csv"), data: "x" },
      ]),
    );
    expect(files.map((file) => file.path)).toEqual(["ventes d'été.csv"]);
  });

  test("a UTF-8 name with an agreeing Unicode Path field is fine", async () => {
    const { files } = await extract(
      buildZip([{ name: "été.csv", extra: unicodePathField("été.csv", "été.csv"), data: "x" }]),
    );
    expect(files.map((file) => file.path)).toEqual(["été.csv"]);
  });

  test("entries with data descriptors (flag bit 3, zeros in the local header) are fine", async () => {
    const { files } = await extract(
      buildZip([{ name: "ventes.csv", data: "a;b\n", dataDescriptor: true }]),
    );
    expect(files).toEqual([{ path: "ventes.csv", size: 4, sha256: sha256("a;b\n") }]);
  });

  test("files get 0644 and folders 0755 at most, whatever the zip says (no setuid, no world-writable)", async () => {
    await extract(
      buildZip([
        { name: "dossier/", mode: 0o041777 },
        { name: "dossier/ventes.csv", data: "x", mode: 0o106777 },
      ]),
    );
    const file = await stat(join(staging(), "dossier", "ventes.csv"));
    const folder = await stat(join(staging(), "dossier"));
    expect(file.mode & 0o7777 & ~0o644).toBe(0);
    expect(folder.mode & 0o7777 & ~0o755).toBe(0);
  });

  test("'sub/caisse-manifest.json' is an ordinary file: only the root names are reserved", async () => {
    const { archive, files } = await extract(
      buildZip([{ name: "sub/caisse-manifest.json", data: "{}" }]),
    );
    expect(archive.manifest).toBeUndefined();
    expect(files.map((file) => file.path)).toEqual(["sub/caisse-manifest.json"]);
  });

  test("a small, very compressible CSV (under 64 KiB) is exempt from the ratio limit", async () => {
    const data = "27/11/2026;Pain;1,20\n".repeat(3000); // 63,000 bytes
    expect(data.length).toBeLessThan(RATIO_EXEMPT_BYTES);
    expect(data.length / deflateRawSync(data).length).toBeGreaterThan(200);
    const { files } = await extract(buildZip([{ name: "ventes.csv", data }]));
    expect(files[0]?.size).toBe(data.length);
  });

  test("a manifest listing no file, with no data entry, is a till with an empty data folder", async () => {
    const { archive, files } = await extract(buildTillZip({}).zip);
    expect(archive.manifest?.value.files).toEqual([]);
    expect(files).toEqual([]);
    expect(await listTree(staging())).toEqual([]);
  });

  test("a manifest archive with the folders of its files: folders are not listed", async () => {
    const { files } = await extract(
      buildTillZip({ "2026/11/ventes.csv": "x" }, { folders: ["2026/", "2026/11/"] }).zip,
    );
    expect(files.map((file) => file.path)).toEqual(["2026/11/ventes.csv"]);
    expect(await listTree(staging())).toEqual(["2026/", "2026/11/", "2026/11/ventes.csv"]);
  });

  test("a manifest archive with a folder of no listed file is refused", async () => {
    const zip = buildTillZip({ "2026/ventes.csv": "x" }, { folders: ["2026/", "vide/", "20/"] });
    const archive = await openArchive(await writeZip(zip.zip));
    const error = await archive.extractTo(staging()).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await archive.close();
    expect(error).toBeInstanceOf(CaisseError);
    expect((error as CaisseError).message).toBe(
      "the manifest does not match the archive: folder 'vide/' is in the archive but holds no file the manifest lists; folder '20/' is in the archive but holds no file the manifest lists",
    );
  });

  test("the limits can be raised: a ratio bomb passes with maxRatio 10,000", async () => {
    const { files } = await extract(ratioBomb({ bytes: 2 * 1024 * 1024 }), { maxRatio: 10_000 });
    expect(files[0]?.size).toBe(2 * 1024 * 1024);
  });

  test("a staging folder that exists and is empty is used", async () => {
    await mkdir(staging());
    const { files } = await extract(buildZip([{ name: "a.csv", data: "x" }]));
    expect(files).toHaveLength(1);
  });

  test("the default limits are those of docs/security.md#the-checks", () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxEntries: 10_000,
      maxEntryBytes: 2 ** 30,
      maxTotalBytes: 2 ** 31,
      maxRatio: 200,
      maxPathLength: 240,
      maxPathDepth: 16,
      maxManifestBytes: 2 ** 20,
      maxManifestString: 1024,
    });
  });

  test("close() can be called twice", async () => {
    const archive = await openArchive(await writeZip(buildZip([{ name: "a.csv", data: "x" }])));
    await archive.close();
    await archive.close();
  });
});

describe("misuse", () => {
  test.runIf(process.platform === "linux")(
    "no file descriptor is left open, whether the archive is accepted or refused",
    async () => {
      const openDescriptors = async (): Promise<number> => (await readdir("/proc/self/fd")).length;
      const before = await openDescriptors();
      const zips = [
        buildZip([{ name: "a.csv", data: "x" }]),
        buildZip([{ name: "../x", data: "x" }]),
        buildZip([{ name: "a.csv", data: "abc", crc32: 1 }]),
        fifieldBomb({ files: 3, kernelBytes: 1000 }),
        Buffer.from("<html></html>"),
      ];
      for (const [index, zip] of zips.entries()) {
        const archive = await openArchive(await writeZip(zip)).catch(() => undefined);
        await archive?.extractTo(join(dir, `staging-${index}`)).catch(() => undefined);
        await archive?.close();
      }
      expect(await openDescriptors()).toBe(before);
    },
  );

  test("a missing archive file is an E_IO", async () => {
    await expect(openArchive(join(dir, "absent.zip"))).rejects.toMatchObject({ code: "E_IO" });
  });

  test("a staging folder that is not empty is refused (E_IO) and left alone", async () => {
    await mkdir(staging());
    await writeFile(join(staging(), "autre.txt"), "x");
    const archive = await openArchive(await writeZip(buildZip([{ name: "a.csv", data: "x" }])));
    try {
      await expect(archive.extractTo(staging())).rejects.toMatchObject({ code: "E_IO" });
      expect(await readdir(staging())).toEqual(["autre.txt"]);
    } finally {
      await archive.close();
    }
  });

  test("a staging path that is a link to a folder is refused", async () => {
    await mkdir(join(dir, "target"));
    await symlink(join(dir, "target"), staging());
    const archive = await openArchive(await writeZip(buildZip([{ name: "a.csv", data: "x" }])));
    try {
      await expect(archive.extractTo(staging())).rejects.toMatchObject({ code: "E_IO" });
      expect(await readdir(join(dir, "target"))).toEqual([]);
    } finally {
      await archive.close();
    }
  });

  test("extractTo() twice, or after close(), is an E_INTERNAL", async () => {
    const archive = await openArchive(await writeZip(buildZip([{ name: "a.csv", data: "x" }])));
    await archive.extractTo(staging());
    await expect(archive.extractTo(join(dir, "again"))).rejects.toMatchObject({
      code: "E_INTERNAL",
    });
    await archive.close();
    await expect(archive.extractTo(join(dir, "again"))).rejects.toMatchObject({
      code: "E_INTERNAL",
    });
  });
});

describe("not a zip, truncated, empty", () => {
  test("a zero-byte file is E_ARCHIVE_NOT_ZIP", async () => {
    expectRefused(
      await refusal(Buffer.alloc(0)),
      "E_ARCHIVE_NOT_ZIP",
      undefined,
      "empty (0 bytes)",
    );
  });

  test("an HTML page named .zip is E_ARCHIVE_NOT_ZIP and says so", async () => {
    const html = Buffer.from(
      "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>\n",
    );
    expectRefused(await refusal(html), "E_ARCHIVE_NOT_ZIP", undefined, "an HTML page");
  });

  test("other bytes are E_ARCHIVE_NOT_ZIP with the first bytes shown", async () => {
    expectRefused(
      await refusal(Buffer.from("date;montant\n1;2\n")),
      "E_ARCHIVE_NOT_ZIP",
      undefined,
      "first bytes: 64 61 74 65",
    );
  });

  const whole = buildZip([
    { name: "a.csv", data: randomBytes(5000) },
    { name: "b.csv", data: "b" },
  ]);

  test.each([
    ["cut in half", whole.subarray(0, whole.length / 2)],
    ["cut by one byte", whole.subarray(0, whole.length - 1)],
    ["cut inside the central directory", whole.subarray(0, whole.length - 30)],
  ])("a zip %s is E_ARCHIVE_TRUNCATED", async (_name, bytes) => {
    expectRefused(await refusal(bytes), "E_ARCHIVE_TRUNCATED", undefined, "truncated");
  });

  test("bytes after the end record are E_ARCHIVE_TRUNCATED (corrupt structure)", async () => {
    const error = await refusal(
      buildZip([{ name: "a.csv", data: "x" }], { suffix: Buffer.from("junk") }),
    );
    expectRefused(
      error,
      "E_ARCHIVE_TRUNCATED",
      undefined,
      /structure is corrupt \(Invalid comment length/u,
    );
  });

  test("an end record counting more entries than there are is E_ARCHIVE_TRUNCATED", async () => {
    const error = await refusal(buildZip([{ name: "a.csv", data: "x" }], { entryCount: 3 }));
    expectRefused(error, "E_ARCHIVE_TRUNCATED", undefined, "truncated");
  });

  test("a central directory offset pointing elsewhere is E_ARCHIVE_TRUNCATED", async () => {
    const error = await refusal(
      buildZip([{ name: "a.csv", data: "x" }], { centralDirectoryOffset: 5 }),
    );
    expect(error.code).toBe("E_ARCHIVE_TRUNCATED");
  });

  test("corrupt deflate data is E_ARCHIVE_TRUNCATED, naming the entry", async () => {
    const error = await refusal(
      buildZip([{ name: "a.csv", data: "abc", payload: Buffer.from([0xff, 0xff, 0xff, 0xff]) }]),
    );
    expectRefused(error, "E_ARCHIVE_TRUNCATED", "a.csv", "compressed data is corrupt or cut short");
  });

  test("a deflate stream cut short (sizes consistent) is E_ARCHIVE_TRUNCATED", async () => {
    const data = randomBytes(4000);
    const payload = deflateRawSync(data).subarray(0, 2000);
    const error = await refusal(buildZip([{ name: "a.csv", data, payload }]));
    expectRefused(error, "E_ARCHIVE_TRUNCATED", "a.csv", "unexpected end of file");
  });

  test("a zip without any entry is E_ARCHIVE_EMPTY", async () => {
    expectRefused(await refusal(buildZip([])), "E_ARCHIVE_EMPTY", undefined, "holds no entry");
  });

  test("a legacy zip holding only folders is E_ARCHIVE_EMPTY", async () => {
    expectRefused(
      await refusal(buildZip([{ name: "a/" }, { name: "a/b/" }])),
      "E_ARCHIVE_EMPTY",
      undefined,
      "only folders",
    );
  });
});

describe("entry names (E_ARCHIVE_UNSAFE_PATH)", () => {
  // Escapes are aimed at the test folder, where `refusal` would see them.
  test.each([
    ["../escaped.txt", "'..' component"],
    ["a/../../escaped.txt", "'..' component"],
    ["/etc/passwd", "absolute path"],
    ["//server/share/x.csv", "absolute path"],
    ["C:\\escaped.txt", "backslash"],
    ["C:escaped.txt", "drive letter"],
    ["c:/escaped.txt", "drive letter"],
    ["a\\b.csv", "backslash"],
    ["\\\\server\\share\\x.csv", "backslash"],
    ["..\\escaped.txt", "backslash"],
    ["./a.csv", "'.' component"],
    ["a//b.csv", "empty path component"],
    ["ventes\u0085.csv", "control character U+0085"],
    ["ventes\u009b31m.csv", "control character U+009B"],
    ["CON", "reserved name on Windows"],
    ["logs/nul.txt", "reserved name on Windows"],
    ["COM1.csv", "reserved name on Windows"],
    ["ventes.", "ends with a dot or a space"],
    ["ventes /a.csv", "ends with a dot or a space"],
    ["ventes:stream", "character Windows refuses"],
    [`${"é".repeat(128)}.csv`, "longer than 255 bytes"],
  ])("%j is refused: %s", async (name, reason) => {
    expectRefused(
      await refusal(buildZip([{ name, data: "x" }])),
      "E_ARCHIVE_UNSAFE_PATH",
      name,
      reason,
    );
  });

  test("control characters in a name are escaped in the message", async () => {
    const error = await refusal(buildZip([{ name: "ventes\u009b31m.csv", data: "x" }]));
    expect(error.message).toContain("entry 'ventes\\u009B31m.csv'");
    expect(error.message).not.toContain("\u009b");
    expect(error.details.entry).toBe("ventes\u009b31m.csv");
  });

  test("an absolute name aimed at the test folder is refused before anything is written", async () => {
    const name = `${dir}/escaped.txt`;
    expectRefused(
      await refusal(buildZip([{ name, data: "x" }])),
      "E_ARCHIVE_UNSAFE_PATH",
      name,
      "absolute path",
    );
  });

  test.each([
    [[0x61, 0x0a, 0x62], "U+000A"],
    [[0x61, 0x00, 0x62], "U+0000"],
    [[0x61, 0x1b, 0x5b, 0x33, 0x31, 0x6d], "U+001B"],
    [[0x61, 0x7f], "U+007F"],
  ])(
    "control bytes %j are refused, also without the UTF-8 flag (not read as CP437 glyphs)",
    async (bytes, code) => {
      const error = await refusal(buildZip([{ name: Buffer.from(bytes), flags: 0, data: "x" }]));
      expect(error.code).toBe("E_ARCHIVE_UNSAFE_PATH");
      expect(error.message).toContain(`control character ${code}`);
      expect(error.message).not.toMatch(/\p{Cc}/u);
    },
  );

  test("a name flagged UTF-8 that is not valid UTF-8 is refused", async () => {
    const error = await refusal(
      buildZip([{ name: Buffer.from([0x61, 0xff, 0x2e, 0x63]), flags: FLAG_UTF8, data: "x" }]),
    );
    expectRefused(error, "E_ARCHIVE_UNSAFE_PATH", "a\uFFFD.c", "flagged as UTF-8");
  });

  test("an overlong '/' flagged UTF-8 is refused, not read as a separator", async () => {
    const error = await refusal(
      buildZip([
        { name: Buffer.from([0x2e, 0x2e, 0xc0, 0xaf, 0x78]), flags: FLAG_UTF8, data: "x" },
      ]),
    );
    expect(error.code).toBe("E_ARCHIVE_UNSAFE_PATH");
  });

  test("a Unicode Path field holding '../x' is refused", async () => {
    const raw = Buffer.from([0x82, 0x2e, 0x63, 0x73, 0x76]);
    const error = await refusal(
      buildZip([
        { name: raw, flags: 0, extra: unicodePathField(raw, "../escaped.txt"), data: "x" },
      ]),
    );
    expectRefused(error, "E_ARCHIVE_UNSAFE_PATH", "../escaped.txt", "'..' component");
  });

  test("a CP437 name that is unsafe is refused even when its Unicode Path field is safe", async () => {
    const raw = Buffer.from("..\\\x82.csv", "latin1");
    const error = await refusal(
      buildZip([{ name: raw, flags: 0, extra: unicodePathField(raw, "été.csv"), data: "x" }]),
    );
    expectRefused(error, "E_ARCHIVE_UNSAFE_PATH", "..\\é.csv", "backslash");
  });
});

describe("Info-ZIP Unicode Path field (E_ARCHIVE_HEADER_MISMATCH)", () => {
  test.each([
    [
      "disagrees with a UTF-8 name",
      { name: "ventes.csv", extra: unicodePathField("ventes.csv", "autre.csv") },
      "names it 'autre.csv' instead",
    ],
    [
      "is stale (its CRC is not the name's)",
      { name: "ventes.csv", extra: unicodePathField("ventes.csv", "ventes.csv", { nameCrc: 1 }) },
      "stale",
    ],
    [
      "has an unknown version",
      { name: "ventes.csv", extra: unicodePathField("ventes.csv", "ventes.csv", { version: 2 }) },
      "unknown version",
    ],
    [
      "appears twice",
      {
        name: "ventes.csv",
        extra: Buffer.concat([
          unicodePathField("ventes.csv", "ventes.csv"),
          unicodePathField("ventes.csv", "ventes.csv"),
        ]),
      },
      "two Info-ZIP Unicode Path fields",
    ],
  ])("a field that %s is refused", async (_case, spec: ZipEntrySpec, message) => {
    expectRefused(
      await refusal(buildZip([{ ...spec, data: "x" }])),
      "E_ARCHIVE_HEADER_MISMATCH",
      "ventes.csv",
      message,
    );
  });

  test("a field that is not valid UTF-8 is E_ARCHIVE_UNSAFE_PATH", async () => {
    const raw = Buffer.from("ventes.csv");
    const head = Buffer.alloc(5);
    head.writeUInt8(1, 0);
    head.writeUInt32LE(zipCrc32(raw), 1);
    const extra = extraField(0x7075, Buffer.concat([head, Buffer.from([0xff, 0xfe])]));
    expectRefused(
      await refusal(buildZip([{ name: raw, extra, data: "x" }])),
      "E_ARCHIVE_UNSAFE_PATH",
      "ventes.csv",
      "not valid UTF-8",
    );
  });

  test("a local header whose Unicode Path field names another file is refused", async () => {
    const raw = Buffer.from([0x82, 0x2e, 0x63, 0x73, 0x76]);
    const zip = buildZip([
      {
        name: raw,
        flags: 0,
        extra: unicodePathField(raw, "été.csv"),
        local: { extra: unicodePathField(raw, "autre.csv") },
        data: "x",
      },
    ]);
    expectRefused(
      await refusal(zip),
      "E_ARCHIVE_HEADER_MISMATCH",
      "été.csv",
      "Unicode Path field: central directory 'été.csv', local header 'autre.csv'",
    );
  });
});

describe("collisions (E_ARCHIVE_DUPLICATE_NAME)", () => {
  test.each([
    ["the same name twice", ["ventes.csv", "ventes.csv"], "appears twice"],
    [
      "names that differ in case",
      ["Ventes.csv", "ventes.CSV"],
      "once case and Unicode normalisation are ignored",
    ],
    [
      "é as U+00E9 and as e + U+0301",
      ["\u00e9t\u00e9.csv", "e\u0301te\u0301.csv"],
      "once case and Unicode normalisation",
    ],
    ["a file and a folder of the same name", ["a", "a/"], "'a' is a file of the same name"],
    ["a folder and a file of the same name", ["a/", "a"], "'a/' is a folder of the same name"],
    ["a file, then another file below it", ["a", "a/b.csv"], "uses 'a', a file, as a folder"],
    [
      "a file below a name, then that name as a file",
      ["a/b.csv", "a"],
      "'a/b.csv' uses the same name as a folder",
    ],
    ["the same, with another case", ["A/b.csv", "a"], "'A/b.csv' uses the same name as a folder"],
    ["two folder entries in two cases", ["a/", "A/"], "once case"],
    ["a deep file used as a folder", ["x/y", "X/Y/z.csv"], "uses 'x/y', a file, as a folder"],
  ])("%s", async (_case, [first = "", second = ""], message) => {
    const zip = buildZip(
      [first, second].map((name) => ({ name, data: name.endsWith("/") ? undefined : "x" })),
    );
    expectRefused(await refusal(zip), "E_ARCHIVE_DUPLICATE_NAME", second, message);
  });

  test("two manifests are refused", async () => {
    const manifest = buildTillZip({}).manifestBytes;
    const zip = buildZip([
      { name: "caisse-manifest.json", data: manifest },
      { name: "caisse-manifest.json", data: manifest },
    ]);
    expectRefused(
      await refusal(zip),
      "E_ARCHIVE_DUPLICATE_NAME",
      "caisse-manifest.json",
      "appears twice",
    );
  });
});

describe("reserved names (E_ARCHIVE_RESERVED_NAME)", () => {
  test.each([
    ["CAISSE-MANIFEST.JSON", "is reserved"],
    ["Caisse-Manifest.Sig", "is reserved"],
    ["caisse-manifest.json/", "is reserved"],
    ["caisse-manifest.json/ventes.csv", "is reserved"],
  ])("%j is refused", async (name, message) => {
    const zip = buildZip([
      { name, data: name.endsWith("/") ? undefined : "x" },
      { name: "ventes.csv", data: "x" },
    ]);
    expectRefused(await refusal(zip), "E_ARCHIVE_RESERVED_NAME", name, message);
  });

  test("a case variant beside the real manifest is refused as reserved", async () => {
    const { manifestBytes } = buildTillZip({});
    const zip = buildZip([
      { name: "caisse-manifest.json", data: manifestBytes },
      { name: "CAISSE-MANIFEST.JSON", data: manifestBytes },
    ]);
    expectRefused(
      await refusal(zip),
      "E_ARCHIVE_RESERVED_NAME",
      "CAISSE-MANIFEST.JSON",
      "spelled exactly so",
    );
  });
});

describe("entry types", () => {
  test.each([
    [
      "a symbolic link",
      { mode: 0o120777, data: "/etc/passwd" },
      "E_ARCHIVE_LINK",
      "symbolic link (Unix mode 120777)",
    ],
    [
      "a link made on a DOS host",
      { mode: 0o120777, versionMadeBy: HOST_DOS << 8, data: "/etc" },
      "E_ARCHIVE_LINK",
      "symbolic link",
    ],
    [
      "a Windows reparse point",
      { externalAttributes: DOS_REPARSE_POINT, versionMadeBy: HOST_DOS << 8, data: "x" },
      "E_ARCHIVE_LINK",
      "reparse-point",
    ],
    ["a FIFO", { mode: 0o010644 }, "E_ARCHIVE_ENTRY_TYPE", "a FIFO"],
    ["a character device", { mode: 0o020644 }, "E_ARCHIVE_ENTRY_TYPE", "a character device"],
    ["a block device", { mode: 0o060644 }, "E_ARCHIVE_ENTRY_TYPE", "a block device"],
    ["a socket", { mode: 0o140755 }, "E_ARCHIVE_ENTRY_TYPE", "a socket"],
    ["of an unknown type", { mode: 0o170644 }, "E_ARCHIVE_ENTRY_TYPE", "unknown type"],
    [
      "a folder mode on a file name",
      { mode: 0o040755 },
      "E_ARCHIVE_ENTRY_TYPE",
      "says folder but its name does not end with '/'",
    ],
    [
      "a DOS folder attribute on a file name",
      { externalAttributes: DOS_DIRECTORY, versionMadeBy: HOST_DOS << 8 },
      "E_ARCHIVE_ENTRY_TYPE",
      "folder attribute",
    ],
  ] as const)("%s is refused", async (_case, spec, code, message) => {
    expectRefused(await refusal(buildZip([{ name: "lien", ...spec }])), code, "lien", message);
  });

  test("a regular-file mode on a folder name is refused", async () => {
    const zip = buildZip([
      { name: "dossier/", mode: 0o100644 },
      { name: "a.csv", data: "x" },
    ]);
    expectRefused(await refusal(zip), "E_ARCHIVE_ENTRY_TYPE", "dossier/", "says regular file");
  });

  test("a folder entry with content is refused", async () => {
    const zip = buildZip([
      { name: "dossier/", data: "contenu" },
      { name: "a.csv", data: "x" },
    ]);
    expectRefused(
      await refusal(zip),
      "E_ARCHIVE_ENTRY_TYPE",
      "dossier/",
      "declares 7 bytes of content",
    );
  });

  test("an archive by archiver with a symlink entry is refused", async () => {
    const archive = new ZipArchive();
    const chunks: Buffer[] = [];
    const done = pipeline(
      archive,
      new Writable({
        write(chunk: Buffer, _encoding, callback): void {
          chunks.push(chunk);
          callback();
        },
      }),
    );
    archive.append("x", { name: "ventes.csv" });
    archive.symlink("lien", "/etc/passwd");
    await archive.finalize();
    await done;
    expectRefused(await refusal(Buffer.concat(chunks)), "E_ARCHIVE_LINK", "lien", "symbolic link");
  });
});

describe("encryption and methods", () => {
  test.each([
    ["traditional encryption (bit 0)", FLAG_ENCRYPTED, "bit 0"],
    ["strong encryption (bit 6)", FLAG_STRONG_ENCRYPTION, "bit 6"],
    ["masked headers (bit 13)", 0x2000, "bit 13"],
  ])("%s is E_ARCHIVE_ENCRYPTED", async (_case, flags, message) => {
    const error = await refusal(
      buildZip([
        { name: "a.csv", data: "ok" },
        { name: "secret.csv", data: "x", flags },
      ]),
    );
    expectRefused(error, "E_ARCHIVE_ENCRYPTED", "secret.csv", message);
  });

  test.each([
    [BZIP2, "bzip2"],
    [14, "LZMA"],
    [9, "deflate64"],
    [93, "Zstandard"],
    [1, "shrink"],
    [77, "method 77;"],
  ])("method %i is E_ARCHIVE_METHOD (%s)", async (method, message) => {
    const error = await refusal(
      buildZip([{ name: "ventes.csv", data: "x", method, payload: Buffer.from("BZh91AY&SY") }]),
    );
    expectRefused(error, "E_ARCHIVE_METHOD", "ventes.csv", message);
    expect(error.message).toContain("only 0 (store) and 8 (deflate)");
  });
});

describe("local headers against the central directory (E_ARCHIVE_HEADER_MISMATCH)", () => {
  test.each([
    [
      "another name",
      { name: Buffer.from("autre.csv") },
      "name: central directory 'ventes.csv', local header 'autre.csv'",
    ],
    [
      "a name of another length",
      { name: Buffer.from("v.csv") },
      "name: central directory 'ventes.csv', local header 'v.csv'",
    ],
    ["another method", { method: STORE }, "method: central directory 8, local header 0"],
    ["another CRC", { crc32: 0x12345678 }, "CRC-32: central directory"],
    ["another compressed size", { compressedSize: 3 }, "compressed size: central directory"],
    [
      "another uncompressed size",
      { uncompressedSize: 1 },
      "uncompressed size: central directory 9, local header 1",
    ],
    [
      "the UTF-8 flag",
      { flags: FLAG_UTF8 },
      "flags: central directory 0x0000, local header 0x0800",
    ],
    ["the encryption flag", { flags: FLAG_ENCRYPTED }, "flags"],
    ["a malformed extra field", { extra: Buffer.from([0x99, 0x99, 0xff, 0x00]) }, "malformed"],
    [
      "no local header signature",
      { signature: 0x12345678 },
      "no local header at offset 0 (found 0x12345678",
    ],
  ])("a local header with %s is refused", async (_case, local, message) => {
    const error = await refusal(buildZip([{ name: "ventes.csv", data: "123456789", local }]));
    expectRefused(error, "E_ARCHIVE_HEADER_MISMATCH", "ventes.csv", message);
  });

  test("with a data descriptor, the local CRC and sizes are not compared, but the name is", async () => {
    const error = await refusal(
      buildZip([
        {
          name: "ventes.csv",
          data: "x",
          dataDescriptor: true,
          local: { name: Buffer.from("autre.csv") },
        },
      ]),
    );
    expectRefused(error, "E_ARCHIVE_HEADER_MISMATCH", "ventes.csv", "local header 'autre.csv'");
  });

  test("a central record pointing at no local header is refused", async () => {
    const zip = buildZip([
      { name: "a.csv", data: "x" },
      { name: "b.csv", data: "y" },
    ]);
    const error = await refusal(patchCentral(zip, 1, 42, 1));
    expectRefused(error, "E_ARCHIVE_HEADER_MISMATCH", "b.csv", "no local header at offset 1");
  });

  test("a stub prepended without fixing the offsets is E_ARCHIVE_TRUNCATED", async () => {
    const zip = buildZip([{ name: "a.csv", data: "x" }]);
    const error = await refusal(Buffer.concat([Buffer.from("MZ stub"), zip]));
    expect(error.code).toBe("E_ARCHIVE_TRUNCATED");
  });

  test("bytes before the first entry, with consistent offsets (a self-extractor), are ignored", async () => {
    const zip = buildZip([{ name: "a.csv", data: "x" }], { prefix: Buffer.from("MZ stub") });
    const { files } = await extract(zip);
    expect(files.map((file) => file.path)).toEqual(["a.csv"]);
  });
});

describe("overlapping entries (E_ARCHIVE_OVERLAP)", () => {
  test("the bomb built by fifieldBomb() is a real one: entry 0 inflates to all the others", () => {
    const files = 5;
    const kernelBytes = 100_000;
    const bomb = fifieldBomb({ files, kernelBytes });
    const nameLength = "ventes-0000.csv".length;
    const compressedSize = bomb.readUInt32LE(18);
    const uncompressedSize = bomb.readUInt32LE(22);
    const content = inflateRawSync(
      bomb.subarray(30 + nameLength, 30 + nameLength + compressedSize),
    );
    expect(content.length).toBe(uncompressedSize);
    expect(zipCrc32(content)).toBe(bomb.readUInt32LE(14));
    expect(uncompressedSize).toBe(kernelBytes + (files - 1) * (30 + nameLength));
  });

  test("Fifield's overlapping bomb is refused before anything is inflated", async () => {
    const error = await refusal(fifieldBomb());
    expectRefused(
      error,
      "E_ARCHIVE_OVERLAP",
      "ventes-0001.csv",
      "overlap those of 'ventes-0000.csv'",
    );
    expect(error.message).toContain("zip bomb");
  });

  test("Fifield's bomb is refused for its overlap even when the ratio limit would let it pass", async () => {
    const error = await refusal(fifieldBomb({ files: 20, kernelBytes: 50_000 }), {
      maxRatio: 1_000_000,
    });
    expect(error.code).toBe("E_ARCHIVE_OVERLAP");
  });

  test("central records sharing one local header (full overlap) are refused", async () => {
    const zip = buildZip([
      { name: "a.csv", data: "x" },
      { name: "b.csv", data: "x", localHeaderOf: 0 },
    ]);
    expect((await refusal(zip)).code).toBe("E_ARCHIVE_OVERLAP");
  });

  test("an entry whose compressed size covers the next entry is refused", async () => {
    const first = deflateRawSync("a");
    const zip = buildZip([
      { name: "a.csv", data: "a", compressedSize: first.length + 20 },
      { name: "b.csv", data: "b" },
    ]);
    expectRefused(await refusal(zip), "E_ARCHIVE_OVERLAP", "b.csv", "overlap those of 'a.csv'");
  });

  test("an entry whose data runs into the central directory is refused", async () => {
    const zip = buildZip([{ name: "a.csv", data: "abc", compressedSize: 500 }]);
    expectRefused(
      await refusal(zip),
      "E_ARCHIVE_OVERLAP",
      "a.csv",
      "runs into the central directory",
    );
  });

  test("a local header offset inside the central directory is refused", async () => {
    const zip = buildZip([{ name: "a.csv", data: "x" }]);
    const centralStart = zip.readUInt32LE(zip.length - 22 + 16);
    const error = await refusal(patchCentral(zip, 0, 42, centralStart));
    expectRefused(error, "E_ARCHIVE_OVERLAP", "a.csv", "not before the central directory");
  });
});

describe("limits", () => {
  test("more entries than maxEntries is E_ARCHIVE_TOO_MANY_ENTRIES", async () => {
    const zip = buildZip(["a", "b", "c", "d"].map((name) => ({ name, data: "x" })));
    expectRefused(
      await refusal(zip, { maxEntries: 3 }),
      "E_ARCHIVE_TOO_MANY_ENTRIES",
      undefined,
      "4 entries; the limit is 3",
    );
  });

  test("exactly maxEntries entries is fine", async () => {
    const zip = buildZip(["a", "b", "c"].map((name) => ({ name, data: "x" })));
    const { files } = await extract(zip, { maxEntries: 3 });
    expect(files).toHaveLength(3);
  });

  test("the entry count is checked before the central directory is read", async () => {
    // The end record claims 65,535 entries; there is one: counting first never reads the rest.
    const zip = buildZip([{ name: "a.csv", data: "x" }], { entryCount: 65_535 });
    expect((await refusal(zip)).code).toBe("E_ARCHIVE_TOO_MANY_ENTRIES");
  });

  test("an entry over maxEntryBytes is E_ARCHIVE_ENTRY_TOO_LARGE", async () => {
    const zip = buildZip([{ name: "gros.csv", data: randomBytes(2000) }]);
    expectRefused(
      await refusal(zip, { maxEntryBytes: 1000 }),
      "E_ARCHIVE_ENTRY_TOO_LARGE",
      "gros.csv",
      "declares 2000 bytes; the limit is 1000 bytes",
    );
  });

  test("entries over maxTotalBytes together are E_ARCHIVE_TOO_LARGE", async () => {
    const zip = buildZip([
      { name: "a.csv", data: randomBytes(2000) },
      { name: "b.csv", data: randomBytes(2000) },
    ]);
    expectRefused(
      await refusal(zip, { maxTotalBytes: 3000 }),
      "E_ARCHIVE_TOO_LARGE",
      "b.csv",
      "4000 bytes in all; the limit is 3000 bytes",
    );
  });

  test("a ratio bomb is E_ARCHIVE_RATIO, refused before inflating", async () => {
    const error = await refusal(ratioBomb());
    expectRefused(error, "E_ARCHIVE_RATIO", "ventes.csv", /a ratio of \d+:1; the limit is 200:1/u);
  });

  test("an entry declaring content from zero compressed bytes has an infinite ratio", async () => {
    const zip = buildZip([
      {
        name: "a.csv",
        data: "",
        payload: Buffer.alloc(0),
        uncompressedSize: RATIO_EXEMPT_BYTES,
        method: DEFLATE,
      },
    ]);
    expectRefused(await refusal(zip), "E_ARCHIVE_RATIO", "a.csv", "an infinite ratio");
  });

  test("the exemption ends at 64 KiB", async () => {
    const data = Buffer.alloc(RATIO_EXEMPT_BYTES);
    expect((await refusal(buildZip([{ name: "a.csv", data }]))).code).toBe("E_ARCHIVE_RATIO");
  });

  test("content longer than declared is E_ARCHIVE_SIZE_MISMATCH, and inflation stops early", async () => {
    const data = Buffer.alloc(16 * 1024 * 1024);
    const error = await refusal(buildZip([{ name: "mensonge.csv", data, uncompressedSize: 100 }]));
    expectRefused(
      error,
      "E_ARCHIVE_SIZE_MISMATCH",
      "mensonge.csv",
      "larger than the 100 bytes its headers declare",
    );
    const stoppedAfter = Number(/stopped after (\d+) bytes/u.exec(error.message)?.[1]);
    expect(stoppedAfter).toBeGreaterThan(100);
    expect(stoppedAfter).toBeLessThan(1024 * 1024);
  });

  test("content shorter than declared is E_ARCHIVE_SIZE_MISMATCH", async () => {
    const data = randomBytes(1000);
    const error = await refusal(buildZip([{ name: "court.csv", data, uncompressedSize: 2000 }]));
    expectRefused(
      error,
      "E_ARCHIVE_SIZE_MISMATCH",
      "court.csv",
      "is 1000 bytes but its headers declare 2000",
    );
  });

  test("a stored entry declaring two different sizes is refused at open", async () => {
    const zip = buildZip([
      { name: "a.csv", data: "abc", method: STORE, compressedSize: 3, uncompressedSize: 300 },
    ]);
    expectRefused(
      await refusal(zip),
      "E_ARCHIVE_SIZE_MISMATCH",
      "a.csv",
      "stored without compression",
    );
  });

  test("a limit given as undefined keeps its default", async () => {
    const { files } = await extract(buildZip([{ name: "a.csv", data: "x" }]), {
      maxEntries: undefined,
    });
    expect(files).toHaveLength(1);
  });
});

describe("CRC-32 (E_ARCHIVE_CRC)", () => {
  test.each([
    ["deflated", DEFLATE],
    ["stored", STORE],
  ])(
    "a %s entry whose content does not match its CRC is refused after the content is read",
    async (_case, method) => {
      const zip = buildZip([
        { name: "bon.csv", data: "x" },
        { name: "abîmé.csv", data: "contenu", method, crc32: 0xdeadbeef },
      ]);
      const error = await refusal(zip);
      expectRefused(
        error,
        "E_ARCHIVE_CRC",
        "abîmé.csv",
        `CRC-32 0x${zipCrc32(Buffer.from("contenu")).toString(16).padStart(8, "0")} but its headers declare 0xdeadbeef`,
      );
    },
  );
});

describe("manifest and signature", () => {
  test("a signature without a manifest is E_MANIFEST_INVALID", async () => {
    const zip = buildZip([
      { name: "caisse-manifest.sig", data: "ed25519:abc\n" },
      { name: "ventes.csv", data: "x" },
    ]);
    expectRefused(
      await refusal(zip),
      "E_MANIFEST_INVALID",
      "caisse-manifest.sig",
      "no 'caisse-manifest.json'",
    );
  });

  test("an invalid manifest passes parseManifest's E_MANIFEST_INVALID through", async () => {
    const zip = buildZip([
      { name: "caisse-manifest.json", data: '{"format":"autre"}' },
      { name: "ventes.csv", data: "x" },
    ]);
    const error = await refusal(zip);
    expect(error.code).toBe("E_MANIFEST_INVALID");
    expect(error.message).toContain("format");
  });

  test("a manifest declaring more than 1 MiB is refused without being read", async () => {
    const zip = buildZip([
      { name: "caisse-manifest.json", data: "{}", uncompressedSize: MAX_MANIFEST_BYTES + 1 },
    ]);
    const error = await refusal(zip, { maxRatio: 1e12 });
    expectRefused(
      error,
      "E_MANIFEST_INVALID",
      "caisse-manifest.json",
      "at most 1048576 bytes (1.0 MiB) is read",
    );
  });

  test("a manifest with a wrong CRC is E_ARCHIVE_CRC at open", async () => {
    const { manifestBytes } = buildTillZip({});
    const zip = buildZip([{ name: "caisse-manifest.json", data: manifestBytes, crc32: 7 }]);
    expectRefused(await refusal(zip), "E_ARCHIVE_CRC", "caisse-manifest.json", "CRC-32");
  });

  test.each([
    ["two lines", "ed25519:abc\ned25519:def\n"],
    ["nothing", "\n"],
    ["bytes that are not UTF-8", Buffer.from([0xff, 0xfe])],
    ["more than 4 KiB", "x".repeat(5000)],
  ])("a signature file holding %s is E_ARCHIVE_SIGNATURE", async (_case, signature) => {
    const { manifestBytes } = buildTillZip({});
    const zip = buildZip([
      { name: "caisse-manifest.json", data: manifestBytes },
      { name: "caisse-manifest.sig", data: signature },
    ]);
    const error = await refusal(zip, { maxRatio: 1e6 });
    expect(error.code).toBe("E_ARCHIVE_SIGNATURE");
    expect(error.details.entry).toBe("caisse-manifest.sig");
  });

  test("the signature line is returned trimmed, and not counted as a data entry", async () => {
    const { zip } = buildTillZip({ "a.csv": "x" }, { signature: "  ed25519:AAAA  " });
    const archive = await openArchive(await writeZip(zip));
    try {
      expect(archive.signature).toBe("ed25519:AAAA");
      expect(archive.entries.map((entry) => entry.name)).toEqual(["a.csv"]);
    } finally {
      await archive.close();
    }
  });

  describe("E_MANIFEST_MISMATCH", () => {
    const files = { "a.csv": "aaa", "b.csv": "bbb" };
    const listed = (
      overrides: Record<string, { size?: number; sha256?: string }>,
      extra: string[] = [],
    ) => [
      ...Object.entries(files).map(([path, data]) => ({
        path,
        size: data.length,
        sha256: sha256(data),
        ...overrides[path],
      })),
      ...extra.map((path) => ({ path, size: 1, sha256: sha256("z") })),
    ];

    test.each([
      [
        "a file missing from the archive",
        listed({}, ["c.csv"]),
        files,
        "c.csv",
        "missing",
        "'c.csv' is in the manifest but not in the archive",
      ],
      [
        "a file missing from the manifest",
        listed({}).slice(0, 1),
        files,
        "b.csv",
        "extra",
        "'b.csv' is in the archive but not in the manifest",
      ],
      [
        "a wrong size",
        listed({ "b.csv": { size: 4 } }),
        files,
        "b.csv",
        "size",
        "'b.csv': the manifest says 4 bytes, the entry holds 3",
      ],
      [
        "a file listed twice",
        [...listed({}), ...listed({}).slice(0, 1)],
        files,
        "a.csv",
        "listed-twice",
        "'a.csv' is listed twice",
      ],
    ])(
      "%s is refused before anything is written",
      async (_case, manifestFiles, content, entry, problem, message) => {
        const { zip } = buildTillZip(content, { manifest: { files: manifestFiles } });
        const error = await refusal(zip);
        expectRefused(error, "E_MANIFEST_MISMATCH", entry, message);
        expect(error.details.differences).toEqual([
          expect.objectContaining({ path: entry, problem }),
        ]);
      },
    );

    test("a wrong SHA-256 is refused after extraction, and the staging folder removed", async () => {
      const wrong = sha256("autre");
      const { zip } = buildTillZip(files, {
        manifest: { files: listed({ "a.csv": { sha256: wrong } }) },
      });
      const error = await refusal(zip);
      expectRefused(
        error,
        "E_MANIFEST_MISMATCH",
        "a.csv",
        `'a.csv': the manifest says SHA-256 ${wrong}, the content has ${sha256("aaa")}`,
      );
    });

    test("every difference is reported at once", async () => {
      const { zip } = buildTillZip(files, {
        manifest: {
          files: listed({ "a.csv": { size: 9 } }, ["c.csv"]).filter(
            (file) => file.path !== "b.csv",
          ),
        },
      });
      const error = await refusal(zip);
      expect(error.code).toBe("E_MANIFEST_MISMATCH");
      expect(error.details.differences).toEqual([
        expect.objectContaining({ path: "c.csv", problem: "missing" }),
        expect.objectContaining({ path: "a.csv", problem: "size" }),
        expect.objectContaining({ path: "b.csv", problem: "extra" }),
      ]);
    });

    test("a manifest listing files in an archive holding none is refused", async () => {
      const manifest = serializeManifest({
        ...buildTillZip({}).manifest,
        files: [{ path: "a.csv", size: 1, sha256: sha256Hex("x") }],
      });
      const zip = buildZip([{ name: "caisse-manifest.json", data: manifest }]);
      expectRefused(
        await refusal(zip),
        "E_MANIFEST_MISMATCH",
        "a.csv",
        "in the manifest but not in the archive",
      );
    });
  });
});

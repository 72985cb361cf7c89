import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readZip, sha256, sha256OfFile } from "../../../../test/export/zip.js";
import { generateSigningKey, signManifest, verifyManifest } from "../signature.js";
import { parseManifest } from "./manifest.js";
import { PATH_TOO_LONG_HINT } from "../errors.js";
import { planArchive } from "./plan.js";
import { archiveTransportName, parseArchiveTransportName } from "./transportName.js";
import { buildArchive, changedFileError, type BuildArchiveOptions } from "./write.js";
import { caisseFailure } from "../../../../test/helpers/errors.js";

let root: string;
let data: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "caisse-write-"));
  data = join(root, "data");
  out = join(root, "out");
  await mkdir(data);
  await mkdir(out);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(relative: string, content: string | Buffer): Promise<string> {
  const path = join(data, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

function options(overrides: Partial<BuildArchiveOptions> = {}): BuildArchiveOptions {
  return {
    outPath: join(out, "tfichier.zip"),
    till: "D01",
    name: "Magasin 1",
    sequence: 1,
    previous: null,
    created: new Date(2026, 10, 27, 23, 0, 5),
    ...overrides,
  };
}

describe("planArchive", () => {
  it("lists regular files with / paths and sizes, and skips links", async () => {
    await put("ventes.csv", "ticket;date\n1;2026-11-27\n");
    await put("sous dossier/réglements.csv", "x");
    await symlink(join(data, "ventes.csv"), join(data, "lien.csv"));
    const plan = await planArchive(data);
    expect(plan.files.map((file) => [file.path, file.size])).toEqual([
      ["sous dossier/réglements.csv", 1],
      ["ventes.csv", 25],
    ]);
    expect(plan.skipped).toEqual([{ relative: "lien.csv", reason: "link" }]);
    expect(plan.totalBytes).toBe(26);
  });

  it("skips special files such as a FIFO", async () => {
    await put("ventes.csv", "x");
    const made = spawnSync("mkfifo", [join(data, "tube")]);
    if (made.status !== 0) return; // no mkfifo on this system: nothing to check
    const plan = await planArchive(data);
    expect(plan.skipped).toEqual([{ relative: "tube", reason: "special" }]);
  });

  it.each([
    ["caisse-manifest.json", "reserved"],
    ["CAISSE-Manifest.SIG", "reserved"],
    ["con.csv", "reserved name on Windows"],
    ["ab:c.csv", "Windows refuses"],
    ["fin.", "ends with a dot"],
  ])("refuses a till file named %s", async (name, reason) => {
    await put("ventes.csv", "x");
    await put(name, "x");
    const error = await caisseFailure(planArchive(data));
    expect(error.code).toBe("E_ARCHIVE_BUILD");
    expect(error.message).toContain(name);
    expect(error.message).toContain(reason);
  });

  it("allows the reserved names below the root", async () => {
    await put("sub/caisse-manifest.json", "x");
    const plan = await planArchive(data);
    expect(plan.files.map((file) => file.path)).toEqual(["sub/caisse-manifest.json"]);
  });

  it("reports every colliding and unsafe name at once", async () => {
    await put("Ventes.csv", "1");
    await put("ventes.csv", "2");
    await put("A", "3");
    await put("a/b.csv", "4");
    await put("nul", "5");
    const error = await caisseFailure(planArchive(data));
    expect(error.code).toBe("E_ARCHIVE_BUILD");
    expect(error.details.problems).toHaveLength(3);
    expect(error.message).toContain("'ventes.csv' and 'Ventes.csv'");
    expect(error.message).toContain("'A' is a file and also the folder of 'a/b.csv'");
    expect(error.message).toContain("'nul'");
  });

  it("refuses paths over the central's default limits: 240 characters, 16 levels", async () => {
    const long = `${"a".repeat(200)}/${"b".repeat(41)}`;
    const deep = `${"d/".repeat(16)}x.csv`;
    await put(long, "1");
    await put(deep, "2");
    await put(`${"c".repeat(200)}/${"e".repeat(39)}`, "240 characters are fine");
    await put(`${"f/".repeat(15)}x.csv`, "16 levels are fine");
    const error = await caisseFailure(planArchive(data));
    expect(error.code).toBe("E_ARCHIVE_BUILD");
    expect(error.details.problems).toEqual([
      `'${long}': the path is longer than 240 characters`,
      `'${deep}': the path has more than 16 levels`,
    ]);
  });

  it("names the path and the key 'data' when the data directory is missing or a file", async () => {
    const missing = await caisseFailure(planArchive(join(root, "absent")));
    expect(missing.code).toBe("E_CONFIG");
    expect(missing.message).toContain(join(root, "absent"));
    expect(missing.message).toContain("'data'");
    const file = await put("ventes.csv", "x");
    const notFolder = await caisseFailure(planArchive(file));
    expect(notFolder.code).toBe("E_CONFIG");
  });

  it("refuses an empty data directory, which the central would quarantine", async () => {
    const error = await caisseFailure(planArchive(data));
    expect(error.code).toBe("E_ARCHIVE_BUILD");
    expect(error.message).toContain("no file");
  });
});

describe("buildArchive", () => {
  it("writes the files, then the manifest with sizes and sums of their bytes", async () => {
    const ventes = await put(
      "ventes.csv",
      "ticket;date;article\n1;2026-11-27 10:00;A1\n".repeat(200),
    );
    const reglements = await put(
      "sous dossier/règlements.csv",
      "ticket;mode;montant\n1;CB;12,50\n",
    );
    const mtime = new Date(2024, 0, 2, 3, 4, 6);
    await utimes(ventes, mtime, mtime);
    await symlink(ventes, join(data, "lien.csv"));
    const plan = await planArchive(data);
    const built = await buildArchive(plan, options());

    expect(built.path).toBe(join(out, "tfichier.zip"));
    expect(await readdir(out)).toEqual(["tfichier.zip"]);
    const entries = await readZip(built.path);
    expect(entries.map((entry) => entry.name)).toEqual([
      "sous dossier/règlements.csv",
      "ventes.csv",
      "caisse-manifest.json",
    ]);
    const [first, second, manifestEntry] = entries;
    expect(first?.content).toEqual(await readFile(reglements));
    expect(first?.utf8Flag).toBe(true);
    expect(second?.content).toEqual(await readFile(ventes));
    expect(second?.method).toBe(8);
    expect(second?.mode).toBe(0o100644);
    expect(second?.lastModified.getTime()).toBe(mtime.getTime());
    expect(manifestEntry?.content).toEqual(built.manifestBytes);

    const manifest = parseManifest(built.manifestBytes);
    expect(manifest).toEqual(built.manifest);
    expect(manifest.files).toEqual([
      {
        path: "sous dossier/règlements.csv",
        size: (await readFile(reglements)).length,
        sha256: await sha256OfFile(reglements),
      },
      {
        path: "ventes.csv",
        size: (await readFile(ventes)).length,
        sha256: await sha256OfFile(ventes),
      },
    ]);
    expect(manifest).toMatchObject({
      format: "caisse-archive/1",
      kind: "sales",
      till: "D01",
      name: "Magasin 1",
      sequence: 1,
      previous: null,
    });
    expect(manifest.created).toMatch(/^2026-11-27T23:00:05[+-]\d{2}:\d{2}$/u);
    expect(built.manifestSha256).toBe(sha256(built.manifestBytes));
    expect(built.size).toBe((await readFile(built.path)).length);
  });

  it("chains archives: previous is the SHA-256 of the previous manifest's bytes", async () => {
    await put("ventes.csv", "1");
    const first = await buildArchive(
      await planArchive(data),
      options({ outPath: join(out, "1.zip") }),
    );
    await put("ventes.csv", "2");
    const second = await buildArchive(
      await planArchive(data),
      options({ outPath: join(out, "2.zip"), sequence: 2, previous: first.manifestSha256 }),
    );
    const firstManifest = (await readZip(first.path)).find(
      (entry) => entry.name === "caisse-manifest.json",
    );
    expect(second.manifest.previous).toBe(sha256(firstManifest?.content ?? ""));
    expect(second.manifest.sequence).toBe(2);
  });

  it("records the bytes actually read when a file grew since the plan", async () => {
    const ventes = await put("ventes.csv", "ligne 1\n");
    const plan = await planArchive(data);
    await appendFile(ventes, "ligne 2\n");
    const built = await buildArchive(plan, options());
    expect(built.manifest.files[0]).toEqual({
      path: "ventes.csv",
      size: 16,
      sha256: await sha256OfFile(ventes),
    });
  });

  it("says plainly that the output folder is missing, before reading any file", async () => {
    await put("ventes.csv", "x");
    const plan = await planArchive(data);
    const error = await caisseFailure(
      buildArchive(plan, options({ outPath: join(root, "nowhere", "t.zip") })),
    );
    expect(error.code).toBe("E_IO");
    expect(error.message).toBe(
      `cannot write the archive into ${join(root, "nowhere")}: no such file or folder`,
    );
  });

  it("adds caisse-manifest.sig when given a signing function", async () => {
    await put("ventes.csv", "x");
    const { privateKeyPem, publicKey } = generateSigningKey();
    const built = await buildArchive(
      await planArchive(data),
      options({ sign: (bytes) => signManifest(bytes, privateKeyPem) }),
    );
    const entries = await readZip(built.path);
    expect(entries.map((entry) => entry.name)).toEqual([
      "ventes.csv",
      "caisse-manifest.json",
      "caisse-manifest.sig",
    ]);
    const line = entries[2]?.content.toString("utf8") ?? "";
    expect(line).toMatch(/^ed25519:[A-Za-z0-9+/]+=*\n$/u);
    expect(verifyManifest(built.manifestBytes, line, publicKey)).toBe(true);
  });

  describe("fails loudly and leaves nothing half-written", () => {
    async function expectNothingLeft(previous?: string): Promise<void> {
      const names = await readdir(out);
      if (previous === undefined) expect(names).toEqual([]);
      else {
        expect(names).toEqual(["tfichier.zip"]);
        expect(await readFile(join(out, "tfichier.zip"), "utf8")).toBe(previous);
      }
    }

    it("when a file vanished between the plan and the build", async () => {
      await put("a.csv", "a".repeat(100_000));
      const gone = await put("b.csv", "b");
      await put("c.csv", "c");
      const plan = await planArchive(data);
      await unlink(gone);
      const error = await caisseFailure(buildArchive(plan, options()));
      expect(error.code).toBe("E_ARCHIVE_BUILD");
      expect(error.message).toContain("b.csv");
      expect(error.message).toContain("no such file");
      await expectNothingLeft();
    });

    it("when a file was replaced by a folder (unreadable, even for root)", async () => {
      const replaced = await put("b.csv", "b");
      await put("c.csv", "c");
      const plan = await planArchive(data);
      await unlink(replaced);
      await mkdir(replaced);
      // An earlier archive at the same place stays as it was.
      await writeFile(join(out, "tfichier.zip"), "previous archive");
      const error = await caisseFailure(buildArchive(plan, options()));
      expect(error.code).toBe("E_ARCHIVE_BUILD");
      expect(error.message).toContain("'b.csv'");
      await expectNothingLeft("previous archive");
    });

    it("when a file was replaced by a link, which is not followed", async () => {
      const replaced = await put("b.csv", "b");
      await writeFile(join(root, "secret"), "outside the data directory");
      const plan = await planArchive(data);
      await unlink(replaced);
      await symlink(join(root, "secret"), replaced);
      const error = await caisseFailure(buildArchive(plan, options()));
      expect(error.code).toBe("E_ARCHIVE_BUILD");
      expect(error.message).toContain("b.csv");
      await expectNothingLeft();
    });

    it("when the time limit is reached", async () => {
      await put("gros.csv", Buffer.alloc(8_000_000, "ventes;1234,56\n"));
      const error = await caisseFailure(
        buildArchive(await planArchive(data), options({ timeoutMs: 1 })),
      );
      expect(error.code).toBe("E_TIMEOUT");
      await expectNothingLeft();
    });

    it("when the step before the rename fails", async () => {
      await put("ventes.csv", "x");
      const commit = (): Promise<void> => Promise.reject(new Error("state not written"));
      await expect(
        buildArchive(await planArchive(data), options({ beforeRename: commit })),
      ).rejects.toThrow("state not written");
      await expectNothingLeft();
    });

    it("when the till reference or the sequence is invalid", async () => {
      await put("ventes.csv", "x");
      const error = await caisseFailure(
        buildArchive(await planArchive(data), options({ till: "D 01", sequence: 0 })),
      );
      expect(error.code).toBe("E_ARCHIVE_BUILD");
      expect(error.details.problems).toHaveLength(2);
      await expectNothingLeft();
    });
  });

  it("keeps one file open at a time, however many files there are", async () => {
    let fdDir: string[];
    try {
      fdDir = readdirSync("/proc/self/fd");
    } catch {
      return; // no /proc: nothing to measure here
    }
    for (let index = 0; index < 400; index += 1)
      await put(`f/${String(index).padStart(4, "0")}.csv`, `ligne ${index}\n`);
    const plan = await planArchive(data);
    const before = fdDir.length;
    let most = before;
    const sampler = setInterval(() => {
      most = Math.max(most, readdirSync("/proc/self/fd").length);
    }, 1);
    const built = await buildArchive(plan, options()).finally(() => {
      clearInterval(sampler);
    });
    expect(built.manifest.files).toHaveLength(400);
    expect(most - before).toBeLessThan(20);
  });
});

describe("a till file that cannot be read", () => {
  const file = { path: "ventes/2026.csv", absolute: "/srv/donnees/ventes/2026.csv", size: 10 };
  const systemError = (code: string): Error =>
    Object.assign(new Error(`${code}: open`), { code, syscall: "open" });

  it("says a permission refused as such, naming the file, not as a file that changed", () => {
    for (const code of ["EACCES", "EPERM"]) {
      const error = changedFileError("/srv/donnees", file, systemError(code));
      expect(error.code).toBe("E_ARCHIVE_BUILD");
      expect(error.message).toMatch(
        /^cannot read \/srv\/donnees\/ventes\/2026\.csv: (permission denied|operation not permitted) \(the file 'ventes\/2026\.csv'\)$/u,
      );
      expect(error.hint).toBe(
        "check the permissions of /srv/donnees/ventes/2026.csv for the user that runs caisse-export (it must be able to read every file and folder). Nothing was built.",
      );
    }
  });

  it("says a path too long as such, with no word of permissions", () => {
    const error = changedFileError("/srv/donnees", file, systemError("ENAMETOOLONG"));
    expect(error.message).toBe(
      "cannot read /srv/donnees/ventes/2026.csv: the path is too long for this system (the file 'ventes/2026.csv')",
    );
    expect(error.hint).toBe(`${PATH_TOO_LONG_HINT} Nothing was built.`);
  });

  it("still says a file that vanished changed while the archive was being built", () => {
    expect(changedFileError("/srv/donnees", file, systemError("ENOENT")).message).toContain(
      "(the file 'ventes/2026.csv' changed while the archive was being built)",
    );
  });

  it("lists a data directory deeper than the system's path limit with the path-length hint", async () => {
    // Made step by step from inside, as a till program could: each name is short enough.
    const made = spawnSync(
      process.execPath,
      [
        "-e",
        `const fs = require("node:fs");
         for (let i = 0; i < 24; i += 1) { fs.mkdirSync("${"d".repeat(200)}"); process.chdir("${"d".repeat(200)}"); }
         fs.writeFileSync("f.csv", "x");`,
      ],
      { cwd: data },
    );
    expect(made.stderr.toString()).toBe("");
    const failure = await caisseFailure(planArchive(data));
    expect(failure.code).toBe("E_ARCHIVE_BUILD");
    expect(failure.message).toContain("the path is too long for this system");
    expect(failure.hint).toBe(PATH_TOO_LONG_HINT);
    // Node's recursive removal cannot reach so deep; rm walks it from inside.
    expect(spawnSync("rm", ["-rf", data]).status).toBe(0);
  });
});

describe("archive names on a transport", () => {
  it("is TILL_YYYYMMDDTHHMMSS_SEQUENCE.zip in local time", () => {
    expect(archiveTransportName("D01", new Date(2026, 10, 27, 23, 0, 5), 42)).toBe(
      "D01_20261127T230005_000042.zip",
    );
    expect(archiveTransportName("D01", "2026-11-27T23:00:05+01:00", 1_234_567)).toBe(
      "D01_20261127T230005_1234567.zip",
    );
  });

  it("reads back the parts of a name", () => {
    expect(parseArchiveTransportName("D_01_20261127T230005_000042.zip")).toEqual({
      till: "D_01",
      stamp: "20261127T230005",
      sequence: 42,
    });
    expect(parseArchiveTransportName("tfichier.zip")).toBeUndefined();
    expect(parseArchiveTransportName("D01_20261127T230005_000042.zip.part")).toBeUndefined();
  });
});

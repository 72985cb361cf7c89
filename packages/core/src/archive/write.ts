import type { ZipArchive } from "archiver";
import { createHash } from "node:crypto";
import { constants as fsConstants, createWriteStream, type Stats, type WriteStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Transform, pipeline, type TransformCallback } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import { compactLocalTime, isoWithOffset } from "../dates.js";
import {
  CaisseError,
  ioError,
  isCaisseError,
  isPermissionError,
  PATH_TOO_LONG_HINT,
  systemErrorCode,
} from "../errors.js";
import {
  removeRetrying,
  renameRetrying,
  syncDirectory,
  syncFile,
  temporarySibling,
} from "../fs/atomic.js";
import { walkFiles, type SkippedEntry } from "../fs/walk.js";
import { tillNameProblem, tillRefProblem } from "../till.js";
import {
  MANIFEST_FORMAT,
  serializeManifest,
  sha256Hex,
  type ArchiveKind,
  type Manifest,
  type ManifestFile,
} from "./manifest.js";
import {
  MANIFEST_NAME,
  SIGNATURE_NAME,
  collisionKey,
  isReservedName,
  pathLimitProblem,
  unsafeNameReason,
} from "./names.js";
import { DEFAULT_LIMITS } from "./read/limits.js";

/**
 * Writing a till's archive (see docs/archive-format.md#names): plan what goes in, then build the
 * zip. The plan is a plain object so that a dry run can print it and tests can check it; the build
 * streams one file at a time through a SHA-256 hasher, so the manifest describes the bytes actually
 * packed.
 */

/** One till file to pack. */
export interface PlannedFile {
  /** Path inside the archive: relative to the data directory, `/` separated. */
  path: string;
  /** Absolute path on this machine. */
  absolute: string;
  /** Size in bytes when planned; the manifest records the bytes actually read at build time. */
  size: number;
}

/** What `buildArchive` will pack. */
export interface ArchivePlan {
  /** Absolute path of the data directory. */
  dataDir: string;
  /** Regular files in name order (depth first), so that two builds of the same data agree. */
  files: PlannedFile[];
  /** Links and special files left out (never followed); the CLI logs them as warnings. */
  skipped: SkippedEntry[];
  /** Sum of the planned sizes, in bytes. */
  totalBytes: number;
}

/** How many problems a refusal lists in its message; the details hold them all. */
const MAX_LISTED_PROBLEMS = 20;

/**
 * A data directory that is missing (or not a folder) is almost always a wrong path in the config:
 * E_CONFIG, exit 2. One that exists but cannot be read is a problem of the machine: exit 1.
 */
function dataDirError(dataDir: string, errno: string | undefined, cause?: unknown): CaisseError {
  if (errno === "ENOENT" || errno === "ENOTDIR") {
    const what = errno === "ENOENT" ? "does not exist" : "is not a folder";
    return new CaisseError(
      "E_CONFIG",
      `the data directory ${dataDir} ${what} (config key 'data', or --data)`,
      {
        cause,
        details: { path: dataDir, key: "data" },
        hint: "check the key 'data' in caisse-export.json (relative paths are relative to the config file's folder), or that the drive holding it is connected.",
      },
    );
  }
  return new CaisseError(
    "E_ARCHIVE_BUILD",
    `${ioError("read", dataDir, cause).message} (the data directory, config key 'data')`,
    {
      cause,
      details: { path: dataDir, key: "data" },
      hint: readHint(cause, "the data directory"),
    },
  );
}

/** What to do about a part of the data directory that cannot be read, by the system's reason. */
function readHint(cause: unknown, what: string): string {
  if (systemErrorCode(cause) === "ENAMETOOLONG") return PATH_TOO_LONG_HINT;
  if (isPermissionError(cause))
    return `check the permissions of ${what} for the user that runs caisse-export (it must be able to read every file and folder).`;
  return `check that ${what} is readable and its disk connected, then run again; nothing was built or sent.`;
}

function refusal(dataDir: string, problems: string[]): CaisseError {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more =
    problems.length > listed.length ? `\n  - ... and ${problems.length - listed.length} more` : "";
  return new CaisseError(
    "E_ARCHIVE_BUILD",
    `the data directory ${dataDir} holds ${problems.length === 1 ? "a file" : `${problems.length} files`} the central would refuse:\n  - ${listed.join("\n  - ")}${more}`,
    {
      details: { path: dataDir, problems },
      hint: "rename or move these files out of the data directory, then run again; nothing was built or sent.",
    },
  );
}

/** Why a path the walk found cannot go into an archive, or undefined when it can. */
function pathProblem(path: string): string | undefined {
  const reason = unsafeNameReason(path);
  if (reason !== undefined) return `'${path}': ${reason}`;
  if (isReservedName(path)) return `'${path}': the name is reserved for the archive's manifest`;
  // The central's default limits: a longer or deeper path would be quarantined there.
  const limit = pathLimitProblem(path, DEFAULT_LIMITS);
  if (limit === "length") {
    return `'${path}': the path is longer than ${DEFAULT_LIMITS.maxPathLength} characters`;
  }
  if (limit === "depth") {
    return `'${path}': the path has more than ${DEFAULT_LIMITS.maxPathDepth} levels`;
  }
  return undefined;
}

/**
 * Names two files of a case-sensitive disk would share once extracted on a case-insensitive one
 * (`Ventes.csv` and `ventes.csv`), including a file whose name is another file's folder (`A` and
 * `a/b.csv`).
 */
function collisionProblems(paths: readonly string[]): string[] {
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  const problems: string[] = [];
  for (const path of paths) {
    const key = collisionKey(path);
    const other = files.get(key);
    if (other !== undefined)
      problems.push(`'${path}' and '${other}' have the same name once case and accents are folded`);
    else files.set(key, path);
    const parts = key.split("/");
    for (let depth = 1; depth < parts.length; depth += 1) {
      const folder = parts.slice(0, depth).join("/");
      if (!folders.has(folder)) folders.set(folder, path);
    }
  }
  for (const [key, path] of files) {
    const inside = folders.get(key);
    if (inside !== undefined)
      problems.push(`'${path}' is a file and also the folder of '${inside}' once case is folded`);
  }
  return problems;
}

/**
 * Refuses a data directory that is missing or not a folder (E_CONFIG naming the key `data`), or
 * that cannot be looked at (E_ARCHIVE_BUILD).
 */
export async function checkDataDirectory(dataDir: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(dataDir);
  } catch (error) {
    throw dataDirError(dataDir, systemErrorCode(error), error);
  }
  if (!info.isDirectory()) throw dataDirError(dataDir, "ENOTDIR");
}

/**
 * Lists what an archive of `dataDir` holds: every regular file below it, links and special files
 * skipped (never followed). Refuses (E_ARCHIVE_BUILD, listing every offending file) names the
 * central would refuse, names that collide, and till files using the manifest's reserved names;
 * refuses an empty data directory, which the central would quarantine. A missing data directory
 * is E_CONFIG naming the key `data`.
 */
export async function planArchive(dataDir: string): Promise<ArchivePlan> {
  const root = resolve(dataDir);
  await checkDataDirectory(root);

  const files: PlannedFile[] = [];
  const skipped: SkippedEntry[] = [];
  const problems: string[] = [];
  try {
    for await (const file of walkFiles(root, (entry) => skipped.push(entry))) {
      const problem = pathProblem(file.relative);
      if (problem !== undefined) problems.push(problem);
      files.push({ path: file.relative, absolute: file.absolute, size: file.stats.size });
    }
  } catch (error) {
    const path = isCaisseError(error) ? error.details.path : undefined;
    throw new CaisseError(
      "E_ARCHIVE_BUILD",
      `cannot list the data directory: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        details: { path: root },
        hint: readHint(
          error instanceof Error && error.cause !== undefined ? error.cause : error,
          typeof path === "string" ? path : "the data directory and its folders",
        ),
      },
    );
  }
  problems.push(...collisionProblems(files.map((file) => file.path)));
  if (problems.length > 0) throw refusal(root, problems);
  if (files.length === 0) {
    throw new CaisseError("E_ARCHIVE_BUILD", `the data directory ${root} holds no file to send`, {
      details: { path: root, skipped },
      hint: "check that the key 'data' points at the till's data (the central refuses an empty archive).",
    });
  }
  return {
    dataDir: root,
    files,
    skipped,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
  };
}

/** Default time limit of a whole build: 10 minutes. */
export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60 * 1000;

/** Options of `buildArchive`. */
export interface BuildArchiveOptions {
  /** Where the finished zip goes; written under a temporary sibling name first, then renamed. */
  outPath: string;
  /** Till reference (`D01`). */
  till: string;
  /** Till name (`Magasin 1`), at most 20 characters. */
  name: string;
  /** This archive's sequence number, from 1. */
  sequence: number;
  /** SHA-256 hex of the previous archive's manifest bytes; null for the till's first archive. */
  previous: string | null;
  /** When the archive is made; written into the manifest with the local offset. */
  created: Date;
  /** What the archive holds. Default `sales`. */
  kind?: ArchiveKind;
  /**
   * Signs the manifest bytes; returns the line `ed25519:<base64>` written as
   * `caisse-manifest.sig`. Without it the archive is unsigned.
   */
  sign?: (manifestBytes: Buffer) => string;
  /** Time limit of the whole build in milliseconds; default 600,000 (10 minutes); 0 for none. */
  timeoutMs?: number;
  /**
   * Called once the archive is complete and flushed to disk under its temporary name, just before
   * it is renamed to `outPath`. If it throws, the temporary file is removed and nothing appears.
   * caisse-export commits the sequence here, so a visible archive never has a reused sequence.
   */
  beforeRename?: (built: BuiltArchive) => Promise<void>;
  /**
   * Called as the till files are read into the archive, with the bytes read so far (of
   * `plan.totalBytes`) and the file being read, at most once per chunk read: for a progress bar.
   */
  onProgress?: (bytesRead: number, file: string) => void;
  /**
   * Stops the build when aborted (Ctrl-C): the temporary file is removed and the build fails with
   * E_INTERRUPTED. Too late once `beforeRename` has run: the archive is then complete.
   */
  signal?: AbortSignal;
}

/** A finished archive. */
export interface BuiltArchive {
  /** Absolute path of the zip (the temporary name when passed to `beforeRename`). */
  path: string;
  /** Size of the zip in bytes. */
  size: number;
  manifest: Manifest;
  /** The exact bytes of `caisse-manifest.json`; `previous` of the next archive is their SHA-256. */
  manifestBytes: Buffer;
  manifestSha256: string;
  /** The `ed25519:<base64>` line of `caisse-manifest.sig`; null when unsigned. */
  signature: string | null;
}

/** Passes bytes through, hashing and counting them. */
class HashingStream extends Transform {
  private readonly hash = createHash("sha256");
  bytes = 0;

  /** @param onChunk told the size of each chunk as it passes. */
  constructor(private readonly onChunk?: (size: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onChunk?.(chunk.length);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

// Open without following a link put in place since the plan, and without blocking on a FIFO put in
// place since the plan (fstat refuses it next). Both flags are 0 where the system lacks them.
const READ_FLAGS =
  fsConstants.O_RDONLY |
  ((fsConstants.O_NOFOLLOW as number | undefined) ?? 0) |
  ((fsConstants.O_NONBLOCK as number | undefined) ?? 0);

/**
 * A till file that could not be read while packed. Permissions and a path too long are problems of
 * the machine, said as such; anything else (gone, replaced, no longer a file) is a file that changed.
 */
export function changedFileError(dataDir: string, file: PlannedFile, cause: unknown): CaisseError {
  const reason =
    systemErrorCode(cause) === undefined
      ? `cannot read ${file.absolute}: ${cause instanceof Error ? cause.message : String(cause)}`
      : ioError("read", file.absolute, cause).message;
  if (isPermissionError(cause) || systemErrorCode(cause) === "ENAMETOOLONG") {
    return new CaisseError("E_ARCHIVE_BUILD", `${reason} (the file '${file.path}')`, {
      cause,
      details: { path: file.path, absolute: file.absolute, dataDir },
      hint: `${readHint(cause, file.absolute)} Nothing was built.`,
    });
  }
  return new CaisseError(
    "E_ARCHIVE_BUILD",
    `${reason} (the file '${file.path}' changed while the archive was being built)`,
    {
      cause,
      details: { path: file.path, absolute: file.absolute, dataDir },
      hint: "nothing was built; run again. If the till software writes its data at this time, schedule caisse-export after it.",
    },
  );
}

function validateOptions(options: BuildArchiveOptions): void {
  const problems = [
    tillRefProblem(options.till),
    tillNameProblem(options.name),
    Number.isSafeInteger(options.sequence) && options.sequence >= 1
      ? undefined
      : `the sequence ${options.sequence} is not a whole number from 1`,
    options.previous === null || /^[0-9a-f]{64}$/u.test(options.previous)
      ? undefined
      : "previous is not a SHA-256 in lower-case hex",
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) {
    throw new CaisseError("E_ARCHIVE_BUILD", `cannot build the archive: ${problems.join("; ")}`, {
      details: { problems },
      hint: "check the keys 'till' and 'name' in caisse-export.json.",
    });
  }
}

/**
 * One build in progress: the zip stream, the output file, and one promise that rejects at the first
 * failure (a read error, an archiver warning or error, the time limit), raced against every step.
 */
class Build {
  readonly archive: ZipArchive;
  readonly output: WriteStream;
  readonly written: Promise<void>;
  readonly failed: Promise<never>;
  private fail!: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  /** The first failure, once there is one. */
  private failure: Error | undefined;
  /** The till file being packed, to name it in errors, and its open handle. */
  private current: { file: PlannedFile; handle: FileHandle } | undefined;

  constructor(
    Zip: typeof ZipArchive,
    readonly temporary: string,
    private readonly dataDir: string,
    timeoutMs: number,
  ) {
    // Local time in the entries' DOS dates, as Info-ZIP and Windows write and show them.
    this.archive = new Zip({ zlib: { level: 6 }, forceLocalTime: true });
    this.failed = new Promise<never>((_resolve, reject) => {
      this.fail = (cause) => {
        const error = cause instanceof Error ? cause : new Error(String(cause));
        this.failure ??= error;
        reject(error);
      };
    });
    // Settled through race(); this handler only keeps Node from calling it unhandled.
    this.failed.catch(() => undefined);
    // archiver reports a file it could not stat as a mere warning: here that is a failed build.
    this.archive.on("warning", (error) => {
      this.failReading(error);
    });
    this.archive.on("error", (error) => {
      this.failReading(error);
    });
    // 'wx': a temporary name is never shared; mode 0644 like any data file.
    this.output = createWriteStream(temporary, { flags: "wx", mode: 0o644 });
    // Before the pipeline's own listener: a write error (disk full) then wins over the errors it
    // causes upstream, which would otherwise be blamed on the till file being read.
    this.output.once("error", (error) => {
      this.fail(ioError("write", temporary, error));
    });
    // The archive is complete only when the file stream has flushed and closed, not when
    // finalize() resolves.
    this.written = pipelineAsync(this.archive, this.output);
    this.written.catch((error: unknown) => {
      this.fail(ioError("write", temporary, error));
    });
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.fail(
          new CaisseError(
            "E_TIMEOUT",
            `building the archive took longer than ${Math.round(timeoutMs / 1000)} s`,
            {
              details: { timeoutMs },
              hint: "check that the data directory is on a local, responsive disk; nothing was built.",
            },
          ),
        );
      }, timeoutMs);
      this.timer.unref();
    }
  }

  /** A read or zip error: named after the till file being packed, if any. */
  private failReading(error: unknown): void {
    const current = this.current;
    if (current !== undefined) this.fail(changedFileError(this.dataDir, current.file, error));
    else
      this.fail(
        new CaisseError(
          "E_ARCHIVE_BUILD",
          `cannot build the archive: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
  }

  /** Waits for `step`, or rejects as soon as the build failed. */
  race<T>(step: Promise<T>): Promise<T> {
    return Promise.race([step, this.failed]);
  }

  /** Appends one entry and resolves once archiver has written it, so one file is open at a time. */
  private appendEntry(
    source: Buffer | NodeJS.ReadableStream,
    name: string,
    date: Date,
  ): Promise<void> {
    // Entries are appended one at a time, so the next 'entry' event is this one's (matching on the
    // name would hang if archiver ever normalised it).
    const done = new Promise<void>((resolveEntry) => {
      this.archive.once("entry", () => {
        resolveEntry();
      });
    });
    // Fixed 0644: the central writes ordinary files whatever the till's permissions were.
    this.archive.append(source as Buffer, { name, date, mode: 0o644 });
    return this.race(done);
  }

  /** Streams one till file into the zip; returns what was actually read. */
  async addFile(file: PlannedFile, onChunk?: (size: number) => void): Promise<ManifestFile> {
    try {
      const opening = open(file.absolute, READ_FLAGS);
      const handle = await this.race(opening).catch((error: unknown) => {
        // The build failed (a time limit, a stop) while the file was being opened: its handle,
        // when it comes, is closed here, not left to the garbage collector (an error on Node 26).
        void opening.then((late) => late.close()).catch(() => undefined);
        throw error;
      });
      this.current = { file, handle };
      const info = await this.race(handle.stat());
      if (!info.isFile()) throw new Error("it is no longer a regular file");
      const hasher = new HashingStream(onChunk);
      // The read stream closes the handle when it ends or fails.
      pipeline(handle.createReadStream(), hasher, (error) => {
        if (error instanceof Error) this.failReading(error);
      });
      await this.appendEntry(hasher, file.path, info.mtime);
      this.current = undefined;
      return { path: file.path, size: hasher.bytes, sha256: hasher.digest() };
    } catch (error) {
      throw isCaisseError(error) ? error : changedFileError(this.dataDir, file, error);
    }
  }

  addBuffer(name: string, bytes: Buffer, date: Date): Promise<void> {
    return this.appendEntry(bytes, name, date);
  }

  async finish(): Promise<void> {
    void this.archive.finalize().catch((error: unknown) => {
      this.fail(error);
    });
    await this.race(this.written);
  }

  /** Throws the failure that happened between two raced steps (an interruption during a flush). */
  checkNotFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Fails the build as interrupted: the next step in progress rejects, and abandon() cleans up. */
  interrupt(): void {
    this.fail(
      new CaisseError("E_INTERRUPTED", "the archive was not built: the command was stopped", {
        hint: "nothing was written; run the command again.",
      }),
    );
  }

  /** Stops everything and removes the temporary file; never throws. */
  async abandon(): Promise<void> {
    this.stopTimer();
    this.archive.abort();
    this.output.destroy();
    await this.current?.handle.close().catch(() => undefined);
    if (!this.output.closed)
      await new Promise<void>((resolveClose) =>
        this.output.once("close", () => {
          resolveClose();
        }),
      );
    await removeRetrying(this.temporary).catch(() => undefined);
  }

  stopTimer(): void {
    clearTimeout(this.timer);
  }
}

/** The folder the archive goes to must exist: said plainly, before any till file is read. */
async function checkOutputFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch((error: unknown) => {
    throw ioError("write the archive into", folder, error);
  });
  if (!info.isDirectory()) {
    throw ioError(
      "write the archive into",
      folder,
      Object.assign(new Error("not a folder"), { code: "ENOTDIR" }),
    );
  }
}

/**
 * Builds the zip of a plan: the till files (deflate, their modification times as entry dates, mode
 * 0644), then `caisse-manifest.json`, then `caisse-manifest.sig` when `sign` is given. Written
 * under a temporary sibling name, flushed, then renamed to `outPath`. A file that vanished or
 * became unreadable since the plan fails the build (E_ARCHIVE_BUILD naming it); on any failure
 * the temporary file is removed and `outPath` is left as it was.
 */
export async function buildArchive(
  plan: ArchivePlan,
  options: BuildArchiveOptions,
): Promise<BuiltArchive> {
  validateOptions(options);
  const outPath = resolve(options.outPath);
  await checkOutputFolder(dirname(outPath));
  // Loaded here, not at start-up: archiver and its dependencies are about ninety modules that
  // only a build needs (see docs/decisions.md, lazy loading).
  const { ZipArchive } = await import("archiver");
  const build = new Build(
    ZipArchive,
    temporarySibling(outPath),
    plan.dataDir,
    options.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS,
  );
  const { signal } = options;
  const interrupt = (): void => {
    build.interrupt();
  };
  if (signal?.aborted === true) interrupt();
  signal?.addEventListener("abort", interrupt, { once: true });
  try {
    const files: ManifestFile[] = [];
    let bytesRead = 0;
    const { onProgress } = options;
    for (const file of plan.files) {
      const counted =
        onProgress === undefined
          ? undefined
          : (size: number) => {
              bytesRead += size;
              onProgress(bytesRead, file.path);
            };
      files.push(await build.addFile(file, counted));
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      kind: options.kind ?? "sales",
      till: options.till,
      name: options.name,
      created: isoWithOffset(options.created),
      sequence: options.sequence,
      previous: options.previous,
      files,
    };
    const manifestBytes = serializeManifest(manifest);
    if (manifestBytes.length > DEFAULT_LIMITS.maxManifestBytes) {
      throw new CaisseError(
        "E_ARCHIVE_BUILD",
        `the manifest of ${files.length} files would be ${manifestBytes.length} bytes; the central refuses a manifest over ${DEFAULT_LIMITS.maxManifestBytes} bytes (its limits.maxManifestBytes)`,
        {
          hint: "the data directory holds too many files for one archive: move old files out of it, or raise limits.maxManifestBytes at the central first.",
        },
      );
    }
    await build.addBuffer(MANIFEST_NAME, manifestBytes, options.created);
    const signature = options.sign === undefined ? null : options.sign(manifestBytes).trim();
    if (signature !== null) {
      if (!signature.startsWith("ed25519:")) {
        throw new CaisseError(
          "E_ARCHIVE_BUILD",
          "the signing function did not return an 'ed25519:<base64>' line",
        );
      }
      await build.addBuffer(SIGNATURE_NAME, Buffer.from(`${signature}\n`, "utf8"), options.created);
    }
    await build.finish();
    build.stopTimer();
    await syncFile(build.temporary);
    const built: BuiltArchive = {
      path: build.temporary,
      size: (await stat(build.temporary)).size,
      manifest,
      manifestBytes,
      manifestSha256: sha256Hex(manifestBytes),
      signature,
    };
    build.checkNotFailed();
    signal?.removeEventListener("abort", interrupt);
    await options.beforeRename?.(built);
    await renameRetrying(build.temporary, outPath);
    await syncDirectory(dirname(outPath));
    return { ...built, path: outPath };
  } catch (error) {
    signal?.removeEventListener("abort", interrupt);
    await build.abandon();
    if (isCaisseError(error)) throw error;
    throw ioError("write the archive", outPath, error);
  }
}

/**
 * `D01_20261127T230005_000042.zip`: an archive's name on a transport (see
 * docs/archive-format.md#names).
 */
export function archiveTransportName(
  till: string,
  created: Date | string,
  sequence: number,
): string {
  // A manifest's `created` keeps the till's own local time: use it as written, whatever the zone
  // of the machine reading it.
  const stamp =
    typeof created === "string"
      ? created.slice(0, 19).replace(/[-:]/gu, "")
      : compactLocalTime(created);
  return `${till}_${stamp}_${String(sequence).padStart(6, "0")}.zip`;
}

/** The parts of a transport name. */
export interface TransportNameParts {
  till: string;
  /** Local time `YYYYMMDDTHHMMSS`. */
  stamp: string;
  sequence: number;
}

const TRANSPORT_NAME = /^([A-Za-z0-9_-]{1,16})_(\d{8}T\d{6})_(\d{6,})\.zip$/u;

/** Reads `D01_20261127T230005_000042.zip`; undefined for any other name. */
export function parseArchiveTransportName(name: string): TransportNameParts | undefined {
  const match = TRANSPORT_NAME.exec(name);
  if (match === null) return undefined;
  const [, till, stamp, sequence] = match;
  if (till === undefined || stamp === undefined || sequence === undefined) return undefined;
  return { till, stamp, sequence: Number(sequence) };
}

import type { ZipArchive } from "archiver";
import { createHash } from "node:crypto";
import { constants as fsConstants, createWriteStream, type WriteStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Transform, pipeline, type TransformCallback } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import { isoWithOffset } from "../dates.js";
import {
  CaisseError,
  ioError,
  isCaisseError,
  isPermissionError,
  systemErrorCode,
} from "../errors.js";
import {
  removeRetrying,
  renameRetrying,
  syncDirectory,
  syncFile,
  temporarySibling,
} from "../fs/atomic.js";
import { tillNameProblem, tillRefProblem } from "../till.js";
import {
  MANIFEST_FORMAT,
  serializeManifest,
  sha256Hex,
  type ArchiveKind,
  type Manifest,
  type ManifestFile,
} from "./manifest.js";
import { MANIFEST_NAME, SIGNATURE_NAME } from "./names.js";
import { DEFAULT_LIMITS } from "./read/limits.js";

import { readHint, type ArchivePlan, type PlannedFile } from "./plan.js";

/**
 * Building a till's archive from its plan (plan.ts): the build streams one file at a time through a
 * SHA-256 hasher, so the manifest describes the bytes actually packed.
 */

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
   * Makes an incremental archive (see docs/archive-format.md#incremental-archives): the plan's
   * files found in `unchanged` are listed in the manifest as given there and not packed.
   * Without it the archive is full.
   */
  incremental?: IncrementalBase;
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

/** What an incremental archive builds on. */
export interface IncrementalBase {
  /** The sequence of the full archive it is based on. */
  base: number;
  /** Files unchanged since the base, by path: listed, not packed. */
  unchanged: ReadonlyMap<string, ManifestFile>;
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
    options.incremental === undefined ||
    (Number.isSafeInteger(options.incremental.base) &&
      options.incremental.base >= 1 &&
      options.incremental.base < options.sequence)
      ? undefined
      : `the base ${options.incremental.base} of an incremental archive is not a sequence below ${options.sequence}`,
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
    const unchanged = options.incremental?.unchanged;
    for (const file of plan.files) {
      const kept = unchanged?.get(file.path);
      if (kept !== undefined) {
        files.push(kept);
        continue;
      }
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
      mode: options.incremental === undefined ? "full" : "incremental",
      ...(options.incremental === undefined ? {} : { base: options.incremental.base }),
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

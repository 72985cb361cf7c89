import type { ZipArchive } from "archiver";
import { createHash } from "node:crypto";
import { constants as fsConstants, createWriteStream, type WriteStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { Transform, pipeline, type TransformCallback } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import {
  CaisseError,
  ioError,
  isCaisseError,
  isPermissionError,
  systemErrorCode,
} from "../errors.js";
import { removeRetrying } from "../fs/atomic.js";
import type { ManifestFile } from "./manifest.js";
import { readHint, type PlannedFile } from "./plan.js";

/**
 * The zip being written by a build (write.ts): archiver's stream into a file, one till file at a
 * time through a SHA-256 hasher, and the first failure (a read error, a write error, the time
 * limit, a stop) raced against every step.
 */

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

/**
 * One build in progress: the zip stream, the output file, and one promise that rejects at the first
 * failure (a read error, an archiver warning or error, the time limit), raced against every step.
 */
export class Build {
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

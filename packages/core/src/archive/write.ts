import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { isoWithOffset } from "../dates.js";
import { CaisseError, ioError, isCaisseError } from "../errors.js";
import { renameRetrying, syncDirectory, syncFile, temporarySibling } from "../fs/atomic.js";
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
import type { ArchivePlan } from "./plan.js";
import { DEFAULT_LIMITS } from "./read/limits.js";
import { Build } from "./zipBuild.js";

export { changedFileError } from "./zipBuild.js";

/**
 * Building a till's archive from its plan (plan.ts): the till files streamed into the zip through a
 * SHA-256 hasher (zipBuild.ts), so the manifest describes the bytes actually packed, then the
 * manifest and its signature, then the rename into place.
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

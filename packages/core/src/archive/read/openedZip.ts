import type { FileHandle } from "node:fs/promises";
import type { ZipFile } from "yauzl";
import { CaisseError, ioError } from "../../errors.js";
import { removeRetrying, syncFiles } from "../../fs/atomic.js";
import type { Manifest } from "../manifest.js";
import { ignore } from "./errors.js";
import { extractFile } from "./extractFile.js";
import type { ArchiveLimits } from "./limits.js";
import { compareListing, compareSums, manifestMismatch } from "./manifestCheck.js";
import { describeBytes, refuse } from "./refuse.js";
import { FolderMaker, parentOf, prepareStaging, targetPath } from "./staging.js";
import type {
  ArchiveEntryInfo,
  ExtractedFile,
  ExtractOptions,
  LocatedEntry,
  OpenedArchive,
  Scan,
} from "./types.js";

/** What `openArchive` returns. */
export class OpenedZip implements OpenedArchive {
  readonly path: string;
  readonly entries: readonly ArchiveEntryInfo[];
  readonly manifest: { bytes: Buffer; value: Manifest } | undefined;
  readonly signature: string | undefined;
  readonly #handle: FileHandle;
  readonly #zipfile: ZipFile;
  readonly #limits: ArchiveLimits;
  readonly #data: readonly LocatedEntry[];
  #state: "open" | "extracted" | "closed" = "open";

  constructor(
    path: string,
    handle: FileHandle,
    zipfile: ZipFile,
    limits: ArchiveLimits,
    scan: Scan,
  ) {
    this.path = path;
    this.#handle = handle;
    this.#zipfile = zipfile;
    this.#limits = limits;
    this.#data = scan.entries;
    this.entries = Object.freeze(scan.entries.map((entry) => Object.freeze({ ...entry.info })));
    this.manifest = scan.manifest;
    this.signature = scan.signature;
  }

  async extractTo(stagingDir: string, options: ExtractOptions = {}): Promise<ExtractedFile[]> {
    if (this.#state !== "open") {
      throw new CaisseError(
        "E_INTERNAL",
        `extractTo() called on an archive that is already ${this.#state}: ${this.path}`,
      );
    }
    this.#state = "extracted";
    const manifest = this.manifest?.value;
    if (manifest !== undefined) {
      const differences = compareListing(manifest, this.entries).filter(
        (difference) => options.partial !== true || difference.problem !== "missing",
      );
      if (differences.length > 0) throw manifestMismatch(differences);
    }
    const root = await prepareStaging(stagingDir);
    try {
      const files = await this.#extractAll(root);
      if (manifest !== undefined) {
        const differences = compareSums(manifest, files);
        if (differences.length > 0) throw manifestMismatch(differences);
      }
      return files;
    } catch (error) {
      // Everything in it is ours: it was absent or empty when we started.
      await removeRetrying(root, { recursive: true }).catch(ignore);
      throw error;
    }
  }

  async #extractAll(root: string): Promise<ExtractedFile[]> {
    const folders = new FolderMaker(root);
    const files: ExtractedFile[] = [];
    const written: string[] = [];
    let total = 0;
    for (const located of this.#data) {
      const { name, directory } = located.info;
      if (directory) {
        await folders.ensure(name.slice(0, -1));
        continue;
      }
      await folders.ensure(parentOf(name));
      const target = targetPath(root, name);
      const file = await extractFile(this.#zipfile, located, target);
      written.push(target);
      // Cannot trip after the declared-size checks (content = declared size); kept as a backstop.
      total += file.size;
      if (total > this.#limits.maxTotalBytes) {
        throw refuse(
          "E_ARCHIVE_TOO_LARGE",
          "max-total-bytes",
          name,
          `the content extracted so far exceeds ${describeBytes(this.#limits.maxTotalBytes)}`,
        );
      }
      files.push(file);
    }
    // Durable, files then folders, before the caller swaps the staging folder in.
    await syncFiles(written);
    await folders.syncAll();
    return files;
  }

  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#zipfile.close();
    try {
      await this.#handle.close();
    } catch (error) {
      throw ioError("close the archive", this.path, error);
    }
  }
}

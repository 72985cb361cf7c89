import { CaisseError, ioError, removeRetrying } from "@caisse/core";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Central } from "../context.js";

/** What to do about an archive quarantined as E_ARCHIVE_CHECK_FAILED. */
export const CHECK_FAILED_HINT =
  "a bug in caisse-central, met on this archive; it was quarantined so that the others could be imported. Report it with the archive; once fixed, import it again with 'caisse-central import FILE'.";

/**
 * Runs whose process died while examining an archive after which that archive is quarantined
 * without being examined again: one death may be a power cut or a kill, two in a row on the same
 * bytes are the archive.
 */
export const DEATHS_BEFORE_QUARANTINE = 2;

interface Marker {
  /** SHA-256 of the archive being examined. */
  sha256: string;
  /** Runs that began examining it, this one included. */
  attempts: number;
}

function isMarker(value: unknown): value is Marker {
  if (typeof value !== "object" || value === null) return false;
  const { sha256, attempts } = value as Record<string, unknown>;
  return typeof sha256 === "string" && typeof attempts === "number" && attempts >= 1;
}

/**
 * The archive being examined, in `.caisse/examining.json` while its checks and extraction run:
 * when the process dies on an archive (out of memory, a native crash, a kill), the next run finds
 * the marker, and once the same archive has killed `DEATHS_BEFORE_QUARANTINE` runs it is
 * quarantined unexamined, so that it cannot block the archives after it at every run. The bounds
 * on what is examined are what prevent such deaths; this is the guard behind them. The marker
 * need not survive a power cut (it is not flushed): losing it only means one more attempt.
 */
export class ExaminationGuard {
  readonly #path: string;
  /** What the last run left: the archive it died on, or undefined. */
  #left: Marker | undefined;

  private constructor(path: string, left: Marker | undefined) {
    this.#path = path;
    this.#left = left;
  }

  static async load(central: Central): Promise<ExaminationGuard> {
    const path = join(central.paths.work, "examining.json");
    const text = await readFile(path, "utf8").catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw ioError("read", path, error);
    });
    let left: Marker | undefined;
    try {
      const value: unknown = text === undefined ? undefined : JSON.parse(text);
      left = isMarker(value) ? value : undefined;
    } catch {
      // A marker cut short by a crash names nothing.
      left = undefined;
    }
    return new ExaminationGuard(path, left);
  }

  /** The refusal of an archive that killed the run too often, or undefined to examine it. */
  refusal(sha256: string): CaisseError | undefined {
    if (this.#left?.sha256 !== sha256 || this.#left.attempts < DEATHS_BEFORE_QUARANTINE) {
      return undefined;
    }
    return new CaisseError(
      "E_ARCHIVE_CHECK_FAILED",
      `the process died while examining this archive in ${this.#left.attempts} runs in a row (out of memory, or killed); it was not examined again`,
      { hint: CHECK_FAILED_HINT },
    );
  }

  /** Before examining the archive: records it, with one more attempt if the last run died on it. */
  async begin(sha256: string): Promise<void> {
    const attempts = this.#left?.sha256 === sha256 ? this.#left.attempts + 1 : 1;
    try {
      await writeFile(this.#path, JSON.stringify({ sha256, attempts }));
    } catch (error) {
      throw ioError("write", this.#path, error);
    }
  }

  /**
   * Once the archive is decided, or its examination failed with an error: the process lived. What
   * the last run left is kept for the whole run: the archive it died on may come after others.
   */
  async end(): Promise<void> {
    try {
      await removeRetrying(this.#path);
    } catch (error) {
      throw ioError("remove", this.#path, error);
    }
  }
}

import {
  CaisseError,
  CATALOG_FILES,
  CATALOG_LIMITS,
  catalogInvalid,
  diffCatalog,
  ioError,
  isCaisseError,
  isoWithOffset,
  MAX_CATALOG_ARCHIVE_BYTES,
  openArchive,
  readCatalog,
  removeRetrying,
  sha256Hex,
  syncDirectory,
  verifyManifest,
  writeFileAtomic,
  type CatalogDiff,
  type CatalogFileName,
  type CatalogPaths,
  type OpenedArchive,
  moveRetrying,
  pathExists,
} from "@caisse/core";
import { copyFile, lstat, mkdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { StatePaths } from "../state.js";
import { readCatalogState, writeCatalogState, type CatalogState } from "./state.js";

/**
 * Applying a catalogue archive published by head office to the till's catalogue folder (see
 * docs/catalogue.md): the archive is untrusted until its signature verifies with
 * `catalog.centralKey`, and its two files replace the folder's all or nothing.
 *
 *   1. the archive's structure is checked (the archive reader's checks, with a catalogue's small
 *      limits), then its signature, its kind and files, and that it is newer than the last one;
 *   2. the files are extracted into `<dir>.caisse-catalog-new/` (checked against the manifest)
 *      and read as catalogue files; the folder's current files are copied beside them;
 *   3. the marker `<dir>.caisse-catalog.json` is written: from here on the new catalogue wins;
 *   4. each file is renamed into the folder; the state records the catalogue; the marker goes.
 *
 * A failure during step 4 puts the old files back. A crash after step 3 is finished by the next
 * `catalog import` or `fetch`; a crash before it leaves the folder as it was.
 */

/** Named moments of the apply, where tests make it fail. */
export type ApplyPoint = "marked" | "moved-one";

export interface ApplyOptions {
  /** The folder the catalogue goes into (`catalog.dir`). */
  dir: string;
  /** Head office's public key (`catalog.centralKey`). */
  centralKey: string;
  paths: StatePaths;
  now: Date;
  /** Test hook, called at each named moment; a throw there is a failure at that moment. */
  pause?: ((point: ApplyPoint) => Promise<void>) | undefined;
}

export interface ApplyResult {
  /** The catalogue was already applied: nothing changed. */
  upToDate: boolean;
  name: string;
  sequence: number;
  created: string;
  dir: string;
  diff: CatalogDiff | null;
}

interface Marker {
  state: CatalogState;
  /**
   * Written over the marker when a failure undoes the renames: the files renamed so far, and
   * which of them the folder had before (their copies are in the backup folder).
   */
  rollBack?: { moved: CatalogFileName[]; present: CatalogFileName[] } | undefined;
}

function applyPaths(dir: string): { staging: string; backup: string; marker: string } {
  return {
    staging: `${dir}.caisse-catalog-new`,
    backup: backupOf(dir),
    marker: `${dir}.caisse-catalog.json`,
  };
}

/** Where the folder's current files are copied before the renames: inside the staging folder. */
function backupOf(dir: string): string {
  return join(`${dir}.caisse-catalog-new`, ".old");
}

/**
 * Finishes an apply a crash interrupted after its marker (the files left in the staging folder
 * go into place, the state is recorded), or the undoing of one that failed (the old files go
 * back), or throws away one interrupted before its marker. Returns whether an apply was finished.
 */
export async function recoverCatalogApply(dir: string, paths: StatePaths): Promise<boolean> {
  const { staging, marker } = applyPaths(dir);
  let finished = false;
  if (await pathExists(marker)) {
    let note: Marker | undefined;
    try {
      note = JSON.parse(await readFile(marker, "utf8")) as Marker;
    } catch {
      // Written atomically: a marker that does not parse is not ours; the files decide alone.
    }
    if (note?.rollBack !== undefined) {
      await rollBack(dir, backupOf(dir), note.rollBack.moved, new Set(note.rollBack.present));
    } else {
      for (const name of CATALOG_FILES) {
        if (await pathExists(join(staging, name)))
          await moveRetrying(join(staging, name), join(dir, name));
      }
      await syncDirectory(dir);
      if (note?.state !== undefined) await writeCatalogState(paths, note.state);
      finished = true;
    }
    await removeRetrying(marker);
  }
  await removeRetrying(staging, { recursive: true });
  return finished;
}

/**
 * A refusal of the archive reader, with what to do at a till: its hints speak of the central's
 * limits, which a catalogue does not have.
 */
function asCatalogRefusal(error: unknown): never {
  if (!isCaisseError(error) || error.errorClass !== "rejected") throw error;
  throw new CaisseError(error.code, error.message, {
    cause: error,
    details: error.details,
    hint: "this is not a catalogue as 'caisse-central catalog export' builds it; nothing was changed. Fetch it again, or ask head office.",
  });
}

function signatureError(message: string, hint: string): CaisseError {
  return new CaisseError("E_CATALOG_SIGNATURE", message, { hint });
}

const KEY_HINT =
  "nothing was changed. Check that catalog.centralKey in caisse-export.json is the public key 'caisse-central keygen' printed at head office, and ask head office for a catalogue made by 'caisse-central catalog export'.";

/** Everything that decides whether the archive may be applied, before a byte is extracted. */
function checkCatalogArchive(
  archive: OpenedArchive,
  centralKey: string,
  last: CatalogState | undefined,
  file: string,
): { state: Omit<CatalogState, "applied">; upToDate: boolean } {
  const { manifest, signature } = archive;
  if (manifest === undefined)
    throw signatureError(
      `${file} has no caisse-manifest.json: it is not a signed catalogue`,
      KEY_HINT,
    );
  if (signature === undefined)
    throw signatureError(`${file} is not signed (no caisse-manifest.sig)`, KEY_HINT);
  if (!verifyManifest(manifest.bytes, signature, centralKey)) {
    throw signatureError(
      `the signature of ${file} does not verify with catalog.centralKey: it was altered, or signed with another key`,
      KEY_HINT,
    );
  }
  const { value } = manifest;
  if (value.kind !== "catalog") {
    throw new CaisseError(
      "E_CATALOG_INVALID",
      `${file} is a '${value.kind}' archive, not a catalogue`,
      { hint: "give 'catalog import' a catalogue built by 'caisse-central catalog export'." },
    );
  }
  const listed = value.files.map((entry) => entry.path).sort();
  if (JSON.stringify(listed) !== JSON.stringify([...CATALOG_FILES])) {
    throw new CaisseError(
      "E_CATALOG_INVALID",
      `${file} holds ${listed.length === 0 ? "no file" : listed.join(", ")}; a catalogue holds exactly ${CATALOG_FILES.join(" and ")}`,
      { hint: "ask head office for a catalogue built by 'caisse-central catalog export'." },
    );
  }
  const manifestSha256 = sha256Hex(manifest.bytes);
  const state = {
    sequence: value.sequence,
    manifest: manifestSha256,
    name: file,
    created: value.created,
  };
  if (last !== undefined && value.sequence <= last.sequence) {
    if (value.sequence === last.sequence && manifestSha256 === last.manifest)
      return { state, upToDate: true };
    throw new CaisseError(
      "E_CATALOG_OLDER",
      `${file} is catalogue #${value.sequence}, not newer than #${last.sequence} applied on ${last.applied}`,
      {
        details: { sequence: value.sequence, last: last.sequence },
        hint: "nothing was changed: an old or replayed catalogue. Get the latest one with 'caisse-export catalog fetch'.",
      },
    );
  }
  return { state, upToDate: false };
}

/** The catalogue files currently in the folder, for the difference. */
function currentPaths(dir: string, present: ReadonlySet<CatalogFileName>): CatalogPaths {
  const at = (name: CatalogFileName) =>
    present.has(name) ? { path: join(dir, name), shown: name } : undefined;
  return { articles: at("articles.csv"), familles: at("familles.csv") };
}

/** Checks and applies one catalogue archive; see the steps above. The caller holds the lock. */
export async function applyCatalog(file: string, options: ApplyOptions): Promise<ApplyResult> {
  const { dir, paths } = options;
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new CaisseError(
      "E_CONFIG",
      `the catalogue folder ${dir} (config key catalog.dir) does not exist or is not a folder`,
      {
        details: { path: dir, key: "catalog.dir" },
        hint: "create it, or fix catalog.dir in caisse-export.json (relative paths start at the config's folder).",
      },
    );
  }
  await recoverCatalogApply(dir, paths);
  const name = basename(file);
  const { size } = await stat(file).catch((error: unknown) => {
    throw ioError("read", file, error);
  });
  if (size > MAX_CATALOG_ARCHIVE_BYTES) {
    throw new CaisseError(
      "E_CATALOG_INVALID",
      `${name} holds ${size} bytes; a catalogue archive holds at most ${MAX_CATALOG_ARCHIVE_BYTES}`,
      { hint: "this is not a catalogue from head office; nothing was changed." },
    );
  }
  const last = await readCatalogState(paths);
  const archive = await openArchive(file, { limits: CATALOG_LIMITS }).catch(asCatalogRefusal);
  const { staging, backup, marker } = applyPaths(dir);
  try {
    const checked = checkCatalogArchive(archive, options.centralKey, last, name);
    const base = {
      name,
      sequence: checked.state.sequence,
      created: checked.state.created,
      dir,
    };
    if (checked.upToDate) return { ...base, upToDate: true, diff: null };
    await archive.extractTo(staging).catch(asCatalogRefusal);
    await archive.close();
    const incoming = await readCatalog({
      articles: { path: join(staging, "articles.csv"), shown: "articles.csv" },
      familles: { path: join(staging, "familles.csv"), shown: "familles.csv" },
    });
    if (incoming.problems.length > 0) {
      throw catalogInvalid(
        `${name} does not read as a catalogue`,
        incoming.problems,
        "nothing was changed; tell head office, whose 'catalog export' should have refused it.",
      );
    }
    const present = new Set<CatalogFileName>();
    await mkdir(backup);
    for (const fileName of CATALOG_FILES) {
      const target = join(dir, fileName);
      const found = await lstat(target).catch(() => undefined);
      if (found === undefined) continue;
      if (!found.isFile()) {
        throw ioError(
          "replace",
          target,
          Object.assign(new Error("not a regular file"), { code: "EISDIR" }),
        );
      }
      await copyFile(target, join(backup, fileName)).catch((error: unknown) => {
        throw ioError("copy", target, error);
      });
      present.add(fileName);
    }
    const before = await readCatalog(currentPaths(dir, present));
    const state: CatalogState = { ...checked.state, applied: isoWithOffset(options.now) };
    await writeFileAtomic(marker, `${JSON.stringify({ state } satisfies Marker)}\n`);
    const moved: CatalogFileName[] = [];
    try {
      await options.pause?.("marked");
      for (const fileName of CATALOG_FILES) {
        await moveRetrying(join(staging, fileName), join(dir, fileName));
        moved.push(fileName);
        if (moved.length < CATALOG_FILES.length) await options.pause?.("moved-one");
      }
      await syncDirectory(dir);
    } catch (error) {
      // Recorded first: a crash while undoing is then undone too, never finished half-way.
      const undo: Marker = { state, rollBack: { moved, present: [...present] } };
      await writeFileAtomic(marker, `${JSON.stringify(undo)}\n`);
      await rollBack(dir, backup, moved, present);
      await removeRetrying(marker);
      throw error;
    }
    await writeCatalogState(paths, state);
    await removeRetrying(marker);
    return { ...base, upToDate: false, diff: diffCatalog(before.content, incoming.content) };
  } finally {
    await archive.close();
    if (!(await pathExists(marker))) await removeRetrying(staging, { recursive: true });
  }
}

/**
 * Puts the folder's old files back after a failure in the middle of the renames. Can run again
 * after a crash: a copy already moved back is not there any more, a new file already removed
 * neither.
 */
async function rollBack(
  dir: string,
  backup: string,
  moved: readonly CatalogFileName[],
  present: ReadonlySet<CatalogFileName>,
): Promise<void> {
  for (const fileName of moved) {
    if (!present.has(fileName)) await removeRetrying(join(dir, fileName));
    else if (await pathExists(join(backup, fileName)))
      await moveRetrying(join(backup, fileName), join(dir, fileName));
  }
  await syncDirectory(dir);
}

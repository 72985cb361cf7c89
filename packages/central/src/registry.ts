import {
  CaisseError,
  type ErrorCode,
  ioError,
  isKnownEncoding,
  parsePublicKey,
  tillNameProblem,
  tillRefProblem,
  withLock,
} from "@caisse/core";
import { mkdir, stat } from "node:fs/promises";
import {
  checkTillPaths,
  findTill,
  loadCentralConfig,
  requireTill,
  saveCentralConfig,
  tillDirectory,
  type CentralConfig,
  type CentralPaths,
  type TillRecord,
} from "./config.js";
import { swapPaths } from "./swap.js";

/** The changes `tills add` and `tills set` can make; undefined leaves a field as it is, "" clears it. */
export interface TillChanges {
  name?: string | undefined;
  path?: string | undefined;
  enabled?: boolean | undefined;
  key?: string | undefined;
  mail?: string | undefined;
  encoding?: string | undefined;
  columns?: Record<string, string> | undefined;
}

const MAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/u;

/** Every problem with the changes at once, each naming its flag; the code is the first one's. */
function validateChanges(changes: TillChanges): void {
  const problems: { code: ErrorCode; text: string }[] = [];
  const add = (code: ErrorCode, text: string): void => {
    problems.push({ code, text });
  };
  if (changes.name !== undefined) {
    const problem = tillNameProblem(changes.name);
    if (problem !== undefined) add("E_TILL_NAME", `--name: ${problem}`);
  }
  if (changes.path?.trim() === "") add("E_TILL_PATH", "--path: the path is empty");
  if (changes.key !== undefined && changes.key !== "") {
    try {
      parsePublicKey(changes.key);
    } catch {
      add(
        "E_USAGE",
        "--key: not an Ed25519 public key; it looks like ed25519:<44 base64 characters>, as printed by 'caisse-export keygen'",
      );
    }
  }
  if (changes.mail !== undefined && changes.mail !== "" && !MAIL.test(changes.mail)) {
    add("E_USAGE", `--mail: '${changes.mail}' is not a mail address`);
  }
  if (
    changes.encoding !== undefined &&
    changes.encoding !== "" &&
    !isKnownEncoding(changes.encoding)
  ) {
    add(
      "E_USAGE",
      `--encoding: '${changes.encoding}' is not an encoding this tool knows; try windows-1252 or utf-8`,
    );
  }
  const first = problems[0];
  if (first !== undefined) {
    const texts = problems.map((problem) => problem.text);
    throw new CaisseError(first.code, texts.join("; "), { details: { problems: texts } });
  }
}

function apply(till: TillRecord, changes: TillChanges): TillRecord {
  const cleared = (value: string | undefined, previous: string | undefined): string | undefined =>
    value === undefined ? previous : value === "" ? undefined : value;
  return {
    ref: till.ref,
    name: changes.name ?? till.name,
    path: changes.path ?? till.path,
    enabled: changes.enabled ?? till.enabled,
    key: cleared(changes.key, till.key),
    mail: cleared(changes.mail, till.mail),
    encoding: cleared(changes.encoding, till.encoding),
    columns: changes.columns === undefined ? till.columns : { ...till.columns, ...changes.columns },
  };
}

/** Loads the config, changes it and saves it under the central lock, so two edits never race. */
async function edit(
  paths: CentralPaths,
  change: (config: CentralConfig) => CentralConfig,
): Promise<CentralConfig> {
  await loadCentralConfig(paths); // E_CENTRAL_ROOT before anything is created
  try {
    await mkdir(paths.work, { recursive: true });
  } catch (error) {
    throw ioError("create the folder", paths.work, error);
  }
  return withLock(paths.lock, "caisse-central tills", async () => {
    const current = await loadCentralConfig(paths);
    const next = change(current);
    checkTillPaths(next.tills, paths);
    await refuseUnfinishedImports(paths, current, next);
    await saveCentralConfig(paths, next);
    return next;
  });
}

/**
 * Refuses to move a till to another directory, or to remove it, while an interrupted import of
 * its directory is unfinished: the recovery looks for the leftovers (staging folder, old folder,
 * swap marker) beside the directory the config names, so they would be orphaned for good.
 */
async function refuseUnfinishedImports(
  paths: CentralPaths,
  current: CentralConfig,
  next: CentralConfig,
): Promise<void> {
  for (const till of current.tills) {
    const directory = tillDirectory(paths, till);
    const after = findTill(next, till.ref);
    if (after !== undefined && tillDirectory(paths, after) === directory) continue;
    const swap = swapPaths(directory);
    for (const leftover of [swap.marker, swap.staging, swap.old]) {
      const found = await stat(leftover).then(
        () => true,
        () => false,
      );
      if (!found) continue;
      throw new CaisseError(
        "E_IMPORT_UNFINISHED",
        `till ${till.ref}: an interrupted import of ${directory} is not finished (${leftover} is still there), so its directory cannot be ${after === undefined ? "removed from the table" : "changed"} yet`,
        {
          details: { till: till.ref, path: leftover },
          hint: "run 'caisse-central fetch' first: it finishes or undoes the interrupted import; then run this command again.",
        },
      );
    }
  }
}

export async function addTill(
  paths: CentralPaths,
  ref: string,
  changes: TillChanges & { name: string },
): Promise<TillRecord> {
  const refProblem = tillRefProblem(ref);
  if (refProblem !== undefined) {
    throw new CaisseError("E_TILL_REF", `REF: ${refProblem}`, {
      hint: "a reference is 1 to 16 letters, digits, '-' or '_', such as D01.",
    });
  }
  validateChanges(changes);
  const config = await edit(paths, (current) => {
    const existing = findTill(current, ref);
    if (existing !== undefined) {
      throw new CaisseError(
        "E_TILL_EXISTS",
        `till ${existing.ref} (${existing.name}) is already registered`,
        {
          hint: `change it with 'caisse-central tills set ${existing.ref} ...'.`,
        },
      );
    }
    const till = apply(
      { ref, name: changes.name, path: changes.path ?? ref, enabled: true },
      changes,
    );
    return { ...current, tills: [...current.tills, till] };
  });
  return requireTill(config, ref);
}

export async function setTill(
  paths: CentralPaths,
  ref: string,
  changes: TillChanges,
): Promise<TillRecord> {
  validateChanges(changes);
  const config = await edit(paths, (current) => {
    const till = requireTill(current, ref);
    return {
      ...current,
      tills: current.tills.map((candidate) =>
        candidate === till ? apply(till, changes) : candidate,
      ),
    };
  });
  return requireTill(config, ref);
}

export async function removeTill(paths: CentralPaths, ref: string): Promise<TillRecord> {
  let removed: TillRecord | undefined;
  await edit(paths, (current) => {
    removed = requireTill(current, ref);
    return { ...current, tills: current.tills.filter((candidate) => candidate !== removed) };
  });
  return removed as TillRecord;
}

import { CaisseError, checkDataDirectory, isCaisseError } from "@caisse/core";
import type { TransportConfig } from "@caisse/transports";
import { listOutbox, type OutboxListing } from "./outbox.js";
import { loadSigner, type Signer } from "./signing.js";
import {
  checkStateOutsideData,
  isSameOrInside,
  readState,
  type StatePaths,
  type TillState,
} from "./state.js";

/**
 * Every refusal of `zip`, `run` and `send`, made before they write, move, send anything or spend a
 * sequence (see docs/export.md, "What is checked first"): an operator's mistake must not send one
 * till's archives to another's destination before it is noticed.
 */

/** What a command is about to act on. */
export interface ActingOn {
  paths: StatePaths;
  /** Absolute path of the config file; undefined when running without one. */
  configFile: string | undefined;
  till: string;
  /** Absolute path of the data directory. */
  data: string;
  /** Absolute path of the private key to sign with; undefined: unsigned, or not signing. */
  key: string | undefined;
  /** `zip --out`: absolute path of the archive to write. */
  out?: string | undefined;
  /** Where `run` and `send` send. */
  transport?: TransportConfig | undefined;
}

/** What the checks read, for the command to go on with. */
export interface Checked {
  state: TillState;
  /** The outbox as read by the checks: every archive in it is this till's. */
  outbox: OutboxListing;
  /** The signing function; undefined when unsigned. */
  sign: Signer | undefined;
}

function folderError(message: string, details: Record<string, unknown>, hint: string): CaisseError {
  return new CaisseError("E_CONFIG", message, { details, hint });
}

/** Refuses folders that contain one another: the archives would hold the archives before them. */
async function checkFolders(on: ActingOn): Promise<void> {
  const { paths, data } = on;
  await checkStateOutsideData(paths.dir, data, on.configFile);
  if (await isSameOrInside(paths.dir, data)) {
    throw folderError(
      `the data directory ${data} (key 'data', or --data) is inside the state folder ${paths.dir}: each archive would hold the outbox, the archives before it`,
      { data, stateDir: paths.dir, key: "data" },
      "point 'data' at the till software's export folder, outside caisse-export-state.",
    );
  }
  if (on.out !== undefined) {
    if (await isSameOrInside(data, on.out)) {
      throw new CaisseError("E_USAGE", `--out ${on.out} is inside the data directory ${data}`, {
        details: { flag: "--out", out: on.out, data },
        hint: "write the archive outside the data directory, or it would be packed into the next one.",
      });
    }
    if (await isSameOrInside(paths.dir, on.out)) {
      throw new CaisseError("E_USAGE", `--out ${on.out} is inside the state folder ${paths.dir}`, {
        details: { flag: "--out", out: on.out, stateDir: paths.dir },
        hint: "the state folder belongs to caisse-export; write the archive elsewhere.",
      });
    }
  }
  const destination = on.transport?.type === "dir" ? on.transport.path : undefined;
  if (destination === undefined) return;
  for (const [folder, what] of [
    [data, "the data directory"],
    [paths.dir, "the state folder"],
  ] as const) {
    if (await isSameOrInside(folder, destination)) {
      throw folderError(
        `the transport's folder ${destination} (key 'transport.path') is inside ${what} ${folder}`,
        { transportPath: destination, folder, key: "transport.path" },
        "send to a folder of its own: the central's inbox or a network share.",
      );
    }
  }
}

/**
 * A state folder counts the sequence of one till. Two configs side by side (or `zip --till` run
 * for another till in the same folder) would share it: each till would then skip the other's
 * numbers, and `run` or `send` would send the other till's waiting archives.
 */
function checkStateTill(
  state: TillState,
  outbox: OutboxListing,
  till: string,
  paths: StatePaths,
): void {
  const same = (other: string): boolean => other.toUpperCase() === till.toUpperCase();
  const foreign = outbox.archives.find((archive) => !same(archive.till));
  const owner = state.till !== null && !same(state.till) ? state.till : foreign?.till;
  if (owner === undefined) return;
  const where =
    state.till !== null && !same(state.till)
      ? `counts the archives of till ${owner}`
      : `holds ${foreign?.name ?? ""} in its outbox, an archive of till ${owner}`;
  throw new CaisseError(
    "E_CONFIG",
    `the state folder ${paths.dir} ${where}, not of ${till} (key 'till', or --till): nothing was built or sent`,
    {
      details: { path: paths.file, key: "till", stateTill: owner, till },
      hint:
        "give each till's config file a folder of its own (the state folder sits beside it), or " +
        "run 'zip' for this till from another folder. If the till's reference changed on purpose, " +
        "send the old outbox first, then move the old state folder away: the new reference starts again at sequence 1.",
    },
  );
}

async function refuseMissingData(data: string): Promise<void> {
  try {
    await checkDataDirectory(data);
  } catch (error) {
    if (isCaisseError(error, "E_CONFIG")) throw error;
    // Unreadable: a problem of the machine, reported by the build (the waiting archives still go).
  }
}

/** Runs every check; throws the first refusal. Reads, never writes. */
export async function checkBeforeActing(on: ActingOn): Promise<Checked> {
  await checkFolders(on);
  // A wrong 'data' (or a drive not connected) is a refusal too; what the folder holds is the build's.
  await refuseMissingData(on.data);
  const state = await readState(on.paths);
  const outbox = await listOutbox(on.paths.outbox);
  checkStateTill(state, outbox, on.till, on.paths);
  const sign = on.key === undefined ? undefined : await loadSigner(on.key);
  return { state, outbox, sign };
}

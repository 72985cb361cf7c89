/**
 * Every error the toolkit raises on purpose carries a stable code from this catalogue. The code is
 * what scripts and the troubleshooting guide (docs/errors.md) rely on; the message is for people.
 *
 * The class of a code decides the exit status of a command (see docs/operations.md#exit-codes):
 * - `usage`: a flag or a config key is wrong (exit 2);
 * - `failure`: a transport, the disk, a lock held by another run (exit 1);
 * - `rejected`: some input was refused or is inconsistent; the command did what it could (exit 3).
 */
export type ErrorClass = "usage" | "failure" | "rejected";

interface CodeInfo {
  readonly class: ErrorClass;
  /** One line for the troubleshooting guide: what it means. */
  readonly summary: string;
}

const catalogue = {
  // Usage and configuration.
  E_USAGE: { class: "usage", summary: "A command-line flag or argument is missing or wrong." },
  E_CONFIG: { class: "usage", summary: "A configuration file is missing, unreadable or invalid." },
  E_TILL_REF: {
    class: "usage",
    summary: "A till reference is not 1 to 16 letters, digits, - or _.",
  },
  E_TILL_NAME: { class: "usage", summary: "A till name is empty or longer than 20 characters." },
  E_TILL_PATH: {
    class: "usage",
    summary: "A till path is empty, unsafe or shared with another till.",
  },
  E_TILL_EXISTS: { class: "usage", summary: "A till with this reference is already registered." },
  E_TILL_UNKNOWN: { class: "usage", summary: "No till with this reference is registered." },
  E_CENTRAL_ROOT: {
    class: "usage",
    summary: "The folder is not a caisse-central root (no caisse-central.json).",
  },

  // Failures of the machine or the network.
  E_IO: {
    class: "failure",
    summary: "Reading or writing a file failed (disk full, permissions, vanished file).",
  },
  E_LOCK_HELD: {
    class: "failure",
    summary: "Another run holds the lock; only one may run at a time.",
  },
  E_ARCHIVE_BUILD: {
    class: "failure",
    summary: "The archive could not be built from the data directory.",
  },
  E_TRANSPORT: {
    class: "failure",
    summary: "Sending an archive failed; it stays in the outbox for the next run.",
  },
  E_SOURCE: {
    class: "failure",
    summary: "A source of archives could not be read; the others still ran.",
  },
  E_TIMEOUT: { class: "failure", summary: "An operation took longer than its time limit." },
  E_SECRET: {
    class: "usage",
    summary:
      "A password's variable is not set, its file is missing, empty or readable by others, or the token command failed.",
  },
  E_REMOTE_CONNECT: {
    class: "failure",
    summary: "The server could not be reached (name unknown, connection refused or reset).",
  },
  E_REMOTE_TLS: {
    class: "failure",
    summary: "The server's certificate did not verify, or it refused to protect the connection.",
  },
  E_REMOTE_HOST_KEY: {
    class: "failure",
    summary: "The SSH server's host key is not the one pinned in the config.",
  },
  E_REMOTE_LOGIN: { class: "failure", summary: "The server refused the user name or password." },
  E_REMOTE_REPLY: {
    class: "failure",
    summary: "The server refused a command (no such folder, permission denied, disk full).",
  },
  E_REMOTE_TIMEOUT: {
    class: "failure",
    summary: "The server did not answer a step within its time limit.",
  },
  E_REMOTE_CLOSED: {
    class: "failure",
    summary:
      "The connection was cut in the middle of a step; nothing was left under its final name.",
  },
  E_INTERRUPTED: {
    class: "failure",
    summary: "The command was stopped (Ctrl-C or a stop signal); what it was writing was removed.",
  },
  E_STATE: {
    class: "failure",
    summary: "The till's state file (next sequence, last manifest) is damaged or unreadable.",
  },
  E_JOURNAL_DAMAGED: {
    class: "failure",
    summary:
      "The central's journal does not hold (cut, entries removed, head record missing); nothing is imported until 'caisse-central journal repair'.",
  },
  E_IMPORT_UNFINISHED: {
    class: "failure",
    summary:
      "An interrupted import of the till is not finished; 'caisse-central fetch' finishes it first.",
  },
  E_JOURNAL_WRITE: {
    class: "failure",
    summary: "The central's journal could not be written; the run stopped at once.",
  },
  E_INTERNAL: {
    class: "failure",
    summary: "An unexpected error: a bug. Run again with --verbose and report it.",
  },

  // Archives refused by the central (each one is quarantined).
  E_ARCHIVE_NOT_ZIP: { class: "rejected", summary: "The file is not a zip archive." },
  E_ARCHIVE_TRUNCATED: {
    class: "rejected",
    summary: "The zip is truncated or its structure is corrupt.",
  },
  E_ARCHIVE_EMPTY: { class: "rejected", summary: "The archive holds no data file." },
  E_ARCHIVE_UNSAFE_PATH: {
    class: "rejected",
    summary: "An entry name could write outside the till's directory or is not portable.",
  },
  E_ARCHIVE_DUPLICATE_NAME: {
    class: "rejected",
    summary: "Two entries have the same name after case folding and Unicode normalisation.",
  },
  E_ARCHIVE_LINK: { class: "rejected", summary: "An entry is a symbolic link." },
  E_ARCHIVE_ENTRY_TYPE: {
    class: "rejected",
    summary: "An entry is neither a regular file nor a folder.",
  },
  E_ARCHIVE_ENCRYPTED: { class: "rejected", summary: "An entry is encrypted." },
  E_ARCHIVE_METHOD: {
    class: "rejected",
    summary: "An entry uses a compression method other than store or deflate.",
  },
  E_ARCHIVE_CRC: { class: "rejected", summary: "An entry's content does not match its CRC-32." },
  E_ARCHIVE_HEADER_MISMATCH: {
    class: "rejected",
    summary: "The central directory and a local header disagree.",
  },
  E_ARCHIVE_OVERLAP: {
    class: "rejected",
    summary: "Entries overlap in the file (a zip bomb construction).",
  },
  E_ARCHIVE_TOO_MANY_ENTRIES: {
    class: "rejected",
    summary: "The archive has more entries than the limit.",
  },
  E_ARCHIVE_ENTRY_TOO_LARGE: {
    class: "rejected",
    summary: "An entry is larger than the per-entry limit.",
  },
  E_ARCHIVE_TOO_LARGE: {
    class: "rejected",
    summary: "The entries together are larger than the total limit.",
  },
  E_ARCHIVE_RATIO: {
    class: "rejected",
    summary: "An entry compresses better than the ratio limit (a zip bomb).",
  },
  E_ARCHIVE_SIZE_MISMATCH: {
    class: "rejected",
    summary: "An entry's content is not the size its headers declare.",
  },
  E_ARCHIVE_PATH_TOO_LONG: {
    class: "rejected",
    summary: "An entry's path is longer or deeper than the limits.",
  },
  E_ARCHIVE_CHECK_FAILED: {
    class: "rejected",
    summary: "Examining the archive failed unexpectedly (a bug); it was quarantined.",
  },
  E_ARCHIVE_RESERVED_NAME: {
    class: "rejected",
    summary: "A till file uses a name reserved for the manifest.",
  },
  E_MANIFEST_INVALID: {
    class: "rejected",
    summary: "caisse-manifest.json is not a valid caisse-archive/1 manifest.",
  },
  E_MANIFEST_MISMATCH: {
    class: "rejected",
    summary: "The manifest's files, sizes or SHA-256 sums differ from the entries.",
  },
  E_ARCHIVE_SIGNATURE: {
    class: "rejected",
    summary: "The manifest signature is missing or does not verify with the till's key.",
  },
  E_ARCHIVE_TILL_MISMATCH: {
    class: "rejected",
    summary: "The archive says it comes from another till than expected.",
  },
  E_ARCHIVE_SEQUENCE: {
    class: "rejected",
    summary: "The archive's sequence is not newer than the last one imported.",
  },
  E_ARCHIVE_CLOCK: {
    class: "rejected",
    summary: "The manifest says the archive was created more than a day in the future.",
  },
  E_ARCHIVE_NEEDS_FULL: {
    class: "rejected",
    summary:
      "An incremental archive does not fit the till's data at the central: it needs a full archive.",
  },
  E_ARCHIVE_UNKNOWN_TILL: {
    class: "rejected",
    summary: "The archive comes from a till that is not registered.",
  },
  E_ARCHIVE_LEGACY: {
    class: "rejected",
    summary: "A zip without manifest is taken only by 'import FILE --till REF'.",
  },
  E_MESSAGE_NO_ARCHIVE: {
    class: "rejected",
    summary: "A mail message in an IMAP source's mailbox holds no .zip attachment.",
  },
  E_MESSAGE_TOO_LARGE: {
    class: "rejected",
    summary: "A mail message is larger than any message holding an acceptable archive.",
  },

  // Rows and files of till data (reported as warnings; `check` lists them).
  E_CSV_FIELD_COUNT: {
    class: "rejected",
    summary: "A row has more or fewer fields than the header.",
  },
  E_CSV_MISSING_VALUE: { class: "rejected", summary: "A required value is empty." },
  E_CSV_BAD_AMOUNT: {
    class: "rejected",
    summary: "An amount is not a decimal with at most 2 decimals.",
  },
  E_CSV_BAD_QUANTITY: {
    class: "rejected",
    summary: "A quantity is not a decimal with at most 3 decimals.",
  },
  E_CSV_BAD_RATE: {
    class: "rejected",
    summary: "A VAT rate is not a percentage such as 20 or 5,5.",
  },
  E_CSV_BAD_DATE: {
    class: "rejected",
    summary: "A date is not in one of the five accepted forms, or does not exist.",
  },
  E_CSV_BAD_TEXT: {
    class: "rejected",
    summary:
      "A code, number or date holds a control character, or a value holds bytes not valid in its encoding.",
  },
  E_CSV_UNREADABLE: {
    class: "rejected",
    summary: "A CSV file cannot be read at all and is left out whole.",
  },

  // The catalogue head office publishes, and restoring a till from a kept archive.
  E_CATALOG_INVALID: {
    class: "rejected",
    summary:
      "A catalogue's files are missing, unreadable, hold invalid rows, or the archive is not a catalogue.",
  },
  E_CATALOG_SIGNATURE: {
    class: "rejected",
    summary: "A catalogue archive is unsigned, or not signed by head office's key.",
  },
  E_CATALOG_OLDER: {
    class: "rejected",
    summary: "A catalogue archive is not newer than the one applied last.",
  },
  E_CATALOG_NONE: {
    class: "usage",
    summary: "No catalogue archive was built yet, or no catalogue destination is configured.",
  },
  E_RESTORE_NOT_KEPT: {
    class: "usage",
    summary: "The archive asked for is not kept under archives/ (never accepted, or removed).",
  },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof catalogue;

/** The catalogue, for the troubleshooting guide and for tests that keep the guide true. */
export const errorCatalogue: Readonly<Record<ErrorCode, CodeInfo>> = catalogue;

export function errorClassOf(code: ErrorCode): ErrorClass {
  return catalogue[code].class;
}

export interface CaisseErrorOptions {
  /** What to do next, shown after the message. */
  hint?: string;
  cause?: unknown;
  /** Machine-readable facts (file, line, key...) for JSON output and tests. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The mark every CaisseError carries. `instanceof` compares classes by identity, and an installed
 * tool can hold two copies of this module (each package bundled, or installed with its own
 * dependencies): an error made by one copy is not an instance of the other's class. A registered
 * symbol is the same in every copy, so `isCaisseError` recognises them all (see docs/decisions.md).
 */
const CAISSE_ERROR = Symbol.for("caisse.CaisseError");

/** An error the toolkit raises on purpose: a stable code, a message for people, a hint. */
export class CaisseError extends Error {
  readonly [CAISSE_ERROR] = true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: CaisseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CaisseError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  get errorClass(): ErrorClass {
    return errorClassOf(this.code);
  }
}

/**
 * Whether `error` is a CaisseError, from this copy of the module or another (never use
 * `instanceof CaisseError`: lint forbids it), and has this code when one is given.
 */
export function isCaisseError(error: unknown, code?: ErrorCode): error is CaisseError {
  if (!(error instanceof Error) || !(CAISSE_ERROR in error) || error[CAISSE_ERROR] !== true) {
    return false;
  }
  const own = "code" in error ? error.code : undefined;
  return typeof own === "string" && own in catalogue && (code === undefined || own === code);
}

/** Node's system errors (`ENOENT`, `EACCES`...) carry a `code` string. */
export function systemErrorCode(error: unknown): string | undefined {
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}

/**
 * Wraps a file-system error into E_IO with the path and the operation in the message, so that
 * "ENOSPC" becomes "cannot write /srv/caisse/tills/D01/ventes.csv: no space left on device".
 */
export function ioError(operation: string, path: string, cause: unknown): CaisseError {
  if (isCaisseError(cause)) return cause;
  const code = systemErrorCode(cause);
  const reason = code === undefined ? String(cause) : describeSystemError(code, cause);
  return new CaisseError("E_IO", `cannot ${operation} ${path}: ${reason}`, {
    cause,
    details: { path, operation, ...(code === undefined ? {} : { errno: code }) },
    hint: ioHint(code),
  });
}

function describeSystemError(code: string, cause: unknown): string {
  const known: Record<string, string> = {
    ENOENT: "no such file or folder",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOSPC: "no space left on device",
    EEXIST: "already exists",
    ENOTDIR: "a part of the path is not a folder",
    EISDIR: "is a folder",
    EMFILE: "too many open files",
    EROFS: "read-only file system",
    EBUSY: "busy (open in another program?)",
    ENAMETOOLONG: "the path is too long for this system",
    ELOOP: "too many levels of symbolic links",
  };
  return known[code] ?? (cause instanceof Error ? cause.message : code);
}

/** What to do about a path the system finds too long: nothing to do with permissions. */
export const PATH_TOO_LONG_HINT =
  "shorten the names of the folders on the path, or move the folder nearer the root of the drive.";

/** True when a system error is a refusal of access rather than a missing or changing file. */
export function isPermissionError(error: unknown): boolean {
  const code = systemErrorCode(error);
  return code === "EACCES" || code === "EPERM";
}

function ioHint(code: string | undefined): string | undefined {
  switch (code) {
    case "ENOSPC":
      return "free some disk space and run again; nothing was lost.";
    case "EACCES":
    case "EPERM":
      return "check the permissions of the folder for the user that runs the job.";
    case "ENOENT":
      return "check that the path exists and is spelled as in the config.";
    case "ENAMETOOLONG":
      return PATH_TOO_LONG_HINT;
    default:
      return undefined;
  }
}

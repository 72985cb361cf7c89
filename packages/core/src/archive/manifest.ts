import { createHash } from "node:crypto";
import { CaisseError } from "../errors.js";
import { tillRefProblem } from "../till.js";
import { shownValue } from "../json.js";
import { parseInstant } from "../dates.js";
import { escapeUnprintable, truncated } from "../text.js";
import { jsonShapeProblem } from "./jsonShape.js";
import { isReservedName, unsafeNameReason } from "./names.js";
import { DEFAULT_LIMITS, MAX_MANIFEST_DEPTH } from "./read/limits.js";

export const MANIFEST_FORMAT = "caisse-archive/1";

/** What an archive is: a till's sales data, or (later) the catalogue published by head office. */
export type ArchiveKind = "sales" | "catalog";

/**
 * A full archive carries every file it lists; an incremental one carries only the files that
 * changed since its base, and lists the others with the sums the central must already hold (see
 * docs/archive-format.md#incremental-archives).
 */
export type ArchiveMode = "full" | "incremental";

export interface ManifestFile {
  /** Path relative to the data directory, `/` separated. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the content, lower-case hex. */
  sha256: string;
}

/** `caisse-manifest.json` (see docs/archive-format.md#caisse-manifestjson). */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  kind: ArchiveKind;
  till: string;
  name: string;
  /** ISO 8601 with the till's local offset. */
  created: string;
  sequence: number;
  /** SHA-256 hex of the previous archive's manifest bytes, or null for the first one. */
  previous: string | null;
  /** Absent in archives of tills older than incremental archives: those are full. */
  mode?: ArchiveMode;
  /** The sequence of the full archive an incremental one is based on; only when incremental. */
  base?: number;
  /** Every till file of the snapshot, carried or not, in name order. */
  files: ManifestFile[];
}

/** True when the archive carries only some of the files it lists. */
export function isIncremental(manifest: Manifest): boolean {
  return manifest.mode === "incremental";
}

const HEX64 = /^[0-9a-f]{64}$/u;
/** The exact bytes written into the archive; the signature and `previous` are over these bytes. */
export function serializeManifest(manifest: Manifest): Buffer {
  const ordered: Manifest = {
    format: manifest.format,
    kind: manifest.kind,
    till: manifest.till,
    name: manifest.name,
    created: manifest.created,
    sequence: manifest.sequence,
    previous: manifest.previous,
    ...(manifest.mode === undefined ? {} : { mode: manifest.mode }),
    ...(manifest.base === undefined ? {} : { base: manifest.base }),
    files: manifest.files.map((file) => ({
      path: file.path,
      size: file.size,
      sha256: file.sha256,
    })),
  };
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, "utf8");
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Problems quoted in the message; the details hold them all. */
const SHOWN_PROBLEMS = 10;

function invalid(problems: string[], hint = INVALID_HINT): CaisseError {
  const more =
    problems.length > SHOWN_PROBLEMS ? `; and ${problems.length - SHOWN_PROBLEMS} more` : "";
  return new CaisseError(
    "E_MANIFEST_INVALID",
    `${MANIFEST_NAME_FOR_MESSAGES} is invalid: ${problems.slice(0, SHOWN_PROBLEMS).join("; ")}${more}`,
    { details: { problems: problems.slice(0, MAX_PROBLEMS_KEPT) }, hint },
  );
}

const INVALID_HINT =
  "the archive was not made by caisse-export, or was altered on the way; ask the store to run 'caisse-export run' again.";

/** Problems kept in the details (a manifest of 10,000 bad files has 10,000 problems). */
const MAX_PROBLEMS_KEPT = 100;

const MANIFEST_NAME_FOR_MESSAGES = "caisse-manifest.json";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Bounds on an untrusted manifest, checked before any field is examined. */
export interface ManifestBounds {
  /** Largest manifest, in bytes. */
  maxBytes: number;
  /** Longest string in it, in characters. */
  maxString: number;
}

const DEFAULT_BOUNDS: ManifestBounds = {
  maxBytes: DEFAULT_LIMITS.maxManifestBytes,
  maxString: DEFAULT_LIMITS.maxManifestString,
};

/**
 * Parses and validates manifest bytes taken from an untrusted archive. Reports every problem at
 * once (E_MANIFEST_INVALID). Unknown fields are ignored, so that later versions can add some.
 * The size, nesting, string lengths and repeated keys are checked first, in one linear pass, so
 * that no later check (nor a message quoting a value) costs more than the manifest's size.
 */
export function parseManifest(bytes: Buffer, bounds: ManifestBounds = DEFAULT_BOUNDS): Manifest {
  if (bytes.length > bounds.maxBytes) {
    throw invalid(
      [`it holds ${bytes.length} bytes; at most ${bounds.maxBytes} (limits.maxManifestBytes)`],
      LIMIT_HINT,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid(["not valid UTF-8"]);
  }
  const shape = jsonShapeProblem(text, {
    maxDepth: MAX_MANIFEST_DEPTH,
    maxString: bounds.maxString,
  });
  if (shape?.kind === "string") {
    throw invalid([`${shape.message} (limits.maxManifestString)`], LIMIT_HINT);
  }
  if (shape !== undefined) throw invalid([shape.message]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid([
      `not valid JSON (${error instanceof Error ? truncated(error.message, 200) : "unreadable"})`,
    ]);
  }
  if (!isRecord(value)) throw invalid(["not a JSON object"]);
  const problems: string[] = [];
  const { format, kind, till, name, created, sequence, previous, mode, base, files } = value;
  if (format !== MANIFEST_FORMAT)
    problems.push(`format is ${shownValue(format)}, expected "${MANIFEST_FORMAT}"`);
  if (kind !== "sales" && kind !== "catalog")
    problems.push(`kind is ${shownValue(kind)}, expected "sales" or "catalog"`);
  if (typeof till !== "string") problems.push("till is not a string");
  else {
    const problem = tillRefProblem(till);
    if (problem !== undefined) problems.push(`till: ${escapeUnprintable(problem)}`);
  }
  if (typeof name !== "string") problems.push("name is not a string");
  if (typeof created !== "string" || parseInstant(created) === undefined) {
    problems.push(
      `created is ${shownValue(created)}, expected a real date and time in ISO 8601 with offset`,
    );
  }
  if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 1) {
    problems.push(`sequence is ${shownValue(sequence)}, expected a whole number from 1`);
  }
  if (previous !== null && (typeof previous !== "string" || !HEX64.test(previous))) {
    problems.push("previous is neither null nor a SHA-256 in lower-case hex");
  }
  problems.push(...modeProblems(mode, base, sequence));
  const checkedFiles: ManifestFile[] = [];
  if (!Array.isArray(files)) problems.push("files is not an array");
  else {
    files.forEach((file: unknown, index) => {
      const where = `files[${index}]`;
      if (!isRecord(file)) {
        problems.push(`${where} is not an object`);
        return;
      }
      const { path, size, sha256 } = file;
      if (typeof path !== "string") problems.push(`${where}.path is not a string`);
      else {
        const reason = unsafeNameReason(path);
        const quoted = shownValue(path);
        if (reason !== undefined)
          problems.push(`${where}.path ${quoted}: ${escapeUnprintable(reason)}`);
        else if (path.endsWith("/")) problems.push(`${where}.path ${quoted} is a folder`);
        else if (isReservedName(path)) problems.push(`${where}.path ${quoted} is a reserved name`);
      }
      if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
        problems.push(`${where}.size is not a whole number of bytes`);
      }
      if (typeof sha256 !== "string" || !HEX64.test(sha256)) {
        problems.push(`${where}.sha256 is not a SHA-256 in lower-case hex`);
      }
      if (typeof path === "string" && typeof size === "number" && typeof sha256 === "string") {
        // `-0` is a whole number too; the size is kept as 0.
        checkedFiles.push({ path, size: size + 0, sha256 });
      }
    });
  }
  if (problems.length > 0) throw invalid(problems);
  return {
    format: MANIFEST_FORMAT,
    kind: kind as ArchiveKind,
    till: till as string,
    name: name as string,
    created: created as string,
    sequence: sequence as number,
    previous: previous as string | null,
    ...(mode === undefined ? {} : { mode: mode as ArchiveMode }),
    ...(base === undefined ? {} : { base: base as number }),
    files: checkedFiles,
  };
}

/**
 * `mode` and `base`: both absent (a full archive of an older till), `full` without a base, or
 * `incremental` with a base below the archive's own sequence (an archive cannot build on itself
 * or on one the till has not made yet).
 */
function modeProblems(mode: unknown, base: unknown, sequence: unknown): string[] {
  if (mode === undefined || mode === "full") {
    return base === undefined
      ? []
      : [`base is ${shownValue(base)}, but the archive is not incremental`];
  }
  if (mode !== "incremental") {
    return [`mode is ${shownValue(mode)}, expected "full" or "incremental"`];
  }
  if (typeof base !== "number" || !Number.isSafeInteger(base) || base < 1) {
    return [`base is ${shownValue(base)}, expected the sequence of the full archive it builds on`];
  }
  if (typeof sequence === "number" && base >= sequence) {
    return [`base is ${base}, not below the archive's own sequence ${sequence}`];
  }
  return [];
}

const LIMIT_HINT =
  "a genuine archive does not come near this limit; if this one is genuine, raise the limit named in caisse-central.json.";

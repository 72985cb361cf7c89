/**
 * An entry's name, from its raw bytes to the name the reader uses: decoded (UTF-8 or CP437, or
 * the Unicode Path field), then checked against the name rules of `../names.ts`.
 */
import { getFileNameLowLevel, type ExtraField } from "yauzl";
import type { CaisseError } from "../../errors.js";
import { pathLimitProblem, unsafeNameReason, type PathLimits } from "../names.js";
import { FLAG_UTF8 } from "./format.js";
import { quoteName, refuse } from "./refuse.js";
import { unicodePath } from "./unicodePath.js";
import { decodeUtf8, lossyName } from "./utf8.js";

/**
 * The entry's name as the reader will use it, after every name check (E_ARCHIVE_UNSAFE_PATH).
 *
 * Decoding: flagged UTF-8 (bit 11) must be valid UTF-8; an unflagged name that is valid UTF-8 is
 * read as UTF-8, since many tools write UTF-8 without the flag; anything else is CP437, as the
 * zip specification says. A valid Info-ZIP Unicode Path field (0x7075) gives the name when the
 * name itself is CP437 (its purpose); when the name is UTF-8 the two must agree.
 */
export function entryName(
  flags: number,
  raw: Buffer,
  extraFields: readonly ExtraField[],
  limits: PathLimits,
): string {
  // Before decoding: a name may be 64 KiB, and a UTF-8 character is at most 4 bytes.
  if (raw.length > limits.maxPathLength * 4) {
    throw pathTooLong(lossyName(raw.subarray(0, limits.maxPathLength * 4)), limits, "length");
  }
  // On the raw bytes, before decoding: CP437 would turn control bytes into glyphs (0x0A -> ◙).
  const control = raw.findIndex((byte) => byte < 0x20 || byte === 0x7f);
  if (control >= 0) {
    const code = (raw[control] ?? 0).toString(16).toUpperCase().padStart(4, "0");
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "unsafe-name",
      lossyName(raw),
      `the name contains the control character U+${code}`,
    );
  }
  const decoded = decodeRawName(flags, raw);
  const unicode = unicodePath(raw, extraFields, decoded.name);
  if (unicode === undefined || unicode === decoded.name) return checkedName(decoded.name, limits);
  if (decoded.encoding === "utf8") {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "unicode-path",
      decoded.name,
      `the Info-ZIP Unicode Path field names it ${quoteName(unicode)} instead`,
    );
  }
  // Both readings must be safe: another tool may well use the CP437 one.
  checkedName(decoded.name, limits);
  return checkedName(unicode, limits);
}

function decodeRawName(flags: number, raw: Buffer): { name: string; encoding: "utf8" | "cp437" } {
  const name = decodeUtf8(raw);
  if (name !== undefined) return { name, encoding: "utf8" };
  if ((flags & FLAG_UTF8) !== 0) {
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "name-encoding",
      lossyName(raw),
      "the name is flagged as UTF-8 (general purpose flag bit 11) but its bytes are not valid UTF-8",
    );
  }
  // yauzl's CP437 table: flags 0 (not UTF-8), no extra fields, no backslash rewriting.
  return { name: getFileNameLowLevel(0, raw, [], true), encoding: "cp437" };
}

function checkedName(name: string, limits: PathLimits): string {
  const problem = pathLimitProblem(name, limits);
  if (problem !== undefined) throw pathTooLong(name, limits, problem);
  const reason = unsafeNameReason(name);
  if (reason !== undefined) throw refuse("E_ARCHIVE_UNSAFE_PATH", "unsafe-name", name, reason);
  return name;
}

function pathTooLong(name: string, limits: PathLimits, problem: "length" | "depth"): CaisseError {
  return refuse(
    "E_ARCHIVE_PATH_TOO_LONG",
    "path-limits",
    name,
    problem === "length"
      ? `the path is longer than ${limits.maxPathLength} characters (limits.maxPathLength)`
      : `the path has more than ${limits.maxPathDepth} levels (limits.maxPathDepth)`,
  );
}

/**
 * The Info-ZIP Unicode Path extra field (0x7075): a UTF-8 name that some tools store beside a
 * CP437 one. Two readers of the same zip may use either name, so the field is used only when it
 * is unique, of a known version and current (its CRC matches the name it stands for).
 */
import type { ExtraField } from "yauzl";
import type { CaisseError } from "../../errors.js";
import { crc32 } from "node:zlib";
import { UNICODE_PATH_FIELD } from "./format.js";
import { refuse } from "./refuse.js";
import { decodeUtf8 } from "./utf8.js";

/** The name an Info-ZIP Unicode Path field gives, or undefined when there is none. */
export function unicodePath(
  raw: Buffer,
  extraFields: readonly ExtraField[],
  name: string,
): string | undefined {
  const fields = extraFields.filter((field) => field.id === UNICODE_PATH_FIELD);
  const [field] = fields;
  if (field === undefined) return undefined;
  const mismatch = (problem: string): CaisseError =>
    refuse("E_ARCHIVE_HEADER_MISMATCH", "unicode-path", name, problem);
  if (fields.length > 1) throw mismatch("it has two Info-ZIP Unicode Path fields");
  if (field.data.length < 5 || field.data[0] !== 1) {
    throw mismatch("it has an Info-ZIP Unicode Path field of an unknown version");
  }
  // Readers that honour the field's CRC would ignore it; those that do not would use another
  // name than ours. No till writes a stale field, so it is refused rather than guessed about.
  if (field.data.readUInt32LE(1) !== crc32(raw)) {
    throw mismatch(
      "the Info-ZIP Unicode Path field is stale: its CRC does not match the name (renamed afterwards?)",
    );
  }
  const unicode = decodeUtf8(field.data.subarray(5));
  if (unicode === undefined) {
    throw refuse(
      "E_ARCHIVE_UNSAFE_PATH",
      "name-encoding",
      name,
      "the Info-ZIP Unicode Path field is not valid UTF-8",
    );
  }
  return unicode;
}

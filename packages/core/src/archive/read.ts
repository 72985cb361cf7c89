/**
 * The safe archive reader (see docs/security.md#the-checks). Archives come from the network and are
 * untrusted: `openArchive` checks the whole structure of the zip before a byte of content is
 * extracted, and `extractTo` writes the data entries into a fresh staging folder while checking
 * every byte against the headers and the manifest. The caller (the central import) checks the till,
 * the signature and the sequence between the two.
 *
 * yauzl finds the end record and walks the central directory; everything it leaves to its users
 * (CRCs, links, overlapping entries, duplicate names, local headers, name encodings, limits) is
 * checked here. The reasons behind each choice are in docs/decisions.md, "The archive reader".
 *
 * This module is the public entry; the reader lives in `read/`, one module per concern.
 */
export {
  DEFAULT_LIMITS,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  RATIO_EXEMPT_BYTES,
  type ArchiveLimits,
} from "./read/limits.js";
export { openArchive, type OpenArchiveOptions } from "./read/openArchive.js";
export type {
  ArchiveEntryInfo,
  ExtractedFile,
  ExtractOptions,
  OpenedArchive,
} from "./read/types.js";

/** Entry types, encryption and compression methods: what one central directory record may be. */
import type { Entry } from "yauzl";
import type { CaisseError } from "../../errors.js";
import { FLAG_ENCRYPTED, FLAG_MASKED_HEADERS, FLAG_STRONG_ENCRYPTION } from "./format.js";
import { refuse } from "./refuse.js";

const HOST_UNIX = 3;
const HOST_DARWIN = 19;
const DOS_DIRECTORY = 0x10;
const DOS_REPARSE_POINT = 0x400;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const SPECIAL_TYPES: Readonly<Record<number, string>> = {
  0o010000: "a FIFO",
  0o020000: "a character device",
  0o060000: "a block device",
  0o140000: "a socket",
};

/**
 * Links and special files are refused; so is an entry whose attributes and name disagree on
 * being a folder, since extractors would then disagree on what to create. Unix mode bits are
 * read for Unix and macOS hosts; the link type and the Windows reparse-point attribute are
 * refused whatever the host claims.
 */
export function checkEntryType(entry: Entry, name: string, directory: boolean): void {
  const attributes = entry.externalFileAttributes >>> 0;
  const mode = attributes >>> 16;
  const type = mode & S_IFMT;
  const host = entry.versionMadeBy >>> 8;
  const octal = mode.toString(8).padStart(6, "0");
  if (type === S_IFLNK) {
    throw refuse(
      "E_ARCHIVE_LINK",
      "link",
      name,
      `it is a symbolic link (Unix mode ${octal}); links are refused`,
    );
  }
  if ((attributes & DOS_REPARSE_POINT) !== 0) {
    throw refuse(
      "E_ARCHIVE_LINK",
      "link",
      name,
      "it has the Windows reparse-point attribute (a link or junction); links are refused",
    );
  }
  const wrongType = (problem: string): CaisseError =>
    refuse("E_ARCHIVE_ENTRY_TYPE", "entry-type", name, problem);
  if ((host === HOST_UNIX || host === HOST_DARWIN) && type !== 0) {
    const special = SPECIAL_TYPES[type];
    if (type !== S_IFREG && type !== S_IFDIR) {
      throw wrongType(
        `it is ${special ?? "of an unknown type"} (Unix mode ${octal}); only regular files and folders are accepted`,
      );
    }
    if (type === S_IFDIR && !directory)
      throw wrongType(`its Unix mode (${octal}) says folder but its name does not end with '/'`);
    if (type === S_IFREG && directory)
      throw wrongType(`its Unix mode (${octal}) says regular file but its name ends with '/'`);
  }
  if ((attributes & DOS_DIRECTORY) !== 0 && !directory) {
    throw wrongType("it has the folder attribute but its name does not end with '/'");
  }
  if (directory && entry.uncompressedSize > 0) {
    throw wrongType(`it is a folder but declares ${entry.uncompressedSize} bytes of content`);
  }
}

export function checkEncryption(flags: number, name: string): void {
  const bits = [
    [FLAG_ENCRYPTED, 0],
    [FLAG_STRONG_ENCRYPTION, 6],
    [FLAG_MASKED_HEADERS, 13],
  ].filter(([flag = 0]) => (flags & flag) !== 0);
  if (bits.length > 0) {
    throw refuse(
      "E_ARCHIVE_ENCRYPTED",
      "encrypted",
      name,
      `it is encrypted (general purpose flag bit ${bits.map(([, bit]) => bit).join(", ")}); encrypted entries are refused`,
    );
  }
}

const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: "shrink",
  2: "reduce",
  3: "reduce",
  4: "reduce",
  5: "reduce",
  6: "implode",
  9: "deflate64",
  10: "PKWARE implode",
  12: "bzip2",
  14: "LZMA",
  18: "IBM TERSE",
  19: "IBM LZ77",
  93: "Zstandard",
  94: "MP3",
  95: "XZ",
  96: "JPEG",
  97: "WavPack",
  98: "PPMd",
  99: "AES",
};

export function checkMethod(method: number, name: string): "store" | "deflate" {
  if (method === 0) return "store";
  if (method === 8) return "deflate";
  const known = METHOD_NAMES[method];
  throw refuse(
    "E_ARCHIVE_METHOD",
    "method",
    name,
    `it uses compression method ${method}${known === undefined ? "" : ` (${known})`}; only 0 (store) and 8 (deflate) are accepted`,
  );
}

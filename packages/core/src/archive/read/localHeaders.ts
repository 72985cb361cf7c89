/**
 * Local headers: read for every entry (they say where its data starts), then compared with the
 * central directory, since a streaming unzip reads them alone.
 */
import { parseExtraFields, type ExtraField } from "yauzl";
import type { PathLimits } from "../names.js";
import { entryName } from "./entryName.js";
import { errorMessage } from "./errors.js";
import {
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_MASKED_HEADERS,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  UNICODE_PATH_FIELD,
  ZIP64_FIELD,
} from "./format.js";
import { checkRanges } from "./overlap.js";
import { readAt } from "./reader.js";
import { hex16, hex32, quoteName, refuse } from "./refuse.js";
import type { CheckedEntry, LocatedEntry, ScanContext } from "./types.js";
import { lossyName } from "./utf8.js";

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_MARK = 0xffffffff;

interface LocalHeader {
  readonly signature: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly name: Buffer;
  readonly extra: Buffer;
}

/**
 * Reads every local header, then checks that no two entries share bytes and none reaches the
 * central directory (what catches Fifield's overlapping zip bombs), then that each local header
 * agrees with its central record. Overlaps come first: in a bomb they are the real problem.
 */
export async function locateEntries(
  context: ScanContext,
  entries: readonly CheckedEntry[],
  centralDirectoryStart: number,
): Promise<LocatedEntry[]> {
  const located: { entry: LocatedEntry; local: LocalHeader }[] = [];
  for (const entry of entries) {
    const local = await readLocalHeader(context, entry, centralDirectoryStart);
    const dataStart =
      entry.entry.relativeOffsetOfLocalHeader +
      LOCAL_HEADER_BYTES +
      local.name.length +
      local.extra.length;
    located.push({ entry: { ...entry, dataStart }, local });
  }
  checkRanges(
    located.map(({ entry }) => ({
      name: entry.info.name,
      start: entry.entry.relativeOffsetOfLocalHeader,
      end: entry.dataStart + entry.info.compressedSize,
    })),
    centralDirectoryStart,
  );
  for (const { entry, local } of located) compareLocalHeader(entry, local, context.limits);
  return located.map(({ entry }) => entry);
}

async function readLocalHeader(
  context: ScanContext,
  checked: CheckedEntry,
  centralDirectoryStart: number,
): Promise<LocalHeader> {
  const { name } = checked.info;
  const offset = checked.entry.relativeOffsetOfLocalHeader;
  if (offset + LOCAL_HEADER_BYTES > centralDirectoryStart) {
    throw refuse(
      "E_ARCHIVE_OVERLAP",
      "overlap",
      name,
      `its local header offset (${offset}) is not before the central directory (byte ${centralDirectoryStart})`,
    );
  }
  const fixed = await readAt(context.handle, offset, LOCAL_HEADER_BYTES, context.archive);
  const signature = fixed.readUInt32LE(0);
  if (signature !== LOCAL_HEADER_SIGNATURE) {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "local-header",
      name,
      `there is no local header at offset ${offset} (found 0x${signature.toString(16).padStart(8, "0")}, expected 0x04034b50)`,
    );
  }
  const nameLength = fixed.readUInt16LE(26);
  const extraLength = fixed.readUInt16LE(28);
  const variable = await readAt(
    context.handle,
    offset + LOCAL_HEADER_BYTES,
    nameLength + extraLength,
    context.archive,
  );
  if (variable.length < nameLength + extraLength) {
    throw refuse(
      "E_ARCHIVE_TRUNCATED",
      "truncated",
      name,
      `its local header at offset ${offset} runs past the end of the file`,
    );
  }
  return {
    signature,
    flags: fixed.readUInt16LE(6),
    method: fixed.readUInt16LE(8),
    crc32: fixed.readUInt32LE(14),
    compressedSize: fixed.readUInt32LE(18),
    uncompressedSize: fixed.readUInt32LE(22),
    name: variable.subarray(0, nameLength),
    extra: variable.subarray(nameLength),
  };
}

// Encryption and name-encoding bits must agree; bit 3 (data descriptor) may legitimately differ.
const COMPARED_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_UTF8 | FLAG_MASKED_HEADERS;

/**
 * A local header that disagrees with the central directory means two readers of the same zip
 * would see two different archives (a streaming unzip reads local headers only).
 */
function compareLocalHeader(located: LocatedEntry, local: LocalHeader, limits: PathLimits): void {
  const { entry, info } = located;
  const differences: string[] = [];
  const differ = (field: string, central: string | number, found: string | number): void => {
    differences.push(`${field}: central directory ${central}, local header ${found}`);
  };
  if (!local.name.equals(entry.fileNameRaw)) {
    differ("name", quoteName(info.name), quoteName(lossyName(local.name)));
  }
  if (local.method !== entry.compressionMethod) {
    differ("method", entry.compressionMethod, local.method);
  }
  if ((local.flags & COMPARED_FLAGS) !== (entry.generalPurposeBitFlag & COMPARED_FLAGS)) {
    differ("flags", hex16(entry.generalPurposeBitFlag), hex16(local.flags));
  }
  const localFields = localExtraFields(local, info.name);
  // With a data descriptor (bit 3) the local CRC and sizes are zeros by design.
  if ((local.flags & FLAG_DATA_DESCRIPTOR) === 0) {
    const sizes = localSizes(local, localFields);
    if (local.crc32 !== entry.crc32) differ("CRC-32", hex32(entry.crc32), hex32(local.crc32));
    if (sizes.compressed !== entry.compressedSize) {
      differ("compressed size", entry.compressedSize, sizes.compressed);
    }
    if (sizes.uncompressed !== entry.uncompressedSize) {
      differ("uncompressed size", entry.uncompressedSize, sizes.uncompressed);
    }
  }
  if (differences.length === 0 && localFields.some((field) => field.id === UNICODE_PATH_FIELD)) {
    const localName = entryName(local.flags, local.name, localFields, limits);
    if (localName !== info.name) {
      differ("Unicode Path field", quoteName(info.name), quoteName(localName));
    }
  }
  if (differences.length > 0) {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "local-header",
      info.name,
      `the local header disagrees with the central directory (${differences.join("; ")})`,
      { details: { differences } },
    );
  }
}

function localExtraFields(local: LocalHeader, name: string): ExtraField[] {
  try {
    return parseExtraFields(local.extra);
  } catch (error) {
    throw refuse(
      "E_ARCHIVE_HEADER_MISMATCH",
      "local-header",
      name,
      `the local header's extra field is malformed (${errorMessage(error)})`,
      {
        cause: error,
      },
    );
  }
}

/** The local sizes, from the Zip64 extra field when the 32-bit fields hold 0xFFFFFFFF. */
function localSizes(
  local: LocalHeader,
  fields: readonly ExtraField[],
): { compressed: number; uncompressed: number } {
  let { compressedSize: compressed, uncompressedSize: uncompressed } = local;
  const zip64 = fields.find((field) => field.id === ZIP64_FIELD)?.data;
  if (zip64 === undefined) return { compressed, uncompressed };
  // In a local header the field holds both sizes, uncompressed first (APPNOTE 4.5.3).
  if (uncompressed === ZIP64_MARK && zip64.length >= 8) {
    uncompressed = Number(zip64.readBigUInt64LE(0));
  }
  if (compressed === ZIP64_MARK && zip64.length >= 16) {
    compressed = Number(zip64.readBigUInt64LE(8));
  }
  return { compressed, uncompressed };
}

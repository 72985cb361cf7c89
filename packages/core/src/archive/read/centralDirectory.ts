/**
 * The central directory, record by record through yauzl, each record checked as it comes: name,
 * type, encryption, method, role and collisions with the names before it.
 */
import type { Entry, ZipFile } from "yauzl";
import { CaisseError } from "../../errors.js";
import type { PathLimits } from "../names.js";
import { entryName } from "./entryName.js";
import { checkEncryption, checkEntryType, checkMethod } from "./entryType.js";
import { errorMessage, structureError } from "./errors.js";
import { NameIndex } from "./nameIndex.js";
import { readAt } from "./reader.js";
import { refuse } from "./refuse.js";
import { roleOf } from "./roleOf.js";
import type { ArchiveEntryInfo, CheckedEntry, ScanContext } from "./types.js";

/**
 * yauzl keeps the position of the next central directory record in `readEntryCursor` (a public
 * field, typed wrongly as a boolean in @types/yauzl). Read before the first entry it is where
 * the central directory starts, which no entry's data may reach.
 */
export function entryCursor(zipfile: ZipFile): number {
  const cursor: unknown = (zipfile as unknown as { readEntryCursor: unknown }).readEntryCursor;
  if (typeof cursor !== "number") {
    throw new CaisseError("E_INTERNAL", "yauzl no longer exposes readEntryCursor as a number");
  }
  return cursor;
}

/** The next central directory record, or undefined at the end. */
function nextEntry(zipfile: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolvePromise, reject) => {
    const onEntry = (entry: Entry): void => {
      stopListening();
      resolvePromise(entry);
    };
    const onEnd = (): void => {
      stopListening();
      resolvePromise(undefined);
    };
    const onError = (error: Error): void => {
      stopListening();
      reject(error);
    };
    const stopListening = (): void => {
      zipfile.off("entry", onEntry).off("end", onEnd).off("error", onError);
    };
    zipfile.on("entry", onEntry).on("end", onEnd).on("error", onError);
    zipfile.readEntry();
  });
}

export async function readCentralDirectory(context: ScanContext): Promise<CheckedEntry[]> {
  const names = new NameIndex();
  const checked: CheckedEntry[] = [];
  for (;;) {
    let entry: Entry | undefined;
    try {
      entry = await nextEntry(context.zipfile);
    } catch (error) {
      throw await centralDirectoryError(context, error);
    }
    if (entry === undefined) return checked;
    checked.push(checkCentralEntry(entry, names, context.limits));
  }
}

/**
 * yauzl stops at an entry with the strong-encryption flag before it reads the entry's name; read
 * the name ourselves (the record is at yauzl's cursor) so that the message can name it.
 */
async function centralDirectoryError(context: ScanContext, error: unknown): Promise<CaisseError> {
  if (errorMessage(error) !== "strong encryption is not supported") {
    return structureError(context.archive, error);
  }
  const cursor = entryCursor(context.zipfile);
  const record = await readAt(context.handle, cursor, 46, context.archive);
  const nameLength = record.length === 46 ? record.readUInt16LE(28) : 0;
  const name = new TextDecoder().decode(
    await readAt(context.handle, cursor + 46, nameLength, context.archive),
  );
  return refuse(
    "E_ARCHIVE_ENCRYPTED",
    "encrypted",
    name,
    "it uses strong encryption (general purpose flag bit 6); encrypted entries are refused",
    { cause: error },
  );
}

/** Every check on one central directory record, in the order a reader would meet the problems. */
function checkCentralEntry(entry: Entry, names: NameIndex, limits: PathLimits): CheckedEntry {
  const name = entryName(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, limits);
  const directory = name.endsWith("/");
  checkEntryType(entry, name, directory);
  checkEncryption(entry.generalPurposeBitFlag, name);
  const method = checkMethod(entry.compressionMethod, name);
  if (method === "store" && entry.compressedSize !== entry.uncompressedSize) {
    throw refuse(
      "E_ARCHIVE_SIZE_MISMATCH",
      "stored-size",
      name,
      `it is stored without compression but declares ${entry.compressedSize} compressed and ${entry.uncompressedSize} uncompressed bytes`,
    );
  }
  const role = roleOf(name);
  names.add(name, directory);
  const info: ArchiveEntryInfo = {
    name,
    directory,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    crc32: entry.crc32,
    method,
  };
  return { entry, info, role };
}

/** Reading an entry's content: from where its data starts, through inflate and the checks. */
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import type { ZipFile } from "yauzl";
import { ContentCheck } from "./contentCheck.js";
import { contentError, ignore, structureError } from "./errors.js";
import type { LocatedEntry } from "./types.js";

/**
 * The entry's compressed bytes, from where our own reading of its local header says they start.
 * Not yauzl's openReadStreamLowLevelPromise: in yauzl 3.4 it calls openReadStream with these
 * arguments and fails ("entry.isEncrypted is not a function").
 */
function openRawStream(zipfile: ZipFile, located: LocatedEntry): Promise<Readable> {
  const { compressedSize } = located.info;
  return new Promise((resolvePromise, reject) => {
    zipfile.openReadStreamLowLevel(
      located.dataStart,
      compressedSize,
      0,
      compressedSize,
      false,
      null,
      (error, stream) => {
        if (error === null) resolvePromise(stream);
        else reject(error);
      },
    );
  });
}

/**
 * Streams one entry through inflate (if deflated) and the content checks into `sink`. `target`
 * names the destination in I/O error messages. Every stream has an error listener and pipeline()
 * destroys them all on the first failure, so no promise waits on a dead stream.
 */
export async function streamEntry(
  zipfile: ZipFile,
  located: LocatedEntry,
  sink: Writable,
  target: string,
): Promise<{ size: number; sha256: string }> {
  const { info } = located;
  let raw: Readable;
  try {
    raw = await openRawStream(zipfile, located);
  } catch (error) {
    throw structureError(target, error, info.name);
  }
  const check = new ContentCheck(info);
  const inflate = info.method === "deflate" ? zlib.createInflateRaw() : undefined;
  // yauzl forwards errors between its inner streams with setImmediate: one can arrive after
  // pipeline() has settled, and an 'error' without listener would crash the process.
  for (const stream of [raw, inflate, check, sink]) stream?.on("error", ignore);
  try {
    if (inflate === undefined) await pipeline(raw, check, sink);
    else await pipeline(raw, inflate, check, sink);
  } catch (error) {
    throw contentError(error, info.name, target);
  }
  return { size: info.uncompressedSize, sha256: check.digest() };
}

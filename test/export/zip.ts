import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import yauzl from "yauzl";

/** One entry of a zip as an independent reader (yauzl) sees it. */
export interface ZipEntryContent {
  name: string;
  content: Buffer;
  /** Unix mode from the external attributes (`0o100644` for a regular file). */
  mode: number;
  /** 0 store, 8 deflate. */
  method: number;
  lastModified: Date;
  utf8Flag: boolean;
}

/** Reads every entry of a zip, in order, with its content. */
export async function readZip(path: string): Promise<ZipEntryContent[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true });
  const entries: ZipEntryContent[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("error", reject);
      zip.on("end", () => {
        resolve();
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (error, stream) => {
          if (error !== null) {
            reject(error);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("error", reject);
          stream.on("end", () => {
            entries.push({
              name: entry.fileName,
              content: Buffer.concat(chunks),
              mode: entry.externalFileAttributes >>> 16,
              method: entry.compressionMethod,
              lastModified: entry.getLastModDate(),
              utf8Flag: (entry.generalPurposeBitFlag & 0x800) !== 0,
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return entries;
}

export function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function sha256OfFile(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/** The manifest and the signature: read into memory, within their caps, before any extraction. */
import { Writable } from "node:stream";
import type { ErrorCode } from "../../errors.js";
import { parseManifest } from "../manifest.js";
import { MANIFEST_NAME, SIGNATURE_NAME } from "../names.js";
import { MAX_SIGNATURE_BYTES } from "./limits.js";
import { describeBytes, refuse } from "./refuse.js";
import { streamEntry } from "./streamEntry.js";
import type { LocatedEntry, Scan, ScanContext } from "./types.js";
import { decodeUtf8 } from "./utf8.js";

/** Reads a small entry (manifest, signature) into memory, capped at `cap` bytes. */
async function readSmallEntry(
  context: ScanContext,
  located: LocatedEntry,
  cap: number,
  code: ErrorCode,
): Promise<Buffer> {
  const { name, uncompressedSize } = located.info;
  if (uncompressedSize > cap) {
    throw refuse(
      code,
      "small-entry-size",
      name,
      `it declares ${describeBytes(uncompressedSize)}; at most ${describeBytes(cap)} is read`,
    );
  }
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      chunks.push(chunk);
      callback();
    },
  });
  await streamEntry(context.zipfile, located, sink, `${context.archive} (${name})`);
  return Buffer.concat(chunks);
}

export async function readManifest(
  context: ScanContext,
  entries: readonly LocatedEntry[],
): Promise<Scan["manifest"]> {
  const entry = entries.find((candidate) => candidate.role === "manifest");
  if (entry === undefined) return undefined;
  const { maxManifestBytes, maxManifestString } = context.limits;
  const bytes = await readSmallEntry(context, entry, maxManifestBytes, "E_MANIFEST_INVALID");
  return {
    bytes,
    value: parseManifest(bytes, { maxBytes: maxManifestBytes, maxString: maxManifestString }),
  };
}

export async function readSignature(
  context: ScanContext,
  entries: readonly LocatedEntry[],
  hasManifest: boolean,
): Promise<string | undefined> {
  const entry = entries.find((candidate) => candidate.role === "signature");
  if (entry === undefined) return undefined;
  if (!hasManifest) {
    throw refuse(
      "E_MANIFEST_INVALID",
      "signature-without-manifest",
      SIGNATURE_NAME,
      `the archive has a signature but no '${MANIFEST_NAME}' for it to sign`,
    );
  }
  const bytes = await readSmallEntry(context, entry, MAX_SIGNATURE_BYTES, "E_ARCHIVE_SIGNATURE");
  const line = decodeUtf8(bytes)?.trim();
  if (line === undefined || line === "" || /\p{Cc}/u.test(line)) {
    throw refuse(
      "E_ARCHIVE_SIGNATURE",
      "signature-format",
      SIGNATURE_NAME,
      "the signature file must hold exactly one line of UTF-8 text",
    );
  }
  return line;
}

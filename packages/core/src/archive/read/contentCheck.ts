import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";
import { hex32, refuse } from "./refuse.js";
import type { ArchiveEntryInfo } from "./types.js";

/**
 * Counts, CRCs and hashes an entry's content on its way through, and fails as soon as the content
 * is longer than declared: the declared size (already within the limits) caps what is inflated.
 */
export class ContentCheck extends Transform {
  readonly #info: ArchiveEntryInfo;
  readonly #hash = createHash("sha256");
  #size = 0;
  #crc = 0;

  constructor(info: ArchiveEntryInfo) {
    super();
    this.#info = info;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.#info.uncompressedSize) {
      callback(
        refuse(
          "E_ARCHIVE_SIZE_MISMATCH",
          "size",
          this.#info.name,
          `its content is larger than the ${this.#info.uncompressedSize} bytes its headers declare (stopped after ${this.#size} bytes)`,
        ),
      );
      return;
    }
    this.#crc = crc32(chunk, this.#crc);
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { name, uncompressedSize, crc32: declared } = this.#info;
    if (this.#size !== uncompressedSize) {
      callback(
        refuse(
          "E_ARCHIVE_SIZE_MISMATCH",
          "size",
          name,
          `its content is ${this.#size} bytes but its headers declare ${uncompressedSize}`,
        ),
      );
    } else if (this.#crc !== declared) {
      callback(
        refuse(
          "E_ARCHIVE_CRC",
          "crc",
          name,
          `its content has CRC-32 ${hex32(this.#crc)} but its headers declare ${hex32(declared)}`,
        ),
      );
    } else {
      callback();
    }
  }

  /** SHA-256 of the content; once the stream has ended. */
  digest(): string {
    return this.#hash.digest("hex");
  }
}

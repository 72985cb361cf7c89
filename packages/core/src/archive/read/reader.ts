/**
 * The archive file, read through one handle that we open and close ourselves: our own reads of
 * its headers and yauzl's (through `HandleReader`) go through it.
 */
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { RandomAccessReader } from "yauzl";
import { ioError } from "../../errors.js";

export async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (error) {
    throw ioError("open the archive", path, error);
  }
}

export async function sizeOf(handle: FileHandle, path: string): Promise<number> {
  try {
    return (await handle.stat()).size;
  } catch (error) {
    throw ioError("read the archive", path, error);
  }
}

/** Up to `length` bytes at `position`; fewer at the end of the file. */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  path: string,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  try {
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw ioError("read the archive", path, error);
  }
}

/**
 * yauzl reads through this, so that yauzl and our own header reads share one file descriptor
 * that we open and close ourselves: no second open that could see a replaced file, and no
 * descriptor closed behind our back.
 */
export class HandleReader extends RandomAccessReader {
  readonly #handle: FileHandle;

  constructor(handle: FileHandle) {
    super();
    this.#handle = handle;
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return new RangeStream(this.#handle, start, end);
  }

  /**
   * yauzl reads each central directory record through this; the default goes through a stream
   * per read, several times slower. `bytesRead` is how yauzl detects the end of the file.
   */
  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (error: Error | null, bytesRead?: number) => void,
  ): void {
    this.#handle.read(buffer, offset, length, position).then(
      ({ bytesRead }) => {
        callback(null, bytesRead);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}

/**
 * Bytes [start, end) of the file by positional reads. Not `handle.createReadStream()`: a Node
 * file stream closes its handle when destroyed, whatever `autoClose` says, and yauzl destroys
 * its streams.
 */
class RangeStream extends Readable {
  readonly #handle: FileHandle;
  readonly #end: number;
  #position: number;

  constructor(handle: FileHandle, start: number, end: number) {
    super();
    this.#handle = handle;
    this.#position = start;
    this.#end = end;
  }

  override _read(size: number): void {
    const length = Math.min(size, this.#end - this.#position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    this.#handle.read(Buffer.allocUnsafe(length), 0, length, this.#position).then(
      ({ bytesRead, buffer }) => {
        // yauzl may destroy the stream while a read is in flight.
        if (this.destroyed) return;
        this.#position += bytesRead;
        // At the end of the file: yauzl's byte counter reports the missing bytes.
        this.push(bytesRead === 0 ? null : buffer.subarray(0, bytesRead));
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

import { createWriteStream } from "node:fs";
import { Transform, Writable } from "node:stream";
import type { TransportEnv } from "./kind.js";
import { DEFAULT_TIMEOUT_MS, remoteError } from "./network.js";

/** The streams of a file moved to or from a server: its time limit, its progress, its size cap. */

/** Time allowed for moving `bytes`: the step limit plus 32 KiB/s, so that big files on slow links pass. */
export function transferTimeout(env: TransportEnv, bytes: number): number {
  return (env.timeoutMs ?? DEFAULT_TIMEOUT_MS) + Math.ceil(bytes / 32);
}

/**
 * A stream that passes bytes through unchanged and reports how many went by, for the bar of a
 * download (`env.onProgress`); `total` is the size the server listed.
 */
export function countedBytes(
  total: number,
  onProgress: ((done: number, total: number) => void) | undefined,
): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      onProgress?.(Math.min(done, total), total);
      callback(null, chunk);
    },
  });
}

/**
 * A file to download into that takes at most `limit` bytes: a server sending more than it listed
 * (a lie, or a file still growing) fails the download before it can fill the central's disk.
 */
export function cappedFile(path: string, limit: number, server: string, step: string): Writable {
  const file = createWriteStream(path, { flags: "wx" });
  let written = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      if (written > limit) {
        callback(
          remoteError(
            "E_REMOTE_REPLY",
            server,
            step,
            `the server sends more than the ${limit} bytes it listed`,
            {
              hint: "the file is left on the server; the next fetch tries again once it has stopped changing.",
            },
          ),
        );
        return;
      }
      file.write(chunk, callback);
    },
    final(callback) {
      file.end(callback);
    },
    destroy(error, callback) {
      file.destroy();
      callback(error);
    },
  });
}

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createRemoteSource, type RemoteEntry, type RemoteSession } from "./remote.js";
import { cappedFile } from "./transfer.js";

let local: string;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), "caisse-remote-source-"));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
});

/** A server whose listing is chosen by the test; downloads write `bytes` bytes. */
function hostile(entries: RemoteEntry[], bytes: number): RemoteSession {
  const refuse = () => Promise.reject(new Error("not in this test"));
  return {
    list: () => Promise.resolve(entries),
    ensureDir: () => Promise.resolve(),
    upload: refuse,
    download: async (_remote, path, limit) => {
      await pipeline(
        Readable.from([Buffer.alloc(bytes)]),
        cappedFile(path, limit, "test server:1", "download"),
      );
    },
    rename: refuse,
    remove: () => Promise.resolve(),
    size: () => Promise.resolve(undefined),
    close: () => Promise.resolve(),
  };
}

const folder = (session: RemoteSession) => ({
  kind: "test",
  server: "test server:1",
  url: "test://server",
  dir: "/depot",
  open: () => Promise.resolve({ session, dir: "/depot" }),
});

describe("remote source", () => {
  it("never takes a listed name that is not a plain file name, a .part or a folder", async () => {
    const source = createRemoteSource(
      "s",
      folder(
        hostile(
          [
            { name: "../evil.zip", size: 5, isFile: true },
            { name: "a/b.zip", size: 5, isFile: true },
            { name: "D01_1.zip.part", size: 5, isFile: true },
            { name: ".hidden.zip", size: 5, isFile: true },
            { name: "dir.zip", size: 0, isFile: false },
            { name: "D01_20261127T230005_000001.zip", size: 5, isFile: true },
          ],
          5,
        ),
      ),
      { env: {} },
    );
    expect((await source.list()).map((item) => item.id)).toEqual([
      "D01_20261127T230005_000001.zip",
    ]);
  });

  it("stops a download at the size listed when the server sends more", async () => {
    const name = "D01_20261127T230005_000001.zip";
    const source = createRemoteSource(
      "s",
      folder(hostile([{ name, size: 10, isFile: true }], 5000)),
      {
        env: {},
      },
    );
    const [item] = await source.list();
    if (item === undefined) throw new Error("no item");
    await expect(source.download(item, local)).rejects.toThrow(
      "test server:1: download: the server sends more than the 10 bytes it listed",
    );
  });

  it("refuses a download that ends short, and one larger than the limit before it starts", async () => {
    const name = "D01_20261127T230005_000001.zip";
    const short = createRemoteSource("s", folder(hostile([{ name, size: 10, isFile: true }], 4)), {
      env: {},
    });
    const [item] = await short.list();
    if (item === undefined) throw new Error("no item");
    await expect(short.download(item, local)).rejects.toThrow(
      `test server:1: download ${name}: received 4 bytes of 10`,
    );
    const large = createRemoteSource("s", folder(hostile([{ name, size: 10, isFile: true }], 10)), {
      env: {},
      maxDownloadBytes: 9,
    });
    const [big] = await large.list();
    if (big === undefined) throw new Error("no item");
    await rm(join(local, name));
    await expect(large.download(big, local)).rejects.toThrow(
      "holds 10 bytes, more than the 9 bytes an archive may have",
    );
    expect(await readdir(local)).toEqual([]);
  });
});

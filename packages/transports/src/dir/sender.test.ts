import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSender } from "../registry.js";
import type { OutgoingArchive } from "../types.js";
import { createDirSender } from "./sender.js";
import { caisseFailure } from "../../../../test/helpers/errors.js";

let root: string;
let share: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "caisse-dir-sender-"));
  share = join(root, "share");
  await mkdir(share);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const NAME = "D01_20261127T230005_000042.zip";

async function outgoing(content: string, name = NAME): Promise<OutgoingArchive> {
  const path = join(root, "outbox.zip");
  await writeFile(path, content);
  return {
    path,
    name,
    size: Buffer.byteLength(content),
    till: "D01",
    tillName: "Magasin 1",
    sequence: 42,
    created: "2026-11-27T23:00:05+01:00",
  };
}

describe("dir sender", () => {
  it("copies the archive under its name and leaves no .part", async () => {
    const sender = createDirSender({ path: share });
    const receipt = await sender.send(await outgoing("zip bytes"));
    expect(receipt.destination).toBe(join(share, NAME));
    expect(await readdir(share)).toEqual([NAME]);
    expect(await readFile(join(share, NAME), "utf8")).toBe("zip bytes");
    await sender.close();
  });

  it("replaces a stale .part left by an interrupted copy, without following a link there", async () => {
    await writeFile(join(root, "elsewhere"), "untouched");
    await symlink(join(root, "elsewhere"), join(share, `${NAME}.part`));
    await createDirSender({ path: share }).send(await outgoing("zip bytes"));
    expect(await readdir(share)).toEqual([NAME]);
    expect(await readFile(join(root, "elsewhere"), "utf8")).toBe("untouched");
  });

  it("succeeds when the same bytes are already there (a resend after a crash)", async () => {
    await writeFile(join(share, NAME), "zip bytes");
    const receipt = await createDirSender({ path: share }).send(await outgoing("zip bytes"));
    expect(receipt.destination).toBe(join(share, NAME));
  });

  it("never overwrites an archive with other bytes", async () => {
    await writeFile(join(share, NAME), "other bytes");
    const error = await caisseFailure(
      createDirSender({ path: share }).send(await outgoing("zip bytes")),
    );
    expect(error.code).toBe("E_TRANSPORT");
    expect(error.message).toContain("already exists with different content");
    expect(await readFile(join(share, NAME), "utf8")).toBe("other bytes");
    expect(await readdir(share)).toEqual([NAME]);
  });

  it("reports a missing destination folder without creating it", async () => {
    const missing = join(root, "not-mounted");
    const error = await caisseFailure(
      createDirSender({ path: missing }).send(await outgoing("zip bytes")),
    );
    expect(error.code).toBe("E_TRANSPORT");
    expect(error.message).toContain(`${missing} does not exist`);
    expect(error.hint).toContain("transport.path");
    await expect(readdir(missing)).rejects.toThrow();
  });

  it("refuses a name that would leave the folder", async () => {
    const error = await caisseFailure(
      createDirSender({ path: share }).send(await outgoing("x", "../evil.zip")),
    );
    expect(error.code).toBe("E_TRANSPORT");
  });
});

describe("createSender", () => {
  it("makes a dir sender", () => {
    expect(createSender({ type: "dir", path: share }, { env: {} }).kind).toBe("dir");
  });
});

import { isCaisseError } from "@caisse/core";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readState, statePath, writeState } from "./state.js";

describe("the imap source's state file", () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "caisse-imap-state-"));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("lives under imap/, the source's name kept to safe characters", () => {
    expect(statePath(folder, "courrier")).toBe(join(folder, "imap", "courrier.json"));
    expect(statePath(folder, "../boîte 1")).toBe(
      join(folder, "imap", "%2E%2E%2Fbo%C3%AEte%201.json"),
    );
  });

  it("keeps the UIDs of its mailbox and UIDVALIDITY, and drops them when either changed", async () => {
    const path = statePath(folder, "courrier");
    expect(await readState(path, "u@h:993/INBOX", "7")).toEqual({
      mailbox: "u@h:993/INBOX",
      uidValidity: "7",
      taken: {},
    });
    await writeState(path, {
      mailbox: "u@h:993/INBOX",
      uidValidity: "7",
      taken: { "12": "imported" },
    });
    expect((await readState(path, "u@h:993/INBOX", "7")).taken).toEqual({ "12": "imported" });
    // A rebuilt mailbox (new UIDVALIDITY): UID 12 is another message now.
    expect((await readState(path, "u@h:993/INBOX", "8")).taken).toEqual({});
    expect((await readState(path, "u@h:993/Caisse", "7")).taken).toEqual({});
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      mailbox: "u@h:993/INBOX",
      uidValidity: "7",
      taken: { "12": "imported" },
    });
  });

  it("refuses a damaged file, saying it may be deleted", async () => {
    const path = statePath(folder, "courrier");
    await writeState(path, { mailbox: "m", uidValidity: "7", taken: {} });
    for (const text of [
      "{",
      '{"mailbox":"m","uidValidity":"7","taken":{"x":"imported"}}',
      "null",
    ]) {
      await writeFile(path, text);
      const error = await readState(path, "m", "7").then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(isCaisseError(error, "E_SOURCE")).toBe(true);
      if (!isCaisseError(error)) throw new Error("not refused");
      expect(error.message).toMatch(/^the IMAP source's state file .* is damaged: /u);
      expect(error.hint).toContain("delete it");
    }
  });
});

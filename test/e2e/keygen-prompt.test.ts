import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, pseudoTerminal, runBin, runOnTerminal, temporaryFolder } from "../helpers/cli.js";

/**
 * keygen asks before writing "key" into the config only when a person is at the terminal; in
 * cron or a pipe it never waits for an answer (see docs/export.md#keygen---out-file---force---write-config).
 */
const terminal = pseudoTerminal();
const onTerminal = (title: string): string =>
  terminal.available ? title : `${title} (skipped: no pseudo-terminal: ${terminal.refusal})`;
const CONFIG = { till: "D01", name: "Magasin 1", data: "donnees" };
let work: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  work = await temporaryFolder("caisse-keygen-");
  await writeFile(join(work.path, "caisse-export.json"), `${JSON.stringify(CONFIG, null, 2)}\n`);
});
afterEach(async () => work.remove());

const config = async (): Promise<unknown> =>
  JSON.parse(await readFile(join(work.path, "caisse-export.json"), "utf8"));

describe("caisse-export keygen and the config's key", () => {
  it.skipIf(!terminal.available)(
    onTerminal("asks at a terminal, and writes the key on a yes"),
    async () => {
      const result = await runOnTerminal(BIN.export, ["keygen"], {
        cwd: work.path,
        input: "y\n",
      });
      expect(result.code).toBe(0);
      expect(result.output).toContain(
        `write "key": "D01.key" into ${join(work.path, "caisse-export.json")}? [y/N] `,
      );
      expect(await config()).toEqual({ ...CONFIG, key: "D01.key" });
    },
  );

  it("in a pipe, asks nothing and prints the line to add", async () => {
    const result = await runBin(BIN.export, ["keygen"], { cwd: work.path });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain("[y/N]");
    expect(result.stderr).toContain(
      `add this line inside the braces of ${join(work.path, "caisse-export.json")}: "key": "D01.key",`,
    );
    expect(await config()).toEqual(CONFIG);
  });
});

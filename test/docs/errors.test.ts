import { errorCatalogue, errorClassOf, type ErrorCode } from "@caisse/core";
import { exitCodeForClass } from "@caisse/cli";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

/** docs/errors.md is the troubleshooting guide: it must know every code and its exit status. */
describe("docs/errors.md", () => {
  it("has a section for every error code, with the right exit status, and no other", async () => {
    const text = await readFile(join(REPO, "docs", "errors.md"), "utf8");
    const documented = [...text.matchAll(/^## (E_[A-Z_]+)\n\nExit (\d)/gmu)].map((match) => [
      match[1],
      Number(match[2]),
    ]);
    const codes = Object.keys(errorCatalogue) as ErrorCode[];
    expect(documented.map(([code]) => code).sort()).toEqual([...codes].sort());
    for (const [code, exit] of documented) {
      expect([code, exit]).toEqual([code, exitCodeForClass(errorClassOf(code as ErrorCode))]);
    }
  });
});

import { describe, expect, it } from "vitest";
import { formatBytes } from "@caisse/core";
import { formatAge, renderColumns } from "./render.js";

describe("renderers", () => {
  it.each([
    [845, "en", "845 B"],
    [46_694, "en", "45.6 kB"],
    [12_897_485, "fr", "12,3 MB"],
  ] as const)("formats %d bytes in %s as %s", (bytes, locale, text) => {
    expect(formatBytes(bytes, locale)).toBe(text);
  });

  it.each([
    [45, "45 s"],
    [720, "12 min"],
    [3 * 3600 + 300, "3 h 05"],
    [52 * 3600, "2 d 4 h"],
  ])("formats an age of %d s as %s", (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });

  it("pads columns to their widest cell", () => {
    expect(
      renderColumns(
        ["name", "size"],
        [
          ["a", "1 B"],
          ["longer", "2 B"],
        ],
      ),
    ).toBe("name    size\na       1 B\nlonger  2 B");
  });
});

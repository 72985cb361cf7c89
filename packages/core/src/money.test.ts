import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../scripts/seeded-random.mjs";
import { parseScaled } from "./money.js";

/** parseScaled as it was written first, with a regular expression: the reference. */
function byPattern(text: string, maxDecimals: number): number | undefined {
  const fraction = maxDecimals > 0 ? `(?:[.,](\\d{1,${maxDecimals}}))?` : "";
  const pattern = new RegExp(`^(-?)(\\d{1,3}(?:[ \\u00A0\\u202F]\\d{3})+|\\d+)${fraction}$`, "u");
  const match = pattern.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = "", integerPart = "", decimals = ""] = match;
  const digits = integerPart.replace(/[ \u00A0\u202F]/gu, "") + decimals.padEnd(maxDecimals, "0");
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) return undefined;
  return sign === "-" && value !== 0 ? -value : value;
}

describe("parseScaled", () => {
  it.each([
    ["1 234,5", 2, 123450],
    ["-0,5", 3, -500],
    ["-0", 2, 0],
    ["1\u202F000\u00A0000.01", 2, 100000001],
    ["007", 0, 7],
    ["90071992547409.91", 2, 9007199254740991],
    ["90071992547409.92", 2, undefined],
    ["1234 567", 2, undefined],
    ["1 23", 2, undefined],
    ["1,5", 0, undefined],
  ])("reads %j with %i decimals as %s", (text, decimals, value) => {
    expect(parseScaled(text, decimals)).toBe(value);
  });

  it("agrees with the regular expression it replaces on 200 000 random strings", () => {
    const random = mulberry32(2026);
    const differences: unknown[] = [];
    let read = 0;
    const alphabet = ["0", "1", "5", "9", " ", "\u00A0", "\u202F", ",", ".", "-", "+", "a", "\t"];
    for (let i = 0; i < 200_000; i++) {
      const length = Math.floor(random() * 12);
      let text = "";
      for (let k = 0; k < length; k++) {
        text += alphabet[Math.floor(random() * alphabet.length)] ?? "";
      }
      const decimals = Math.floor(random() * 4);
      const [found, expected] = [parseScaled(text, decimals), byPattern(text, decimals)];
      if (found !== expected) differences.push([text, decimals, found, expected]);
      if (expected !== undefined) read++;
    }
    expect(differences).toEqual([]);
    expect(read).toBeGreaterThan(10_000);
  });

  it("agrees on long digit runs, around 2^53", () => {
    const random = mulberry32(53);
    const differences: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const digits = String(Math.floor(random() * 1e9)) + String(Math.floor(random() * 1e9));
      const text = `${digits.slice(0, 14 + Math.floor(random() * 4))},${digits.slice(-2)}`;
      if (parseScaled(text, 2) !== byPattern(text, 2)) differences.push(text);
    }
    expect(differences).toEqual([]);
  });
});

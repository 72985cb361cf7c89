import { describe, expect, it } from "vitest";
import { counted, forTerminal, oneLine, protectFormula } from "./text.js";

describe("forTerminal", () => {
  it("removes escape sequences, bells, C1 controls and bidi overrides, keeps tabs and newlines", () => {
    expect(forTerminal("Caf\u00e9\u001b[31m rouge\u0007\u009b2J\u202Egnp.exe\tA\nB")).toBe(
      "Café[31m rouge2Jgnp.exe\tA\nB",
    );
  });
});

describe("oneLine", () => {
  it("makes one line of a text with tabs and newlines", () => {
    expect(oneLine("Pain\ncomplet\tbio\r")).toBe("Pain complet bio");
  });
});

describe("protectFormula", () => {
  it.each(["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])("protects %j", (text) => {
    expect(protectFormula(text)).toBe(`'${text}`);
  });

  it("leaves other text alone", () => {
    expect(protectFormula("Épicerie = rayon 3")).toBe("Épicerie = rayon 3");
  });
});

describe("counted", () => {
  it("puts the noun in the plural for every count but one", () => {
    expect([0, 1, 2].map((count) => counted(count, "file"))).toEqual([
      "0 files",
      "1 file",
      "2 files",
    ]);
    expect(counted(1, "entry", "entries")).toBe("1 entry");
    expect(counted(3, "entry", "entries")).toBe("3 entries");
  });
});

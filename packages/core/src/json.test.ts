import { describe, expect, it } from "vitest";
import { parseManifest } from "./archive/manifest.js";
import { parseJsonDocument, shownValue } from "./json.js";

describe("parseJsonDocument", () => {
  it("reads JSON, with or without the byte order mark Notepad writes", () => {
    expect(parseJsonDocument('{"till": "D01"}')).toEqual({ ok: true, value: { till: "D01" } });
    expect(parseJsonDocument('\uFEFF{"till": "D01"}')).toEqual({
      ok: true,
      value: { till: "D01" },
    });
  });

  it.each([
    [
      '{\n  "till": "D01"\n  "name": "x"\n}',
      "Expected ',' or '}' after property value (line 3, column 3)",
    ],
    ['\uFEFF{\n  "till": 0D01\n}', "Expected ',' or '}' after property value (line 2, column 12)"],
    [
      '{"tills": [',
      "the text ends before the JSON does (line 1): a closing bracket or brace is missing",
    ],
    ["  \n", "the file is empty"],
    ["", "the file is empty"],
    ["[1,]", "Unexpected token ']'"],
  ])("says where %j goes wrong", (text, problem) => {
    expect(parseJsonDocument(text)).toEqual({ ok: false, problem });
  });
});

describe("shownValue", () => {
  it("shows a number too large for a double as such, never as null", () => {
    expect(JSON.stringify(JSON.parse("1e309"))).toBe("null"); // what the messages used to say
    expect(shownValue(JSON.parse("1e309"))).toBe("a number too large to be read (such as 1e309)");
    expect(shownValue(JSON.parse("-1e309"))).toBe("a number too large to be read (such as -1e309)");
    expect(shownValue(undefined)).toBe("missing");
    expect(shownValue(0)).toBe("0");
    expect(shownValue("x".repeat(1000))).toBe(`'${"x".repeat(40)}'...`);
    expect(shownValue("caisse\u009B2J")).toBe("'caisse\\u009B2J'");
  });

  it("is what a manifest's refusal says of its sequence", () => {
    const manifest = (sequence: string): Buffer =>
      Buffer.from(
        `{"format":"caisse-archive/1","kind":"sales","till":"D01","name":"D01","created":"2026-11-27T23:00:05+01:00","sequence":${sequence},"previous":null,"files":[]}`,
      );
    expect(() => parseManifest(manifest("1e309"))).toThrow(
      "sequence is a number too large to be read (such as 1e309), expected a whole number from 1",
    );
  });
});

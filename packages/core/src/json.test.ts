import { describe, expect, it } from "vitest";
import { parseJsonDocument } from "./json.js";

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

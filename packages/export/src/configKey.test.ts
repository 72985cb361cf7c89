import { describe, expect, it } from "vitest";
import { keyLine, withKey } from "./configKey.js";

describe("withKey", () => {
  it("adds the key as the last member and keeps the rest byte for byte", () => {
    const text =
      '{\n  "till": "D01",\n  "transport": { "type": "dir", "path": "depot" },\n  "x-note": 1\n}\n';
    expect(withKey(text, "D01.key")).toBe(
      '{\n  "till": "D01",\n  "transport": { "type": "dir", "path": "depot" },\n  "x-note": 1,\n  "key": "D01.key"\n}\n',
    );
  });

  it("keeps a BOM, CRLF line ends and tab indentation", () => {
    const text = '\uFEFF{\r\n\t"till": "D01",\r\n\t"data": "donnees"\r\n}\r\n';
    expect(withKey(text, "D01.key")).toBe(
      '\uFEFF{\r\n\t"till": "D01",\r\n\t"data": "donnees",\r\n\t"key": "D01.key"\r\n}\r\n',
    );
  });

  it("fills an empty object, and escapes a Windows path", () => {
    expect(withKey("{}", "C:\\caisse\\D01.key")).toBe('{\n  "key": "C:\\\\caisse\\\\D01.key"\n}');
  });

  it("refuses what is not an object without a key", () => {
    expect(withKey('{ "key": "old.key" }\n', "D01.key")).toBeUndefined();
    expect(withKey("[1]\n", "D01.key")).toBeUndefined();
    expect(withKey('{ "till": ', "D01.key")).toBeUndefined();
  });

  it("gives the exact line to add by hand", () => {
    expect(keyLine("keys/D01.key")).toBe('"key": "keys/D01.key",');
  });
});

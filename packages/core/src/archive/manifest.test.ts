import { describe, expect, test } from "vitest";
import { isCaisseError } from "../errors.js";
import { tillNameProblem } from "../till.js";
import { parseManifest, serializeManifest, sha256Hex, type Manifest } from "./manifest.js";

const GOOD: Manifest = {
  format: "caisse-archive/1",
  kind: "sales",
  till: "D01",
  name: "Magasin 1",
  created: "2026-11-27T23:00:05+01:00",
  sequence: 2,
  previous: null,
  files: [{ path: "ventes.csv", size: 3, sha256: sha256Hex("abc") }],
};

/** The manifest's JSON with `fields` replaced, as raw JSON text for each value. */
function manifestText(fields: Record<string, string> = {}): string {
  const parts = Object.entries(GOOD).map(([key, value]) => [key, JSON.stringify(value)]);
  const replaced = parts.map(([key, value]) => `"${key}": ${fields[key ?? ""] ?? value}`);
  const added = Object.entries(fields)
    .filter(([key]) => !(key in GOOD))
    .map(([key, value]) => `${JSON.stringify(key)}: ${value}`);
  return `{${[...replaced, ...added].join(", ")}}`;
}

function problemOf(text: string, bounds?: { maxBytes: number; maxString: number }): string {
  try {
    parseManifest(Buffer.from(text, "utf8"), bounds);
  } catch (error) {
    if (isCaisseError(error, "E_MANIFEST_INVALID")) return error.message;
    throw error;
  }
  throw new Error("the manifest was accepted");
}

describe("parseManifest bounds what it examines", () => {
  test("the control parses", () => {
    expect(parseManifest(serializeManifest(GOOD))).toEqual(GOOD);
    expect(parseManifest(Buffer.from(manifestText()))).toEqual(GOOD);
  });

  test("a string over maxString characters is refused before any field is examined", () => {
    const name = JSON.stringify("a".repeat(1025));
    expect(problemOf(manifestText({ name }))).toBe(
      "caisse-manifest.json is invalid: a string is longer than 1024 characters (limits.maxManifestString)",
    );
    expect(
      parseManifest(Buffer.from(manifestText({ name: JSON.stringify("a".repeat(1024)) }))).name,
    ).toHaveLength(1024);
    // Counted once unescaped: 1,024 escapes of 6 characters are 1,024 characters.
    const escaped = `"${"\\u00e9".repeat(1024)}"`;
    expect(parseManifest(Buffer.from(manifestText({ name: escaped }))).name).toBe("é".repeat(1024));
    expect(problemOf(manifestText({ name: `"${"\\u00e9".repeat(1025)}"` }))).toContain(
      "a string is longer than 1024 characters",
    );
    expect(
      problemOf(manifestText({ ["k".repeat(65)]: "1" }), { maxBytes: 2 ** 20, maxString: 64 }),
    ).toContain("a key is longer than 64 characters");
  });

  test("a manifest over maxBytes is refused unread", () => {
    expect(problemOf(manifestText(), { maxBytes: 100, maxString: 1024 })).toMatch(
      /^caisse-manifest\.json is invalid: it holds \d+ bytes; at most 100 \(limits\.maxManifestBytes\)$/u,
    );
  });

  test("nesting deeper than 32 is refused before JSON.parse", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(problemOf(manifestText({ extra: deep }))).toBe(
      "caisse-manifest.json is invalid: arrays and objects nest more than 32 deep",
    );
    expect(
      parseManifest(Buffer.from(manifestText({ extra: `${"[".repeat(31)}${"]".repeat(31)}` })))
        .till,
    ).toBe("D01");
  });

  test("a key repeated in one object is refused: another reader could take the other value", () => {
    expect(problemOf(manifestText({ till: '"D01", "till": "D02"' }))).toBe(
      "caisse-manifest.json is invalid: the key 'till' appears twice in one object",
    );
    expect(
      problemOf(
        manifestText({
          files: `[{"path": "a", "path": "b", "size": 1, "sha256": "${"0".repeat(64)}"}]`,
        }),
      ),
    ).toContain("the key 'path' appears twice");
    // The same key in two objects is fine.
    const two = `[{"path": "a.csv", "size": 1, "sha256": "${"0".repeat(64)}"}, {"path": "b.csv", "size": 1, "sha256": "${"0".repeat(64)}"}]`;
    expect(parseManifest(Buffer.from(manifestText({ files: two }))).files).toHaveLength(2);
  });

  test("__proto__ and constructor keys are plain unknown fields", () => {
    const manifest = parseManifest(
      Buffer.from(manifestText({ __proto__: '{"polluted": 1}', constructor: '"x"' })),
    );
    expect(manifest).toEqual(GOOD);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("values are quoted short and escaped, never whole", () => {
    const huge = `{${Array.from({ length: 5000 }, (_, index) => `"k${index}": ${index}`).join(",")}}`;
    const message = problemOf(
      manifestText({ format: huge, kind: JSON.stringify("\u001b[31mx\u202e\ud800") }),
    );
    expect(message).toBe(
      `caisse-manifest.json is invalid: format is an object, expected "caisse-archive/1"; kind is '\\u001B[31mx\\u202E\\uD800', expected "sales" or "catalog"`,
    );
  });

  test("at most 10 problems are quoted, the rest counted", () => {
    const files = `[${Array.from({ length: 500 }, () => '{"path": 1}').join(",")}]`;
    const message = problemOf(manifestText({ files }));
    expect(message.match(/files\[\d+\]/gu)).toHaveLength(10);
    expect(message).toMatch(/; and 1490 more$/u);
  });

  test.each([
    ["2026-02-30T10:00:00+01:00", "30 February"],
    ["2026-02-29T10:00:00+01:00", "29 February of a common year"],
    ["2026-11-27T24:00:00+01:00", "24:00"],
    ["2026-11-27T23:60:00+01:00", "minute 60"],
    ["2026-11-27T23:00:60+01:00", "second 60"],
    ["2026-13-01T00:00:00Z", "month 13"],
    ["2026-11-27T23:00:05+15:00", "an offset over 14 hours"],
    ["2026-11-27T23:00:05+01:60", "an offset of 60 minutes"],
    ["2026-11-27T23:00:05", "no offset"],
    ["2026-11-27 23:00:05+01:00", "a space for T"],
    ["27/11/2026 23:00:05", "the French form"],
    ["2026-11-27T23:00:05.1234567890+01:00", "more than 9 decimals"],
  ])("created %s (%s) is refused", (created) => {
    expect(problemOf(manifestText({ created: JSON.stringify(created) }))).toBe(
      `caisse-manifest.json is invalid: created is '${created}', expected a real date and time in ISO 8601 with offset`,
    );
  });

  test.each(["2028-02-29T10:00:00+01:00", "2026-11-27T23:00:05.5Z", "2026-11-27T23:00:05-12:00"])(
    "created %s is a real time",
    (created) => {
      expect(
        parseManifest(Buffer.from(manifestText({ created: JSON.stringify(created) }))).created,
      ).toBe(created);
    },
  );

  test.each([
    ["1e309", "Infinity"],
    ["-0", "zero"],
    ["9007199254740993", "2^53+1"],
    ['"NaN"', "a string"],
    ["1.5", "a fraction"],
  ])("sequence %s (%s) is refused", (sequence) => {
    expect(problemOf(manifestText({ sequence }))).toContain("sequence is ");
  });
});

describe("tillNameProblem on an untrusted name", () => {
  test("a 100,000-character name is refused without counting its characters", () => {
    const before = process.memoryUsage().rss;
    expect(tillNameProblem("é".repeat(100_000))).toBe(
      "the name 'éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé... (100000 characters)' is 100000 UTF-16 code units long; at most 20 characters",
    );
    // Counting graphemes of 100,000 characters took 3.4 GB.
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 2 ** 20);
  });

  test("a real name of 20 characters, some of several code units, is fine", () => {
    expect(tillNameProblem("Épicerie 👨‍👩‍👧 Nantes 🇫🇷")).toBeUndefined();
    expect(tillNameProblem("a".repeat(21))).toBe(
      "the name 'aaaaaaaaaaaaaaaaaaaaa' is 21 characters long; at most 20",
    );
  });
});

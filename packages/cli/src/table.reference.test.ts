import Table from "cli-table3";
import { describe, expect, it } from "vitest";
import { terminalTable } from "./table.js";
import { mulberry32 } from "../../../scripts/seeded-random.mjs";

/*
 * cli-table3 is the reference the terminal tables were drawn with until their own renderer
 * replaced it (its time grows with the square of the rows: see docs/decisions.md, "Terminal
 * tables without a library"). It stays as the oracle: the same head and rows, without colour,
 * give the same bytes.
 */

// Cells mixing what reports hold: accents, narrow no-break spaces, CJK, combining marks, empty.
const PIECES = [
  "D01",
  "Magasin",
  "é",
  "1\u202F234,56\u00A0€",
  "日本",
  "e\u0301",
  "",
  "-3,00",
  " ",
  "x",
];

function cell(next: () => number): string {
  const count = Math.floor(next() * 4);
  return Array.from({ length: count }, () => PIECES[Math.floor(next() * PIECES.length)]).join("");
}

describe("terminalTable against cli-table3", () => {
  it("gives the same bytes on 300 random tables, compact or not", () => {
    const next = mulberry32(20261130);
    for (let round = 0; round < 300; round += 1) {
      const columns = 1 + Math.floor(next() * 5);
      const head = Array.from({ length: columns }, () => cell(next) || "H");
      const rows = Array.from({ length: Math.floor(next() * 6) }, () =>
        Array.from({ length: columns }, () => cell(next)),
      );
      const numeric = head.map(() => next() < 0.5);
      const compact = next() < 0.5;
      const reference = new Table({
        head,
        colAligns: numeric.map((right) => (right ? "right" : "left")),
        style: { head: [], border: [], compact },
      });
      reference.push(...rows);
      expect(
        terminalTable(head, rows, { color: false, numeric, compact }),
        JSON.stringify({ head, rows, numeric, compact }),
      ).toBe(reference.toString());
    }
  });
});

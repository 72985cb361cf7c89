import { describe, expect, it } from "vitest";
import { displayWidth, terminalTable } from "./table.js";

describe("terminalTable", () => {
  it("pads to the widest cell in terminal cells: wide characters 2, combining marks 0", () => {
    expect(
      terminalTable(
        ["Ref", "Libellé", "TTC"],
        [
          ["D01", "日本茶", "1\u202F234,56\u00A0€"],
          ["D02", "Cafe\u0301", "-3,00\u00A0€"],
        ],
        { color: false, numeric: [false, false, true] },
      ),
    ).toBe(
      [
        "┌─────┬─────────┬────────────┐",
        "│ Ref │ Libellé │        TTC │",
        "├─────┼─────────┼────────────┤",
        "│ D01 │ 日本茶  │ 1\u202F234,56\u00A0€ │",
        "│ D02 │ Cafe\u0301    │    -3,00\u00A0€ │",
        "└─────┴─────────┴────────────┘",
      ].join("\n"),
    );
  });

  it("bold head only with colour; a separator between rows unless compact", () => {
    expect(terminalTable(["A"], [["1"], ["2"]], { color: true, compact: false })).toBe(
      ["┌───┐", "│ \u001b[1mA\u001b[22m │", "├───┤", "│ 1 │", "├───┤", "│ 2 │", "└───┘"].join("\n"),
    );
  });

  it("draws 20 000 rows, one line each", () => {
    // Its time is measured by `npm run bench:parts`, not here (see docs/performance.md).
    const rows = Array.from({ length: 20_000 }, (_, index) => [
      `A${index}`,
      `Article ${index}`,
      `${index},00\u00A0€`,
    ]);
    const text = terminalTable(["Article", "Libellé", "TTC"], rows, { color: false });
    expect(text.split("\n")).toHaveLength(20_000 + 4);
    expect(text.split("\n")[20_002]).toBe("│ A19999  │ Article 19999 │ 19999,00\u00A0€ │");
  });

  it("measures colour codes as nothing", () => {
    expect(displayWidth("\u001b[1mTTC\u001b[22m")).toBe(3);
    expect(displayWidth("👍 ok")).toBe(5);
  });
});

import { MARGIN_LISTED, MARGIN_WORDS, type MarginGap } from "@caisse/cli";
import { describe, expect, it } from "vitest";
import { warningIn } from "./warnings.js";

const codes = (count: number, prefix: string): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`);

/** Margin warnings of every shape: the rule must say in French what MARGIN_WORDS.fr says. */
const GAPS: Record<string, MarginGap> = {
  "the total only": {
    rows: [],
    rowCount: 0,
    of: 3,
    total: true,
    articles: ["P02"],
    articleCount: 1,
  },
  "one row and the total": {
    rows: ["PAI"],
    rowCount: 1,
    of: 4,
    total: true,
    articles: ["P02", "P07"],
    articleCount: 2,
  },
  "rows, not the total": {
    rows: ["2026-11-02", "2026-11-03"],
    rowCount: 2,
    of: 30,
    total: false,
    articles: ["A1"],
    articleCount: 1,
  },
  "lists longer than shown": {
    rows: codes(MARGIN_LISTED, "F"),
    rowCount: 14,
    of: 20,
    total: true,
    articles: codes(MARGIN_LISTED, "A"),
    articleCount: 123,
  },
  "keys with commas, parentheses and colons": {
    rows: ["BOI (verre), consigne: 0,10"],
    rowCount: 1,
    of: 1,
    total: true,
    articles: ["X (1)", "Y: 2"],
    articleCount: 2,
  },
};

describe("the margin warning in French", () => {
  for (const [name, gap] of Object.entries(GAPS)) {
    it(name, () => {
      expect(warningIn(MARGIN_WORDS.en.unknown(gap), "fr")).toBe(MARGIN_WORDS.fr.unknown(gap));
    });
  }

  it("the empty margin columns", () => {
    expect(warningIn(MARGIN_WORDS.en.noPrices, "fr")).toBe(MARGIN_WORDS.fr.noPrices);
  });

  it("stays English in an English report", () => {
    const english = MARGIN_WORDS.en.unknown(GAPS["one row and the total"]!);
    expect(warningIn(english, "en")).toBe(english);
  });
});

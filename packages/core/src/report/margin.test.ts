import { describe, expect, it } from "vitest";
import type { SaleLine } from "../csv/types.js";
import type { LocalDateTime } from "../dates.js";
import type { Cents, Milli, RateBp } from "../money.js";
import { Aggregator } from "./aggregate.js";
import { buildReport } from "./build.js";
import { EMPTY_LABELS } from "./labels.js";
import { hasMargin, roundCost, type MilliCents } from "./margin.js";
import { toJson } from "./model.js";

function sale(article: string, quantity: number, ttc: number, family = "EPI"): SaleLine {
  return {
    ticket: "1",
    at: "2026-11-27T10:00:00" as LocalDateTime,
    article,
    family,
    quantity: quantity as Milli,
    ttc: ttc as Cents,
    rate: 2000 as RateBp,
    label: undefined,
  };
}

const PRICES = new Map([
  ["A1", 1 as Cents],
  ["A2", 333 as Cents],
]);

describe("gross margin (see docs/reports.md#gross-margin)", () => {
  it("rounds the exact cost once, half away from zero", () => {
    expect(roundCost(499 as MilliCents)).toBe(0);
    expect(roundCost(500 as MilliCents)).toBe(1);
    expect(roundCost(-500 as MilliCents)).toBe(-1);
    expect(roundCost(-1499 as MilliCents)).toBe(-1);
  });

  it("sums the lines' costs before rounding, returns included, per row and per till", () => {
    const data = new Aggregator("family", undefined, PRICES);
    // A1 at 1 cent, 0.5 unit three times: 1.5 cents -> 2.
    for (const till of ["D01", "D02"]) data.addSale(till, sale("A1", 500, 100));
    data.addSale("D01", sale("A1", 500, 100));
    // A2: 0.333 kg at 3.33 = 1.10889 cents; returned 1 unit: -3.33.
    data.addSale("D01", sale("A2", 333, 240, "FRA"));
    data.addSale("D01", sale("A2", -1000, -720, "FRA"));
    const report = buildReport({
      by: "family",
      range: { from: undefined, to: undefined },
      tills: [
        { ref: "D01", name: "" },
        { ref: "D02", name: "" },
      ],
      data,
      labels: EMPTY_LABELS,
      warnings: [],
      locale: "en",
    });
    const epi = report.rows.find((row) => row.key === "EPI");
    // HT of 300 cents TTC at 20 %: 250; cost 1.5 cents -> 2 (not 1 + 1 per till rounded apart).
    expect([epi?.ht, epi?.cost, epi?.margin, epi?.marginRateBp]).toEqual([250, 2, 248, 9920]);
    expect(epi?.byTill?.D01?.cost).toBe(1);
    expect(epi?.byTill?.D02?.cost).toBe(1);
    const fra = report.rows.find((row) => row.key === "FRA");
    // 333 x 333 - 1000 x 333 = -222 111 thousandths of a cent: -222 cents; HT -400.
    expect([fra?.ht, fra?.cost, fra?.margin]).toEqual([-400, -222, -178]);
    // The total's own exact sum: 1 500 - 222 111 = -220 611 -> -221 (not 2 - 222).
    expect(report.total.cost).toBe(-221);
    expect(toJson(report).total).toMatchObject({
      cost_ht: -2.21,
      margin_ht: 0.71,
      margin_rate: -0.4733,
    });
  });

  it("no margin for a row with an article without price, nor for --by hour, vat, payment", () => {
    const data = new Aggregator("article", undefined, PRICES);
    data.addSale("D01", sale("A9", 1000, 120));
    data.addSale("D01", sale("A1", 1000, 120));
    expect([...data.unpricedArticles]).toEqual(["A9"]);
    expect(data.withMargin).toBe(true);
    expect(new Aggregator("hour", undefined, PRICES).withMargin).toBe(false);
    expect(new Aggregator("till", undefined, new Map()).withMargin).toBe(false);
    expect(["hour", "vat", "payment"].map((by) => hasMargin(by as "hour"))).toEqual([
      false,
      false,
      false,
    ]);
  });
});

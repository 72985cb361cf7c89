import { describe, expect, it } from "vitest";
import type { Payment, SaleLine } from "../csv/types.js";
import type { LocalDate, LocalDateTime } from "../dates.js";
import type { Cents, Milli, RateBp } from "../money.js";
import { Aggregator } from "./aggregate.js";
import { buildReport, type ReportInput } from "./build.js";
import type { Dimension } from "./dimension.js";
import { EMPTY_LABELS } from "./labels.js";
import { toJson } from "./model.js";
import { comparePeriod } from "./period.js";
import { compareFigures, figuresOf, Tally } from "./tally.js";

/** A sales line: amounts in cents, quantity in thousandths, rate in hundredths of a percent. */
function sale(fields: {
  ticket?: string;
  at?: string;
  article?: string;
  family?: string;
  quantity?: number;
  ttc: number;
  rate?: number;
  label?: string;
}): SaleLine {
  return {
    ticket: fields.ticket ?? "1",
    at: (fields.at ?? "2026-11-27T10:00:00") as LocalDateTime,
    article: fields.article ?? "A1",
    family: fields.family ?? "EPI",
    quantity: (fields.quantity ?? 1000) as Milli,
    ttc: fields.ttc as Cents,
    rate: (fields.rate ?? 2000) as RateBp,
    label: fields.label,
  };
}

function payment(fields: { ticket?: string; mode?: string; amount: number }): Payment {
  return {
    ticket: fields.ticket ?? "1",
    at: "2026-11-27T10:00:00" as LocalDateTime,
    mode: fields.mode ?? "CB",
    amount: fields.amount as Cents,
  };
}

function tallyOf(lines: SaleLine[]): Tally {
  const tally = new Tally();
  for (const line of lines) tally.addSale(line);
  return tally;
}

const TILLS = [
  { ref: "D01", name: "Magasin 1" },
  { ref: "D02", name: "Magasin 2" },
];

function aggregate(by: Dimension, lines: [string, SaleLine][]): Aggregator {
  const data = new Aggregator(by);
  for (const [till, line] of lines) data.addSale(till, line);
  return data;
}

function input(data: Aggregator, extra: Partial<ReportInput> = {}): ReportInput {
  return {
    by: data.by,
    range: { from: undefined, to: undefined },
    tills: TILLS,
    data,
    labels: EMPTY_LABELS,
    warnings: [],
    locale: "en",
    ...extra,
  };
}

describe("figuresOf: HT per VAT rate", () => {
  it.each<[string, SaleLine[], number, number, number]>([
    // Per line 0,10 € is 0,09 € HT three times (0,27 €); per rate 0,30 € is 0,28 € HT.
    [
      "three lines of 0,10 € at 5,5 %",
      [10, 10, 10].map((ttc) => sale({ ttc, rate: 550 })),
      30,
      28,
      2,
    ],
    ["a half-cent tie rounds away from zero", [sale({ ttc: 3 })], 3, 3, 0],
    ["a negative tie rounds away from zero", [sale({ ttc: -3 })], -3, -3, 0],
    ["7,5 cents HT is 8", [sale({ ttc: 9 })], 9, 8, 1],
    ["a refund nets within its rate", [sale({ ttc: 100 }), sale({ ttc: -9 })], 91, 76, 15],
    [
      "three rates are rounded apart, then summed",
      [sale({ ttc: 1000 }), sale({ ttc: 1000, rate: 550 }), sale({ ttc: 1000, rate: 1000 })],
      3000,
      2690,
      310,
    ],
    ["2,1 %", [sale({ ttc: 1234, rate: 210 })], 1234, 1209, 25],
    ["0 %", [sale({ ttc: -1001, rate: 0 })], -1001, -1001, 0],
  ])("%s", (_name, lines, ttc, ht, vat) => {
    const figures = figuresOf([tallyOf(lines)], "sales", 0 as Cents);
    expect([figures.ttc, figures.ht, figures.vat]).toEqual([ttc, ht, vat]);
  });
});

describe("figuresOf: tickets, average basket, share", () => {
  it.each<[number, number, number | null]>([
    [1000, 3, 333],
    [1001, 2, 501],
    [-1001, 2, -501],
    [1002, 4, 251],
    [0, 0, null],
  ])("%i cents over %i tickets is %s", (ttc, tickets, avgBasket) => {
    const tally = new Tally();
    for (let index = 0; index < tickets; index++) {
      tally.addSale(sale({ ticket: String(index), ttc: index === 0 ? ttc : 0 }));
    }
    expect(figuresOf([tally], "sales", 1 as Cents).avgBasket).toBe(avgBasket);
  });

  it.each<[number, number, number | null]>([
    [1, 3, 3333],
    [2, 3, 6667],
    [5, 10, 5000],
    [-100, 1000, -1000],
    [100, 0, null],
  ])("share of %i in %i is %s basis points", (ttc, total, share) => {
    expect(figuresOf([tallyOf([sale({ ttc })])], "sales", total as Cents).shareBp).toBe(share);
  });

  it("adds the tickets of different tills: (D01, 1) and (D02, 1) are two", () => {
    const figures = figuresOf(
      [tallyOf([sale({ ttc: 100 })]), tallyOf([sale({ ttc: 200 })])],
      "sales",
      300 as Cents,
    );
    expect(figures).toEqual({
      ttc: 300,
      ht: 250,
      vat: 50,
      tickets: 2,
      quantity: 2000,
      avgBasket: 150,
      shareBp: 10000,
    });
  });

  it("counts a ticket once within a till, and sums quantities in thousandths", () => {
    const tally = tallyOf([
      sale({ ttc: 100, quantity: 1500 }),
      sale({ ttc: 50, quantity: -250 }),
      sale({ ttc: 1, quantity: 1 }),
    ]);
    expect(figuresOf([tally], "sales", 151 as Cents)).toMatchObject({ tickets: 1, quantity: 1251 });
  });
});

describe("compareFigures", () => {
  it.each<[number, number, number, number | null]>([
    [123456, 110000, 13456, 1223],
    [100, 0, 100, null],
    [0, 500, -500, -10000],
    // Over the size of the compared TTC: a rise from -1,00 € to +1,00 € is +200 %.
    [100, -100, 200, 20000],
    [1000, 3000, -2000, -6667],
  ])("%i against %i", (ttc, compared, delta, pctBp) => {
    expect(compareFigures(ttc as Cents, compared as Cents)).toEqual({
      ttc: compared,
      delta,
      pctBp,
    });
  });
});

describe("Aggregator", () => {
  it("counts a ticket once per family and once in the total", () => {
    const data = aggregate("family", [
      ["D01", sale({ ticket: "1", family: "EPI", ttc: 100 })],
      ["D01", sale({ ticket: "1", family: "BOI", ttc: 200 })],
      ["D01", sale({ ticket: "2", family: "EPI", ttc: 50 })],
      ["D02", sale({ ticket: "1", family: "EPI", ttc: 70 })],
    ]);
    const report = buildReport(input(data));
    expect(report.rows.map((row) => [row.key, row.ttc, row.tickets])).toEqual([
      ["EPI", 220, 3],
      ["BOI", 200, 1],
    ]);
    expect(report.total).toMatchObject({ ttc: 420, tickets: 3 });
    expect(report.rows[0]?.byTill?.D01).toMatchObject({ ttc: 150, tickets: 2, shareBp: 3571 });
    expect(report.rows[0]?.byTill?.D02).toMatchObject({ ttc: 70, tickets: 1, shareBp: 1667 });
  });

  it("merges per-file aggregators into the same figures as one pass", () => {
    const lines: [string, SaleLine][] = [
      ["D01", sale({ ticket: "7", ttc: 10, rate: 550 })],
      ["D01", sale({ ticket: "7", ttc: 10, rate: 550, family: "BOI" })],
      ["D02", sale({ ticket: "7", ttc: 10, rate: 550, at: "2026-11-01T08:00:00" })],
      ["D01", sale({ ticket: "8", ttc: -5, at: "2026-11-30T20:00:00" })],
    ];
    const whole = aggregate("family", lines);
    const merged = new Aggregator("family");
    for (const line of lines) merged.merge(aggregate("family", [line]));
    expect(buildReport(input(merged))).toEqual(buildReport(input(whole)));
    expect([merged.first, merged.last]).toEqual(["2026-11-01", "2026-11-30"]);
    expect(buildReport(input(merged)).total).toMatchObject({ ttc: 25, ht: 24, tickets: 3 });
  });

  it("refuses payments for a sales dimension and the reverse", () => {
    expect(() => {
      new Aggregator("family").addPayment("D01", payment({ amount: 1 }));
    }).toThrow(/from sales/u);
    expect(() => {
      new Aggregator("payment").addSale("D01", sale({ ttc: 1 }));
    }).toThrow(/from payments/u);
  });

  it.each<[Dimension, string]>([
    ["till", "D01"],
    ["family", "EPI"],
    ["article", "A1"],
    ["day", "2026-11-27"],
    ["week", "2026-W48"],
    ["month", "2026-11"],
    ["hour", "23"],
    ["vat", "5.5"],
  ])("keys --by %s as %s", (by, key) => {
    const data = aggregate(by, [["D01", sale({ ttc: 1, rate: 550, at: "2026-11-27T23:59:59" })]]);
    expect([...data.rows.keys()]).toEqual([key]);
  });
});

describe("buildReport", () => {
  it("lists every selected till for --by till, in table order, without byTill", () => {
    const data = aggregate("till", [
      ["D02", sale({ ttc: 300 })],
      ["D01", sale({ ttc: 100 })],
    ]);
    const report = buildReport(
      input(data, { tills: [...TILLS, { ref: "D03", name: "Magasin 3" }] }),
    );
    expect(
      report.rows.map((row) => [row.key, row.label, row.ttc, row.avgBasket, row.shareBp]),
    ).toEqual([
      ["D01", "Magasin 1", 100, 100, 2500],
      ["D02", "Magasin 2", 300, 300, 7500],
      ["D03", "Magasin 3", 0, null, 0],
    ]);
    expect(report.rows.every((row) => row.byTill === undefined)).toBe(true);
    expect(report.total.byTill).toBeUndefined();
  });

  it("orders time rows chronologically and the others by TTC, then key", () => {
    const lines: [string, SaleLine][] = [
      ["D01", sale({ ttc: 100, at: "2026-11-03T09:00:00", family: "B" })],
      ["D01", sale({ ttc: 300, at: "2026-11-01T09:00:00", family: "C" })],
      ["D01", sale({ ttc: 100, at: "2026-11-02T09:00:00", family: "A" })],
    ];
    expect(buildReport(input(aggregate("day", lines))).rows.map((row) => row.key)).toEqual([
      "2026-11-01",
      "2026-11-02",
      "2026-11-03",
    ]);
    expect(buildReport(input(aggregate("family", lines))).rows.map((row) => row.key)).toEqual([
      "C",
      "A",
      "B",
    ]);
  });

  it("computes the total's HT from its own TTC per rate, not the rows' HT", () => {
    const data = aggregate("family", [
      ["D01", sale({ ticket: "1", family: "A", ttc: 10, rate: 550 })],
      ["D01", sale({ ticket: "2", family: "B", ttc: 10, rate: 550 })],
      ["D01", sale({ ticket: "3", family: "C", ttc: 10, rate: 550 })],
    ]);
    const report = buildReport(input(data));
    expect(report.rows.map((row) => row.ht)).toEqual([9, 9, 9]);
    expect(report.total).toMatchObject({ ttc: 30, ht: 28, vat: 2 });
  });

  describe("--top", () => {
    const lines: [string, SaleLine][] = [
      ["D01", sale({ ticket: "1", article: "A", ttc: 250 })],
      ["D01", sale({ ticket: "2", article: "A", ttc: 250 })],
      ["D01", sale({ ticket: "3", article: "B", ttc: 300 })],
      ["D01", sale({ ticket: "3", article: "C", ttc: 200 })],
      ["D01", sale({ ticket: "3", article: "D", ttc: 50 })],
      ["D01", sale({ ticket: "4", article: "D", ttc: 50 })],
    ];

    it.each<[number, [string, string, number, number][]]>([
      [
        1,
        [
          ["A", "", 500, 2],
          // B, C and D share ticket 3: 2 distinct tickets, not 1 + 1 + 2.
          ["(others)", "Others", 600, 2],
        ],
      ],
      [
        2,
        [
          ["A", "", 500, 2],
          ["B", "", 300, 1],
          ["(others)", "Others", 300, 2],
        ],
      ],
      [
        4,
        [
          ["A", "", 500, 2],
          ["B", "", 300, 1],
          ["C", "", 200, 1],
          ["D", "", 100, 2],
        ],
      ],
    ])("top %i", (top, expected) => {
      const report = buildReport(input(aggregate("article", lines), { top }));
      expect(report.rows.map((row) => [row.key, row.label, row.ttc, row.tickets])).toEqual(
        expected,
      );
      expect(report.total).toMatchObject({ ttc: 1100, tickets: 4 });
    });

    it("keeps time rows in order and sums the remainder's compared TTC", () => {
      const data = aggregate("day", [
        ["D01", sale({ ttc: 100, at: "2026-11-01T09:00:00" })],
        ["D01", sale({ ttc: 300, at: "2026-11-02T09:00:00" })],
        ["D01", sale({ ttc: 200, at: "2026-11-03T09:00:00" })],
      ]);
      const range = { from: "2026-11-01" as LocalDate, to: "2026-11-03" as LocalDate };
      const comparison = comparePeriod(range, "previous");
      const compared = new Aggregator("day", comparison.toReported);
      compared.addSale("D01", sale({ ttc: 40, at: "2026-10-29T09:00:00" }));
      compared.addSale("D01", sale({ ttc: 60, at: "2026-10-31T09:00:00" }));
      const report = buildReport(
        input(data, { top: 2, range, comparison: { ...comparison, data: compared } }),
      );
      expect(report.rows.map((row) => [row.key, row.ttc, row.compare])).toEqual([
        ["2026-11-02", 300, { ttc: 0, delta: 300, pctBp: null }],
        ["2026-11-03", 200, { ttc: 60, delta: 140, pctBp: 23333 }],
        ["(others)", 100, { ttc: 40, delta: 60, pctBp: 15000 }],
      ]);
    });
  });

  it("compares by day with the same dates one year earlier", () => {
    const range = { from: "2026-11-02" as LocalDate, to: "2026-11-03" as LocalDate };
    const comparison = comparePeriod(range, "year");
    const data = aggregate("day", [["D01", sale({ ttc: 1500, at: "2026-11-02T10:00:00" })]]);
    const compared = new Aggregator("day", comparison.toReported);
    compared.addSale("D01", sale({ ttc: 1000, at: "2025-11-02T10:00:00" }));
    compared.addSale("D02", sale({ ttc: 500, at: "2025-11-03T10:00:00" }));
    const report = buildReport(
      input(data, { range, comparison: { ...comparison, data: compared } }),
    );
    expect(report.rows.map((row) => [row.key, row.ttc, row.tickets, row.compare])).toEqual([
      ["2026-11-02", 1500, 1, { ttc: 1000, delta: 500, pctBp: 5000 }],
      ["2026-11-03", 0, 0, { ttc: 500, delta: -500, pctBp: -10000 }],
    ]);
    expect(report.total.compare).toEqual({ ttc: 1500, delta: 0, pctBp: 0 });
    expect(report.compared).toEqual({ mode: "year", from: "2025-11-02", to: "2025-11-03" });
    expect([report.from, report.to]).toEqual(["2026-11-02", "2026-11-03"]);
  });

  it("takes from/to from the data when no range is given, null when there is none", () => {
    const data = aggregate("day", [
      ["D01", sale({ ttc: 1, at: "2026-11-05T10:00:00" })],
      ["D02", sale({ ttc: 1, at: "2026-10-30T10:00:00" })],
    ]);
    expect(buildReport(input(data))).toMatchObject({ from: "2026-10-30", to: "2026-11-05" });
    expect(
      buildReport(input(data, { range: { from: "2026-10-01" as LocalDate, to: undefined } })),
    ).toMatchObject({ from: "2026-10-01", to: "2026-11-05" });
    expect(buildReport(input(new Aggregator("day")))).toMatchObject({ from: null, to: null });
  });

  it("computes --by payment from payments: no HT, VAT or quantity", () => {
    const data = new Aggregator("payment");
    data.addPayment("D01", payment({ ticket: "1", mode: "CB", amount: 1000 }));
    data.addPayment("D01", payment({ ticket: "1", mode: "ESP", amount: 500 }));
    data.addPayment("D01", payment({ ticket: "2", mode: "CB", amount: 200 }));
    data.addPayment("D02", payment({ ticket: "1", mode: " cb ", amount: 300 }));
    const report = buildReport(input(data, { locale: "fr" }));
    expect(report.rows.map(({ byTill: _byTill, ...row }) => row)).toEqual([
      {
        key: "CB",
        label: "Carte bancaire",
        ttc: 1500,
        ht: null,
        vat: null,
        tickets: 3,
        quantity: null,
        avgBasket: 500,
        shareBp: 7500,
      },
      {
        key: "ESP",
        label: "Espèces",
        ttc: 500,
        ht: null,
        vat: null,
        tickets: 1,
        quantity: null,
        avgBasket: 500,
        shareBp: 2500,
      },
    ]);
    expect(report.total).toMatchObject({ ttc: 2000, ht: null, tickets: 3, avgBasket: 667 });
  });

  it("labels articles from the catalogue, else from their most recent sale", () => {
    const data = aggregate("article", [
      ["D01", sale({ article: "A1", ttc: 3, label: "Recent", at: "2026-11-27T10:00:00" })],
      ["D01", sale({ article: "A1", ttc: 2, label: "Old", at: "2026-11-26T10:00:00" })],
      ["D01", sale({ article: "A2", ttc: 1, label: "Sold as" })],
      ["D01", sale({ article: "A3", ttc: 0 })],
    ]);
    const labels = { families: new Map(), articles: new Map([["A2", "Catalogue"]]) };
    expect(buildReport(input(data, { labels })).rows.map((row) => [row.key, row.label])).toEqual([
      ["A1", "Recent"],
      ["A2", "Catalogue"],
      ["A3", ""],
    ]);
  });
});

describe("toJson", () => {
  it("gives the documented JSON shape with euros at the edge", () => {
    const data = aggregate("family", [
      ["D01", sale({ ticket: "1", family: "EPI", ttc: 123456, quantity: 512500, rate: 550 })],
      ["D02", sale({ ticket: "9", family: "BOI", ttc: 10, quantity: 1000 })],
    ]);
    const report = buildReport(
      input(data, {
        labels: { families: new Map([["EPI", "Epicerie"]]), articles: new Map() },
        range: { from: "2026-11-01" as LocalDate, to: "2026-11-30" as LocalDate },
        warnings: ["D02 ventes.csv line 17: invalid amount '12,505'"],
      }),
    );
    const zero = { ttc: 0, ht: 0, vat: 0, tickets: 0, quantity: 0, avg_basket: null, share: 0 };
    expect(toJson(report)).toEqual({
      from: "2026-11-01",
      to: "2026-11-30",
      by: "family",
      currency: "EUR",
      // Without freshness given, nothing is known of it.
      tills: TILLS.map((till) => ({
        ...till,
        last_sale: null,
        last_archive: null,
        sequence: null,
      })),
      rows: [
        {
          key: "EPI",
          label: "Epicerie",
          ttc: 1234.56,
          ht: 1170.2,
          vat: 64.36,
          tickets: 1,
          quantity: 512.5,
          avg_basket: 1234.56,
          share: 0.9999,
          byTill: {
            D01: {
              ttc: 1234.56,
              ht: 1170.2,
              vat: 64.36,
              tickets: 1,
              quantity: 512.5,
              avg_basket: 1234.56,
              share: 0.9999,
            },
            D02: zero,
          },
        },
        {
          key: "BOI",
          label: "",
          ttc: 0.1,
          ht: 0.08,
          vat: 0.02,
          tickets: 1,
          quantity: 1,
          avg_basket: 0.1,
          share: 0.0001,
          byTill: {
            D01: zero,
            D02: {
              ttc: 0.1,
              ht: 0.08,
              vat: 0.02,
              tickets: 1,
              quantity: 1,
              avg_basket: 0.1,
              share: 0.0001,
            },
          },
        },
      ],
      total: {
        ttc: 1234.66,
        ht: 1170.28,
        vat: 64.38,
        tickets: 2,
        quantity: 513.5,
        avg_basket: 617.33,
        byTill: {
          D01: {
            ttc: 1234.56,
            ht: 1170.2,
            vat: 64.36,
            tickets: 1,
            quantity: 512.5,
            avg_basket: 1234.56,
            share: 0.9999,
          },
          D02: {
            ttc: 0.1,
            ht: 0.08,
            vat: 0.02,
            tickets: 1,
            quantity: 1,
            avg_basket: 0.1,
            share: 0.0001,
          },
        },
      },
      warnings: ["D02 ventes.csv line 17: invalid amount '12,505'"],
    });
    expect(JSON.stringify(toJson(report))).toContain('"ht":1170.2,');
  });
});

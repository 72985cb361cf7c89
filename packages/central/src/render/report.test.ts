import {
  Aggregator,
  buildReport,
  comparePeriod,
  type Cents,
  type LocalDate,
  type LocalDateTime,
  type Milli,
  type RateBp,
  type Report,
} from "@caisse/core";
import { describe, expect, it } from "vitest";
import { escapeHtml } from "./html.js";
import { renderReport, REPORT_FORMATS } from "./index.js";

const NOVEMBER = { from: "2026-11-01" as LocalDate, to: "2026-11-30" as LocalDate };
const NO_LABELS = { families: new Map<string, string>(), articles: new Map<string, string>() };
const EVIL = '=HYPERLINK("http://x";"a|b")\u001b[31m<b>&';

function line(ticket: string, family: string, ttc: number, rate = 2000) {
  return {
    ticket,
    at: "2026-11-02T10:00:00" as LocalDateTime,
    article: family,
    family,
    quantity: 1500 as Milli,
    ttc: ttc as Cents,
    rate: rate as RateBp,
    label: undefined,
  };
}

/** Two stores by family; one family's label is a formula with an escape sequence and HTML. */
function familyReport(): Report {
  const data = new Aggregator("family");
  data.addSale("D01", line("1", "EPI", 123456, 550));
  data.addSale("D01", line("1", "=CMD", 1000));
  data.addSale("D02", line("7", "EPI", 2050, 550));
  data.addSale("D02", line("8", "=CMD", -300));
  return buildReport({
    by: "family",
    range: NOVEMBER,
    tills: [
      { ref: "D01", name: "Magasin 1" },
      { ref: "D02", name: "Magasin 2" },
    ],
    data,
    labels: {
      families: new Map([
        ["EPI", "Epicerie"],
        ["=CMD", EVIL],
      ]),
      articles: new Map(),
    },
    warnings: ["D02 ventes.csv line 17: invalid amount '12,505'"],
    locale: "fr",
  });
}

/** Three stores by till, compared with October; a store name holds an OSC sequence. */
function tillReport(): Report {
  const comparison = comparePeriod(NOVEMBER, "previous");
  const data = new Aggregator("till");
  data.addSale("D01", line("1", "F", 150000));
  data.addSale("D01", line("2", "F", 1));
  data.addSale("D02", line("1", "F", 9999));
  const compared = new Aggregator("till", comparison.toReported);
  compared.addSale("D01", {
    ...line("9", "F", 100000),
    at: "2026-10-02T10:00:00" as LocalDateTime,
  });
  return buildReport({
    by: "till",
    range: NOVEMBER,
    tills: [
      { ref: "D01", name: "Magasin 1" },
      { ref: "D02", name: "Magasin\u001b]0;x\u0007 2" },
      { ref: "D03", name: "Magasin 3" },
    ],
    data,
    comparison: { ...comparison, data: compared },
    labels: NO_LABELS,
    warnings: [],
    locale: "en",
  });
}

/** By payment: no HT, VAT or quantity; a mode that looks like a formula. */
function paymentReport(): Report {
  const data = new Aggregator("payment");
  const at = "2026-11-02T10:00:00" as LocalDateTime;
  data.addPayment("D01", { ticket: "1", at, mode: "CB", amount: 1250 as Cents });
  data.addPayment("D02", { ticket: "1", at, mode: "-X", amount: -50 as Cents });
  return buildReport({
    by: "payment",
    range: NOVEMBER,
    tills: [
      { ref: "D01", name: "Magasin 1" },
      { ref: "D02", name: "Magasin 2" },
    ],
    data,
    labels: NO_LABELS,
    warnings: ["a", "b"],
    locale: "fr",
  });
}

const fr = { locale: "fr", color: false } as const;
const en = { locale: "en", color: false } as const;

describe("table", () => {
  it("sets the stores side by side, strips control characters, counts the warnings", () => {
    expect(renderReport(familyReport(), "table", fr)).toBe(
      [
        "Chiffre d'affaires par famille, du 01/11/2026 au 30/11/2026",
        "┌─────────┬──────────────────────────────────────┬────────────┬─────────┬────────────┬────────────┬─────────┬─────────┐",
        "│ Famille │ Libellé                              │        D01 │     D02 │  Total TTC │         HT │ Tickets │    Part │",
        "├─────────┼──────────────────────────────────────┼────────────┼─────────┼────────────┼────────────┼─────────┼─────────┤",
        "│ EPI     │ Epicerie                             │ 1\u202F234,56\u00A0€ │ 20,50\u00A0€ │ 1\u202F255,06\u00A0€ │ 1\u202F189,63\u00A0€ │       2 │ 99,45\u00A0% │",
        '│ =CMD    │ =HYPERLINK("http://x";"a|b")[31m<b>& │    10,00\u00A0€ │ -3,00\u00A0€ │     7,00\u00A0€ │     5,83\u00A0€ │       2 │  0,55\u00A0% │',
        "│ Total   │                                      │ 1\u202F244,56\u00A0€ │ 17,50\u00A0€ │ 1\u202F262,06\u00A0€ │ 1\u202F195,46\u00A0€ │       3 │         │",
        "└─────────┴──────────────────────────────────────┴────────────┴─────────┴────────────┴────────────┴─────────┴─────────┘",
        "1 avertissement : voir stderr",
        "",
      ].join("\n"),
    );
  });

  it("shows one row per till with the comparison columns", () => {
    expect(renderReport(tillReport(), "table", en)).toBe(
      [
        "Turnover by till, 2026-11-01 to 2026-11-30, compared with 2026-10-01 to 2026-10-31",
        "┌───────┬───────────────┬───────────┬───────────┬─────────┬─────────┬────────────┬────────┬──────────────┬──────────┬─────────┐",
        "│ Ref   │ Name          │       TTC │        HT │     VAT │ Tickets │ Avg basket │  Share │ Compared TTC │   Change │       % │",
        "├───────┼───────────────┼───────────┼───────────┼─────────┼─────────┼────────────┼────────┼──────────────┼──────────┼─────────┤",
        "│ D01   │ Magasin 1     │ €1,500.01 │ €1,250.01 │ €250.00 │       2 │    €750.01 │ 93.75% │    €1,000.00 │ +€500.01 │ +50.00% │",
        "│ D02   │ Magasin]0;x 2 │    €99.99 │    €83.33 │  €16.66 │       1 │     €99.99 │  6.25% │        €0.00 │  +€99.99 │       — │",
        "│ D03   │ Magasin 3     │     €0.00 │     €0.00 │   €0.00 │       0 │          — │  0.00% │        €0.00 │    €0.00 │       — │",
        "│ Total │               │ €1,600.00 │ €1,333.33 │ €266.67 │       3 │    €533.33 │        │    €1,000.00 │ +€600.00 │ +60.00% │",
        "└───────┴───────────────┴───────────┴───────────┴─────────┴─────────┴────────────┴────────┴──────────────┴──────────┴─────────┘",
        "",
      ].join("\n"),
    );
  });

  it("writes no escape character at all without colour, whatever the data", () => {
    for (const report of [familyReport(), tillReport(), paymentReport()]) {
      for (const options of [fr, en]) {
        expect(renderReport(report, "table", options)).not.toContain("\u001b");
      }
    }
  });

  it("writes colour codes only when allowed", () => {
    expect(renderReport(paymentReport(), "table", { locale: "fr", color: true })).toContain(
      "\u001b[",
    );
  });
});

describe("csv", () => {
  it("French: semicolons, decimal commas, a BOM, protected text and plain numbers", () => {
    expect(renderReport(familyReport(), "csv", fr)).toBe(
      "\uFEFFkey;label;ttc;ht;vat;tickets;quantity;avg_basket;share;ttc_D01;ttc_D02\r\n" +
        "EPI;Epicerie;1255,06;1189,63;65,43;2;3;627,53;0,9945;1234,56;20,50\r\n" +
        `'=CMD;"'=HYPERLINK(""http://x"";""a|b"")[31m<b>&";7,00;5,83;1,17;2;3;3,50;0,0055;10,00;-3,00\r\n` +
        "(total);Total;1262,06;1195,46;66,60;3;6;420,69;;1244,56;17,50\r\n",
    );
  });

  it("English: commas and points, no BOM; the comparison columns", () => {
    expect(renderReport(tillReport(), "csv", en)).toBe(
      "key,label,ttc,ht,vat,tickets,quantity,avg_basket,share,compare_ttc,delta,pct,last_sale,last_archive,sequence\r\n" +
        "D01,Magasin 1,1500.01,1250.01,250.00,2,3,750.01,0.9375,1000.00,500.01,50.00,,,\r\n" +
        "D02,Magasin]0;x 2,99.99,83.33,16.66,1,1.5,99.99,0.0625,0.00,99.99,,,,\r\n" +
        "D03,Magasin 3,0.00,0.00,0.00,0,0,,0.0000,0.00,0.00,,,,\r\n" +
        "(total),Total,1600.00,1333.33,266.67,3,4.5,533.33,,1000.00,600.00,60.00,,,\r\n",
    );
  });

  it("leaves absent figures empty and never protects a negative number", () => {
    expect(renderReport(paymentReport(), "csv", en)).toBe(
      "key,label,ttc,ht,vat,tickets,quantity,avg_basket,share,ttc_D01,ttc_D02\r\n" +
        "CB,Carte bancaire,12.50,,,1,,12.50,1.0417,12.50,0.00\r\n" +
        "'-X,'-X,-0.50,,,1,,-0.50,-0.0417,0.00,-0.50\r\n" +
        "(total),Total,12.00,,,2,,6.00,,12.50,-0.50\r\n",
    );
  });
});

describe("json", () => {
  it("gives the documented JSON shape, amounts in euros, whatever the locale", () => {
    const text = renderReport(tillReport(), "json", fr);
    expect(text).toBe(renderReport(tillReport(), "json", en));
    expect(text.endsWith("}\n")).toBe(true);
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      "from",
      "to",
      "by",
      "currency",
      "tills",
      "rows",
      "total",
      "warnings",
      "compared",
    ]);
    expect(json.total).toEqual({
      ttc: 1600,
      ht: 1333.33,
      vat: 266.67,
      tickets: 3,
      quantity: 4.5,
      avg_basket: 533.33,
      compare: { ttc: 1000, delta: 600, pct: 60 },
    });
    expect(json.compared).toEqual({ mode: "previous", from: "2026-10-01", to: "2026-10-31" });
    expect((json.rows as unknown[])[0]).toEqual({
      key: "D01",
      label: "Magasin 1",
      ttc: 1500.01,
      ht: 1250.01,
      vat: 250,
      tickets: 2,
      quantity: 3,
      avg_basket: 750.01,
      share: 0.9375,
      compare: { ttc: 1000, delta: 500.01, pct: 50 },
    });
  });

  it("keeps labels as they are: JSON escapes control characters itself", () => {
    const text = renderReport(familyReport(), "json", en);
    expect(text).toContain('"label": "=HYPERLINK(\\"http://x\\";\\"a|b\\")\\u001b[31m<b>&"');
    expect(text).toContain('"ht": 1170.2,');
    expect(text).toContain(
      `"warnings": [\n    "D02 ventes.csv line 17: invalid amount '12,505'"\n  ]`,
    );
  });
});

describe("md", () => {
  it("escapes what Markdown would interpret and lists the warnings", () => {
    expect(renderReport(familyReport(), "md", en)).toBe(
      [
        "# Turnover by family, 2026-11-01 to 2026-11-30",
        "",
        "| Family | Label | D01 | D02 | Total TTC | HT | Tickets | Share |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        "| EPI | Epicerie | €1,234.56 | €20.50 | €1,255.06 | €1,189.63 | 2 | 99.45% |",
        '| =CMD | =HYPERLINK("http://x";"a\\|b")\\[31m\\<b\\>\\& | €10.00 | -€3.00 | €7.00 | €5.83 | 2 | 0.55% |',
        "| **Total** |  | **€1,244.56** | **€17.50** | **€1,262.06** | **€1,195.46** | **3** |  |",
        "",
        "## Warnings",
        "",
        "- D02 ventes.csv line 17: invalid amount '12,505'",
        "",
      ].join("\n"),
    );
  });
});

describe("html", () => {
  it("is a self-contained page with every text escaped", () => {
    expect(renderReport(familyReport(), "html", en)).toBe(
      [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>Turnover by family, 2026-11-01 to 2026-11-30</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .6em}th{background:#f0f0f0}.n{text-align:right;white-space:nowrap}tfoot td{font-weight:bold}</style>",
        "</head>",
        "<body>",
        "<h1>Turnover by family, 2026-11-01 to 2026-11-30</h1>",
        "<table>",
        '<thead><tr><th>Family</th><th>Label</th><th class="n">D01</th><th class="n">D02</th><th class="n">Total TTC</th><th class="n">HT</th><th class="n">Tickets</th><th class="n">Share</th></tr></thead>',
        "<tbody>",
        '<tr><td>EPI</td><td>Epicerie</td><td class="n">€1,234.56</td><td class="n">€20.50</td><td class="n">€1,255.06</td><td class="n">€1,189.63</td><td class="n">2</td><td class="n">99.45%</td></tr>',
        '<tr><td>=CMD</td><td>=HYPERLINK(&quot;http://x&quot;;&quot;a|b&quot;)[31m&lt;b&gt;&amp;</td><td class="n">€10.00</td><td class="n">-€3.00</td><td class="n">€7.00</td><td class="n">€5.83</td><td class="n">2</td><td class="n">0.55%</td></tr>',
        "</tbody>",
        '<tfoot><tr><td>Total</td><td></td><td class="n">€1,244.56</td><td class="n">€17.50</td><td class="n">€1,262.06</td><td class="n">€1,195.46</td><td class="n">3</td><td class="n"></td></tr></tfoot>',
        "</table>",
        "<h2>Warnings</h2>",
        "<ul>",
        "<li>D02 ventes.csv line 17: invalid amount &#39;12,505&#39;</li>",
        "</ul>",
        "</body>",
        "</html>",
        "",
      ].join("\n"),
    );
  });

  it("loads nothing from elsewhere", () => {
    const page = renderReport(tillReport(), "html", fr);
    expect(page).not.toMatch(/<script|<link|src=|href=|url\(/u);
    expect(page).toContain("<title>Chiffre d&#39;affaires par magasin");
  });

  it.each([
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    [`"'&`, "&quot;&#39;&amp;"],
  ])("escapes %s", (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });
});

it("every format ends with a newline", () => {
  for (const format of REPORT_FORMATS) {
    expect(renderReport(paymentReport(), format, fr).endsWith("\n")).toBe(true);
  }
});

describe("incomplete tills", () => {
  /** D02's figures leave out rows: marked on its column, every row and the total. */
  function incompleteReport(by: "family" | "till"): Report {
    const data = new Aggregator(by);
    data.addSale("D01", line("1", "EPI", 1000));
    data.addSale("D02", line("7", "BOI", 250));
    return buildReport({
      by,
      range: NOVEMBER,
      tills: [
        { ref: "D01", name: "Magasin 1" },
        { ref: "D02", name: "Magasin 2" },
      ],
      data,
      labels: NO_LABELS,
      warnings: ["D02: incomplete figures: 2 of 100 rows invalid (2.00 %); see the warnings above"],
      incomplete: ["D02"],
      locale: "en",
    });
  }

  it("--by till: the till's row and the total are marked in every format", () => {
    const report = incompleteReport("till");
    const table = renderReport(report, "table", en);
    expect(table).toMatch(/│ D01 +│ Magasin 1 │/u);
    expect(table).toMatch(/│ D02 \(incomplete\) +│ Magasin 2 │/u);
    expect(table).toMatch(/│ Total \(incomplete\) +│/u);
    const markdown = renderReport(report, "md", en);
    expect(markdown).toContain("| D02 (incomplete) | Magasin 2 |");
    expect(markdown).toContain("| **Total (incomplete)** |");
    expect(markdown).toContain("- D02: incomplete figures: 2 of 100 rows invalid");
    const html = renderReport(report, "html", en);
    expect(html).toContain("<td>D02 (incomplete)</td><td>Magasin 2</td>");
    expect(html).toContain("<li>D02: incomplete figures: 2 of 100 rows invalid");
    const json = JSON.parse(renderReport(report, "json", en)) as {
      rows: Record<string, unknown>[];
      total: Record<string, unknown>;
    };
    expect(json.rows.map((row) => row.incomplete)).toEqual([undefined, true]);
    expect(json.total.incomplete).toBe(true);
  });

  it("other dimensions: the till's column is marked, in French too", () => {
    const table = renderReport(incompleteReport("family"), "table", fr);
    expect(table).toMatch(/│ Famille +│ Libellé │ +D01 │ D02 \(incomplet\) │ Total TTC │/u);
    expect(table).toMatch(/│ Total \(incomplet\) │/u);
  });
});

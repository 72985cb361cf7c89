import { runReport } from "../../packages/central/src/commands/report.js";
import { collectChartData } from "../../packages/central/src/report/charts.js";
import { Aggregator, buildReport, EMPTY_LABELS, type LocalDate } from "@caisse/core";
import { collectReport } from "../../packages/central/src/report/collect.js";
import { centralPaths, loadCentralConfig } from "@caisse/central";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import {
  chartsOf,
  HOSTILE_FAMILY,
  HTML_DAYS,
  HTML_TILLS,
  htmlSales,
  legendOf,
  seriesOf,
  writeHtmlCentral,
} from "../helpers/htmlReport.js";

/** `report --format html`: the page, its charts, their figures, on generated data. */
let root: { path: string; remove: () => Promise<void> };
// Monday 30 November 2026, 06:05 local time.
const NOW = new Date(2026, 10, 30, 6, 5, 0);

beforeEach(async () => {
  root = await temporaryFolder("caisse-html-");
  await writeHtmlCentral(root.path);
});
afterEach(async () => root.remove());

async function html(flags: Record<string, string>, env: Record<string, string> = {}) {
  const { ctx } = captureContext(root.path, env, () => NOW);
  const result = await runReport({ root: root.path, format: "html", ...flags }, ctx);
  return result.text;
}

/** Sum of the generated sales matching `keep`, in cents. */
function sum(keep: (sale: ReturnType<typeof htmlSales>[number]) => boolean): number {
  return htmlSales()
    .filter(keep)
    .reduce((total, sale) => total + sale.cents, 0);
}

describe("report --format html", () => {
  it.each(["till", "family", "day", "payment"])(
    "--by %s: three charts, one series per store each, store names escaped",
    async (by) => {
      const page = await html({ period: "2026-11", by }, { LANG: "fr_FR.UTF-8" });
      const charts = chartsOf(page);
      expect(charts.map((chart) => chart.id)).toEqual(["turnover", "time", "families"]);
      for (const chart of charts) {
        expect(seriesOf(chart.svg)).toEqual([0, 1, 2]);
        expect(legendOf(chart.svg)).toEqual([
          "Nord &lt;b&gt;1&lt;/b&gt;",
          "&lt;script&gt;&quot;S&quot;&amp;&#39;C&#39;",
          "Est",
        ]);
      }
      // Nothing from the data is markup: no script, no element of its own.
      expect(page).not.toMatch(/<script|<b>|alert\("f"\)/iu);
      expect(page).toContain("Rapport établi le 30/11/2026 06:05");
      expect(page).toContain("Période\u00A0: du 01/11/2026 au 30/11/2026 (30 jours)");
    },
  );

  it("loads nothing from elsewhere and has unique ids", async () => {
    const page = await html({ period: "2026-11" });
    expect(page).not.toMatch(/<script|<link|<img|<iframe|src=|href=|@import/iu);
    // The only URLs are the SVG namespaces and references to the page's own clip paths.
    const urls = [...page.matchAll(/url\(([^)]*)\)|https?:\/\/[^\s"')]+/gu)].map(
      (match) => match[0],
    );
    expect(new Set(urls.filter((url) => !url.startsWith("url(#")))).toEqual(
      new Set(["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"]),
    );
    const ids = [...page.matchAll(/\sid="([^"]+)"/gu)].map((match) => match[1]);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    for (const reference of page.matchAll(/url\(#([^)]+)\)/gu)) expect(ids).toContain(reference[1]);
  });

  it("a period without sales: turnover and days at 0, no family chart", async () => {
    const page = await html({ period: "2026-10", by: "family" });
    const charts = chartsOf(page);
    expect(charts.map((chart) => chart.id)).toEqual(["turnover", "time"]);
    for (const chart of charts) expect(seriesOf(chart.svg)).toEqual([0, 1, 2]);
  });

  it("the same report gives the same page, byte for byte", async () => {
    const first = await html({ period: "2026-11", by: "family" });
    const second = await html({ period: "2026-11", by: "family" });
    expect(second).toBe(first);
  });

  it("--top and --compare: the charts still have every store and family", async () => {
    const page = await html({ period: "2026-11", by: "family", top: "1", compare: "previous" });
    const families = chartsOf(page).find((chart) => chart.id === "families")?.svg ?? "";
    expect(families).toContain(">Boissons</text>");
    expect(families).toContain(">Frais</text>");
    expect(families).toContain(
      `>${HOSTILE_FAMILY.replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")}</text>`,
    );
  });
});

describe("the charts' figures", () => {
  async function data(
    period: { from: LocalDate; to: LocalDate },
    by: "till" | "day" = "till",
    lastSales: Record<string, string | null> = {},
  ) {
    const paths = centralPaths(root.path);
    const { tills } = await loadCentralConfig(paths);
    const collect = { paths, tills };
    const collected = await collectReport({ ...collect, by, range: period });
    const report = buildReport({
      by,
      range: period,
      tills,
      data: collected.data,
      labels: collected.labels,
      warnings: [],
      locale: "en",
    });
    // As the monitor's code fills them in (see docs/reports.md#html).
    report.tills = report.tills.map((till) =>
      till.ref in lastSales
        ? { ...till, lastSale: (lastSales[till.ref] ?? null) as LocalDate | null }
        : till,
    );
    return collectChartData({
      report,
      collect,
      range: period,
      tills,
      complete: true,
      locale: "en",
    });
  }

  it("per store, per day and per family, to the cent", async () => {
    const chart = await data({ from: "2026-11-01" as LocalDate, to: "2026-11-30" as LocalDate });
    const refs = HTML_TILLS.map((till) => till.ref);
    expect(chart.stores.map((store) => store.ref)).toEqual(refs);
    expect(chart.stores.map((store) => store.name)).toEqual(HTML_TILLS.map((till) => till.name));
    expect(chart.turnover).toEqual(refs.map((ref) => sum((sale) => sale.till === ref)));
    expect(chart.time.unit).toBe("day");
    expect(chart.time.keys).toHaveLength(30);
    expect(chart.time.keys[0]).toBe("2026-11-01");
    expect(chart.time.ttc).toEqual(
      refs.map((ref) =>
        chart.time.keys.map((day) => sum((sale) => sale.till === ref && sale.day === day)),
      ),
    );
    // D03 sold nothing on the 4th: a point at 0, not a missing day.
    expect(chart.time.ttc[2]?.[3]).toBe(0);
    const families = ["BOI", "EPI", "FRA"]; // largest first over all stores
    expect(chart.families.keys).toEqual(families);
    expect(chart.families.labels).toEqual(["Boissons", HOSTILE_FAMILY, "Frais"]);
    expect(chart.families.shareBp).toEqual(
      refs.map((ref) =>
        families.map((family) =>
          Math.round(
            (sum((sale) => sale.till === ref && sale.family === family) * 10000) /
              sum((sale) => sale.till === ref),
          ),
        ),
      ),
    );
    expect(HTML_DAYS).toBe(7);
  });

  it("over more than 92 days, a point per month", async () => {
    const chart = await data(
      { from: "2026-06-01" as LocalDate, to: "2026-11-30" as LocalDate },
      "day",
    );
    expect(chart.time.unit).toBe("month");
    expect(chart.time.keys).toEqual([
      "2026-06",
      "2026-07",
      "2026-08",
      "2026-09",
      "2026-10",
      "2026-11",
    ]);
    expect(chart.time.labels[5]).toBe("November 2026");
    expect(chart.time.ttc.map((months) => months.slice(0, 5))).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    expect(chart.time.ttc.map((months) => months[5])).toEqual(chart.turnover);
  });

  it("after a store's last sale, no point rather than 0", async () => {
    const chart = await data(
      { from: "2026-11-01" as LocalDate, to: "2026-11-30" as LocalDate },
      "day",
      { D01: "2026-11-05", D02: null },
    );
    const d01 = chart.time.ttc[0] ?? [];
    expect(d01.slice(0, 5)).toEqual(
      chart.time.keys
        .slice(0, 5)
        .map((day) => sum((sale) => sale.till === "D01" && sale.day === day)),
    );
    expect(d01.slice(5)).toEqual(Array.from({ length: 25 }, () => null));
    // Unknown (null) or not given: every day is a figure.
    expect(chart.time.ttc[1]?.every((ttc) => typeof ttc === "number")).toBe(true);
    expect(chart.time.ttc[2]?.every((ttc) => typeof ttc === "number")).toBe(true);
  });
});

describe("the page's other parts", () => {
  it("alarms at the top, each store's freshness, escaped", async () => {
    const { renderHtml } = await import("../../packages/central/src/render/html.js");
    const report = buildReport({
      by: "till",
      range: { from: "2026-11-01" as LocalDate, to: "2026-11-02" as LocalDate },
      tills: [
        { ref: "D01", name: "<i>Nord</i>" },
        { ref: "D02", name: "Sud" },
      ],
      data: new Aggregator("till"),
      labels: EMPTY_LABELS,
      warnings: [],
      locale: "fr",
    });
    report.tills = [
      {
        ref: "D01",
        name: "<i>Nord</i>",
        lastSale: "2026-11-02" as LocalDate,
        lastArchive: "2026-11-03T06:12:40+01:00",
        sequence: 42,
        never: false,
      },
      { ref: "D02", name: "Sud", lastSale: null, lastArchive: null, sequence: null, never: true },
    ];
    const page = renderHtml(report, {
      locale: "fr",
      color: false,
      alarms: ["D02 <Sud>: aucune archive depuis 40 h"],
    });
    const body = page.slice(page.indexOf("<body>"));
    expect(body.indexOf('<div class="alarms"')).toBe("<body>\n".length);
    expect(body).toContain("<li>D02 &lt;Sud&gt;: aucune archive depuis 40 h</li>");
    // The freshness lines of every format, after the table, escaped.
    expect(body).toContain(
      [
        '<h2>Fraîcheur des données</h2>\n<ul class="freshness">',
        "<li>D01 &lt;i&gt;Nord&lt;/i&gt; : dernière vente le 02/11/2026, dernière archive le 03/11/2026 06:12 (n° 42)</li>",
        "<li>D02 Sud : n&#39;a jamais rien envoyé</li>",
        "</ul>",
      ].join("\n"),
    );
  });

  it("each store's freshness from the journal and its data", async () => {
    const page = await html({ period: "2026-11" }, { LANG: "fr_FR.UTF-8" });
    expect(page).toContain(
      [
        '<ul class="freshness">',
        "<li>D01 Nord &lt;b&gt;1&lt;/b&gt; : dernière vente le 08/11/2026, aucune archive reçue</li>",
      ].join("\n"),
    );
  });
});

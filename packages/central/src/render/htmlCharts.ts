// Apache ECharts' own server-side SVG renderer (see docs/decisions.md#charts-echarts-server-side-svg):
// only the charts and components used are registered, so the bundles carry only those. This
// module is imported by the HTML report alone, when it runs (see docs/architecture.md#a-command).
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent } from "echarts/components";
import { init, use, type EChartsCoreOption } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { formatQuantity, type Locale, type Milli } from "@caisse/core";
import type { ChartData } from "../report/charts.js";

use([BarChart, LineChart, GridComponent, LegendComponent, SVGRenderer]);

/** One chart of the HTML report: what it shows, and its SVG markup. */
export interface RenderedChart {
  /** `turnover`, `time` or `families`: stable, for styles and tests. */
  id: "turnover" | "time" | "families";
  title: string;
  svg: string;
}

/** The width every chart is drawn at; the page scales them down to fit (print included). */
export const CHART_WIDTH = 900;

/**
 * Stores keep one colour across the three charts (series in the stores' order); colours chosen
 * apart in hue and lightness, so that they stay distinct printed in grey too.
 */
const PALETTE = [
  "#1f5fbf",
  "#e07b00",
  "#2a9d4b",
  "#c0392b",
  "#7b4fb0",
  "#8c6d31",
  "#d45fa8",
  "#5f6b73",
  "#a8b400",
  "#1aa3b8",
];

interface Words {
  turnover: string;
  time: (unit: "day" | "month") => string;
  families: string;
}

const WORDS: Record<Locale, Words> = {
  fr: {
    turnover: "Chiffre d'affaires TTC par magasin",
    time: (unit) => `Chiffre d'affaires TTC par ${unit === "day" ? "jour" : "mois"} et par magasin`,
    families: "Part de chaque famille dans le chiffre d'affaires du magasin",
  },
  en: {
    turnover: "Turnover incl. VAT per store",
    time: (unit) => `Turnover incl. VAT per ${unit} and store`,
    families: "Share of each family in the store's turnover",
  },
};

/** Whole euros for an axis or a bar: `1 234 €`, `€1,234`, grouped as the tables are. */
function euros(value: number, locale: Locale): string {
  const grouped = formatQuantity((Math.round(value) * 1000) as Milli, locale);
  return locale === "fr" ? `${grouped}\u00A0€` : `€${grouped}`;
}

function percent(value: number, locale: Locale): string {
  const text = String(Math.round(value));
  return locale === "fr" ? `${text}\u00A0%` : `${text}%`;
}

/** What every chart shares: no animation, the palette, a legend of the stores at the top. */
function base(names: readonly string[]): EChartsCoreOption {
  return {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: "sans-serif" },
    // The server measures texts with estimates: room to spare between legend items.
    legend: { top: 0, left: "center", itemGap: 28, data: [...names] },
    grid: {
      left: 40,
      right: 32,
      top: 40 + 22 * Math.floor(names.length / 6),
      bottom: 8,
      outerBoundsMode: "same",
      outerBoundsContain: "axisLabel",
    },
  };
}

function heightOf(names: readonly string[], plot: number): number {
  return 60 + 22 * Math.floor(names.length / 6) + plot;
}

/**
 * Draws one chart into an SVG string. ECharts numbers the ids inside its SVG with counters
 * global to the process (`zr3-c0`, `zr3-cls-12`); they are renumbered per chart, so that one page
 * never holds two equal ids and the same report always gives the same page.
 */
function draw(prefix: string, height: number, option: EChartsCoreOption): string {
  const chart = init(null, null, { renderer: "svg", ssr: true, width: CHART_WIDTH, height });
  try {
    chart.setOption(option);
    const svg = chart.renderToSVGString();
    const ids = new Map<string, string>();
    return svg.replace(/\bzr\d+-[a-z]+(?:-[a-z]+)*-?\d+\b/gu, (id) => {
      let renamed = ids.get(id);
      if (renamed === undefined) {
        renamed = `${prefix}-${ids.size}`;
        ids.set(id, renamed);
      }
      return renamed;
    });
  } finally {
    chart.dispose();
  }
}

function turnoverChart(data: ChartData, locale: Locale): string {
  const names = data.stores.map((store) => store.name);
  return draw("turnover", heightOf(names, 280), {
    ...base(names),
    xAxis: { type: "category", data: names, axisLabel: { interval: 0 } },
    yAxis: { type: "value", axisLabel: { formatter: (value: number) => euros(value, locale) } },
    // One series per store, each with its own bar only, stacked so that every bar is centred.
    series: data.stores.map((store, index) => ({
      type: "bar",
      name: store.name,
      stack: "turnover",
      barMaxWidth: 80,
      data: data.stores.map((_, at) => (at === index ? (data.turnover[index] ?? 0) / 100 : "-")),
      label: {
        show: true,
        position: "top",
        formatter: ({ value }: { value: unknown }) =>
          typeof value === "number" ? euros(value, locale) : "",
      },
    })),
  });
}

function timeChart(data: ChartData, locale: Locale): string {
  const names = data.stores.map((store) => store.name);
  return draw("time", heightOf(names, 300), {
    ...base(names),
    xAxis: { type: "category", data: data.time.labels, boundaryGap: false },
    yAxis: { type: "value", axisLabel: { formatter: (value: number) => euros(value, locale) } },
    series: data.stores.map((store, index) => ({
      type: "line",
      name: store.name,
      showSymbol: true,
      showAllSymbol: true,
      symbolSize: 4,
      // After the store's last sale the line stops: "no data", not 0.
      data: (data.time.ttc[index] ?? []).map((ttc) => (ttc === null ? "-" : ttc / 100)),
    })),
  });
}

function familiesChart(data: ChartData, locale: Locale): string {
  const names = data.stores.map((store) => store.name);
  const perFamily = Math.max(28, names.length * 10 + 10);
  return draw("families", heightOf(names, 40 + data.families.keys.length * perFamily), {
    ...base(names),
    // Families down the side, so that long labels stay readable; the first at the top.
    yAxis: {
      type: "category",
      data: data.families.labels,
      inverse: true,
      axisLabel: { width: 180, overflow: "truncate" },
    },
    xAxis: {
      type: "value",
      axisLabel: { formatter: (value: number) => percent(value, locale) },
    },
    series: data.stores.map((store, index) => ({
      type: "bar",
      name: store.name,
      data: (data.families.shareBp[index] ?? []).map((share) => (share === null ? 0 : share / 100)),
    })),
  });
}

/**
 * The charts of the HTML report, in the order they are shown: the family mix only when some
 * family sold (a period without sales has turnover and days at 0, and no family).
 */
export function renderCharts(data: ChartData, locale: Locale): RenderedChart[] {
  const words = WORDS[locale];
  const charts: RenderedChart[] = [
    { id: "turnover", title: words.turnover, svg: turnoverChart(data, locale) },
    { id: "time", title: words.time(data.time.unit), svg: timeChart(data, locale) },
  ];
  if (data.families.keys.length > 0) {
    charts.push({ id: "families", title: words.families, svg: familiesChart(data, locale) });
  }
  return charts;
}

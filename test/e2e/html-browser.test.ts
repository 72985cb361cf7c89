import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, REPO, runBin, temporaryFolder } from "../helpers/cli.js";
import { HTML_TILLS, writeHtmlCentral } from "../helpers/htmlReport.js";

/**
 * The HTML report opened in a real browser, Debian's Chromium driven by playwright-core: it must
 * show without a console error, ask for nothing over the network, draw one series per store in
 * each chart, and print. Screenshots and the printed PDF are kept in artifacts/ for people to look
 * at (CI keeps that folder).
 */
const CHROMIUM = process.env.CAISSE_CHROMIUM ?? "/usr/bin/chromium";
const HOW = "install Debian's chromium ('apt-get install -y --no-install-recommends chromium')";
/** Where the screenshots are written: artifacts/ at the top of the repository (gitignored). */
export const ARTIFACTS = join(REPO, "artifacts");
const available = existsSync(CHROMIUM);

if (!available && process.env.CAISSE_REQUIRE_ALL === "1") {
  it("Chromium is installed (CAISSE_REQUIRE_ALL=1)", () => {
    throw new Error(`the browser test cannot run: ${CHROMIUM} is missing; ${HOW}`);
  });
}

interface Seen {
  /** Every URL the page asked for. */
  requests: string[];
  /** Console errors and warnings, and uncaught errors. */
  problems: string[];
}

/** What each chart shows, read from the SVG the browser built. */
interface ChartView {
  id: string;
  series: number[];
  legend: string[];
  width: number;
  height: number;
}

/**
 * Run in the page (a string: the tests are type-checked without the DOM's types). Per chart: the
 * distinct series of its data elements (ECharts marks each bar and line point with
 * `ecmeta_series_index`), the legend's texts (each item ends with its hit area, just after its
 * text) and the size the SVG is shown at.
 */
const READ_CHARTS = `[...document.querySelectorAll("figure.chart")].map((figure) => {
  const svg = figure.querySelector("svg");
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  const series = new Set();
  for (const element of figure.querySelectorAll('[ecmeta_ssr_type="chart"]'))
    series.add(Number(element.getAttribute("ecmeta_series_index")));
  const legend = [...figure.querySelectorAll('[ecmeta_ssr_type="legend"]')]
    .map((hit) => hit.previousElementSibling)
    .filter((text) => text !== null && text.tagName === "text")
    .map((text) => text.textContent);
  return {
    id: figure.getAttribute("data-chart"),
    series: [...series].sort((a, b) => a - b),
    legend,
    width: box.width,
    height: box.height,
  };
})`;

describe.skipIf(!available)(
  `the HTML report in Chromium${available ? "" : ` (skipped: ${HOW})`}`,
  () => {
    let browser: Browser;
    let folder: { path: string; remove: () => Promise<void> };
    let page: string;

    beforeAll(async () => {
      folder = await temporaryFolder("caisse-browser-");
      await writeHtmlCentral(folder.path);
      page = join(folder.path, "rapport.html");
      const run = await runBin(
        BIN.central,
        ["--root", folder.path, "report", "--period", "2026-11", "--format", "html", "--out", page],
        { cwd: folder.path, env: { LANG: "fr_FR.UTF-8" } },
      );
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      await mkdir(ARTIFACTS, { recursive: true });
    }, 60_000);
    afterAll(async () => {
      await browser.close();
      await folder.remove();
    });

    async function open(
      media: "screen" | "print",
      shot: string,
    ): Promise<{ seen: Seen; charts: ChartView[] }> {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const tab = await context.newPage();
      const url = pathToFileURL(page).href;
      const seen: Seen = { requests: [], problems: [] };
      tab.on("request", (request) => seen.requests.push(request.url()));
      tab.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") {
          seen.problems.push(`${message.type()}: ${message.text()}`);
        }
      });
      tab.on("pageerror", (error) => seen.problems.push(`page error: ${error.message}`));
      // Everything but the page itself is refused, so a stray URL shows as a request, not a wait.
      await context.route("**/*", (route) =>
        route.request().url() === url ? route.continue() : route.abort(),
      );
      await tab.emulateMedia({ media });
      await tab.goto(url, { waitUntil: "load" });
      const charts = await tab.evaluate<ChartView[]>(READ_CHARTS);
      await tab.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
      if (media === "print") await tab.pdf({ path: join(ARTIFACTS, "report.pdf"), format: "A4" });
      await context.close();
      return { seen, charts };
    }

    it.each([
      ["screen", "report.png"],
      ["print", "report-print.png"],
    ] as const)(
      "on %s: no console error, no request but the file, one series per store in each chart",
      async (media, shot) => {
        const { seen, charts } = await open(media, shot);
        expect(seen.problems).toEqual([]);
        expect(seen.requests).toEqual([pathToFileURL(page).href]);
        expect(charts.map((chart) => chart.id)).toEqual(["turnover", "time", "families"]);
        for (const chart of charts) {
          expect(chart.series).toEqual([0, 1, 2]);
          // The legend names the stores by their names, shown as text, not run as markup.
          expect(chart.legend).toEqual(HTML_TILLS.map((till) => till.name));
          expect(chart.width).toBeGreaterThan(300);
          expect(chart.height).toBeGreaterThan(100);
        }
        expect((await stat(join(ARTIFACTS, shot))).size).toBeGreaterThan(10_000);
      },
      60_000,
    );

    it("the printed PDF has the charts' pages", async () => {
      const pdf = await readFile(join(ARTIFACTS, "report.pdf"));
      expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/gu) ?? [];
      expect(pages.length).toBeGreaterThanOrEqual(2);
      await writeFile(join(ARTIFACTS, "README.txt"), "Written by test/e2e/html-browser.test.ts.\n");
    });
  },
);

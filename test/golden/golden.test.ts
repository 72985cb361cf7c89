import { main } from "@caisse/central";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";

/**
 * Golden files: the reports and the monitor of a fixed central root (test/golden/data: three
 * tills with names, October and November 2026, one invalid row) on a pinned day, in every format
 * for people and scripts, in French and English, compared byte for byte with test/golden/expected/. After a
 * deliberate change of output, `UPDATE_GOLDEN=1 npx vitest run test/golden` rewrites them; read
 * the diff before committing it (see CONTRIBUTING.md).
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const EXPECTED = join(HERE, "expected");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** Friday 27 November 2026: `month` is November, `previous` October. */
const TODAY = "2026-11-27";
/** A terminal of 100 columns: the wide tables are cut. */
const COLUMNS = "100";

const EXTENSIONS = {
  table: "txt",
  csv: "csv",
  "csv-raw": "raw.csv",
  json: "json",
  md: "md",
} as const;
type Format = keyof typeof EXTENSIONS;

interface Case {
  name: string;
  argv: string[];
  formats: readonly Format[];
}

const ALL: readonly Format[] = ["table", "csv", "csv-raw", "json", "md"];

const CASES: readonly Case[] = [
  {
    name: "till-month-compare",
    argv: ["--period", "month", "--compare", "previous"],
    formats: ALL,
  },
  { name: "family-month", argv: ["--period", "month", "--by", "family"], formats: ALL },
  {
    name: "day-last-week-metrics",
    argv: ["--period", "last-week", "--by", "day", "--metrics", "tills,ttc,tickets"],
    formats: ["table", "csv"],
  },
];

/**
 * The same data with a central catalogue giving purchase prices (test/golden/margin/catalog),
 * all but one article's (P02): the gross margin, known for some rows, unknown for others.
 */
const MARGIN_CASES: readonly Case[] = [
  { name: "family-month-margin", argv: ["--period", "month", "--by", "family"], formats: ALL },
  { name: "till-month-margin", argv: ["--period", "month"], formats: ["table", "csv"] },
];

let root: { path: string; remove: () => Promise<void> };
let marginRoot: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  // A copy: a report never writes into its root today, but nothing here may change the data.
  root = await temporaryFolder("caisse-golden-");
  await cp(join(HERE, "data"), root.path, { recursive: true });
  marginRoot = await temporaryFolder("caisse-golden-margin-");
  await cp(join(HERE, "data"), marginRoot.path, { recursive: true });
  await cp(join(HERE, "margin"), marginRoot.path, { recursive: true });
});
afterAll(async () => {
  await root.remove();
  await marginRoot.remove();
});

async function run(
  argv: readonly string[],
  today = TODAY,
  at: { path: string } = root,
): Promise<string> {
  // The clock is years away: only the pinned day may count.
  const { ctx, output } = captureContext(
    at.path,
    { CAISSE_TODAY: today, COLUMNS },
    () => new Date(2030, 0, 1),
  );
  const code = await main(["--root", at.path, "report", ...argv], ctx);
  expect(code, output().stderr).toBe(0);
  return output().stdout;
}

/** `caisse-central monitor` at noon on the pinned day, in the language given. */
async function monitor(format: "table" | "json", lang: string): Promise<string> {
  const { ctx, output } = captureContext(
    root.path,
    { CAISSE_TODAY: TODAY, COLUMNS },
    () => new Date(2026, 10, 27, 12, 0, 0),
  );
  const code = await main(
    ["--root", root.path, "monitor", "--format", format, "--lang", lang],
    ctx,
  );
  // No till of the example data sent an archive through the journal: `never`, not an alarm.
  expect(code, output().stderr).toBe(0);
  return output().stdout;
}

async function compare(file: string, actual: string): Promise<void> {
  const path = join(EXPECTED, file);
  if (UPDATE) {
    await mkdir(EXPECTED, { recursive: true });
    await writeFile(path, actual);
    return;
  }
  const expected = await readFile(path, "utf8").catch(() => {
    throw new Error(`${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden`);
  });
  expect(actual, `${file} differs; if the change is meant, UPDATE_GOLDEN=1 rewrites it`).toBe(
    expected,
  );
}

describe.each(["fr", "en"] as const)("golden reports in %s", (lang) => {
  for (const { name, argv, formats } of CASES) {
    it.each(formats)(`${name}: %s`, async (format) => {
      const text = await run([...argv, "--format", format, "--lang", lang]);
      await compare(`${name}.${lang}.${EXTENSIONS[format]}`, text);
    });
  }

  for (const { name, argv, formats } of MARGIN_CASES) {
    it.each(formats)(`${name}: %s`, async (format) => {
      const text = await run([...argv, "--format", format, "--lang", lang], TODAY, marginRoot);
      await compare(`${name}.${lang}.${EXTENSIONS[format]}`, text);
    });
  }

  it.each(["table", "json"] as const)("monitor: %s", async (format) => {
    await compare(
      `monitor.${lang}.${format === "table" ? "txt" : "json"}`,
      await monitor(format, lang),
    );
  });

  it("--today comes before CAISSE_TODAY", async () => {
    const text = await run(
      ["--period", "month", "--by", "family", "--today", TODAY, "--lang", lang],
      "2020-01-01",
    );
    await compare(`family-month.${lang}.txt`, text);
  });
});

/**
 * `caisse-central check` on fixed data made to give every kind of finding (test/golden/check:
 * `catalogue`, tills checked against catalog/; `tills`, without a catalogue, checked against each
 * other): the text in each language, and the JSON, which is the same in both.
 */
describe("golden check", () => {
  const roots = new Map<string, string>();
  beforeAll(async () => {
    for (const name of ["catalogue", "tills"]) {
      const copy = join(root.path, `check-${name}`);
      await cp(join(HERE, "check", name), copy, { recursive: true });
      roots.set(name, copy);
    }
  });

  async function check(name: string, argv: readonly string[], env = {}): Promise<string> {
    const path = roots.get(name) ?? "";
    const { ctx, output } = captureContext(path, { COLUMNS, ...env }, () => new Date(2030, 0, 1));
    const code = await main(["--root", path, "check", ...argv], ctx);
    expect(code, output().stderr).toBe(3);
    expect(output().stderr).toBe("");
    return output().stdout;
  }

  describe.each(["catalogue", "tills"])("%s", (name) => {
    it.each(["fr", "en"])("text in %s", async (lang) => {
      await compare(`check-${name}.${lang}.txt`, await check(name, ["--lang", lang]));
    });

    it("JSON, the same in both languages", async () => {
      const json = await check(name, ["--format", "json", "--lang", "en"]);
      expect(await check(name, ["--format", "json", "--lang", "fr"])).toBe(json);
      await compare(`check-${name}.json`, json);
    });
  });
});

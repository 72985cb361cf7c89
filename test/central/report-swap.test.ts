import { centralPaths, type TillRecord } from "../../packages/central/src/config.js";
import { runReport } from "../../packages/central/src/commands/report.js";
import { collectReport, TILL_READ_ATTEMPTS } from "../../packages/central/src/report/collect.js";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { caisseFailure } from "../helpers/errors.js";

/**
 * A report takes no lock, so an import may swap a till's directory in while the report reads it
 * (docs/central-layout.md#the-till-directory-swap: the swap is all or nothing). The report must
 * then read one side whole: never a mix of old and new files, never "no data" for a till that has
 * data.
 */
let root: { path: string; remove: () => Promise<void> };
const D01: TillRecord = { ref: "D01", name: "Magasin 1", path: "D01", enabled: true };
const HEADER = "ticket;date;article;famille;quantite;montant_ttc;taux_tva";

/** A till folder with a sales file and a payments file, both of one amount. */
async function tillFolder(dir: string, amount: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "ventes.csv"), `${HEADER}\n1;2026-11-02 10:00;A1;EPI;1;${amount};20\n`);
  await writeFile(
    join(dir, "reglements.csv"),
    `ticket;date;mode;montant\n1;2026-11-02 10:00;CB;${amount}\n`,
  );
}

const target = (): string => join(root.path, "tills", "D01");

/** What an import does in its steps 2 to 4 (packages/central/src/swap.ts), for real. */
async function swapIn(amount: string): Promise<void> {
  const staging = `${target()}.caisse-new`;
  await tillFolder(staging, amount);
  await writeFile(`${target()}.caisse-swap.json`, "{}\n");
  await rename(target(), `${target()}.caisse-old`);
  await rename(staging, target());
  await rm(`${target()}.caisse-swap.json`);
  await rm(`${target()}.caisse-old`, { recursive: true });
}

beforeEach(async () => {
  root = await temporaryFolder("caisse-report-swap-");
  await writeFile(join(root.path, "caisse-central.json"), JSON.stringify({ tills: [D01] }));
  await tillFolder(target(), "10,00");
});
afterEach(async () => root.remove());

function collect(afterTillRead?: (till: string, attempt: number) => Promise<void>) {
  return collectReport({
    paths: centralPaths(root.path),
    tills: [D01],
    by: "till",
    range: { from: undefined, to: undefined },
    afterTillRead,
  });
}

const ttcOf = (collected: Awaited<ReturnType<typeof collect>>): number | undefined =>
  collected.data.total.get("D01")?.ttc;

describe("report while an import swaps a till's directory", () => {
  it("reads the till again when its directory was replaced during the reading", async () => {
    const attempts: number[] = [];
    const collected = await collect(async (_till, attempt) => {
      attempts.push(attempt);
      if (attempt === 1) await swapIn("25,00");
    });
    expect(attempts).toEqual([1, 2]);
    expect(ttcOf(collected)).toBe(2500);
    expect(collected.warnings).toEqual([]);
  });

  it("reads it once when nothing changed", async () => {
    const attempts: number[] = [];
    const collected = await collect(async (_till, attempt) => {
      attempts.push(attempt);
      await Promise.resolve();
    });
    expect(attempts).toEqual([1]);
    expect(ttcOf(collected)).toBe(1000);
  });

  it(`fails with E_IO after ${TILL_READ_ATTEMPTS} readings that were all overtaken`, async () => {
    let amount = 10;
    const failure = await caisseFailure(
      collect(async () => {
        amount += 1;
        await swapIn(`${amount},00`);
      }),
    );
    expect(failure.code).toBe("E_IO");
    expect(failure.message).toContain(`replaced it ${TILL_READ_ATTEMPTS} times`);
    expect(failure.hint).toContain("run the report again");
  });

  it("reads the decided new data when an import stopped between its two renames", async () => {
    // The state a kill -9 leaves at the swap point 'moved-old': the marker says the new data
    // wins, the old directory is moved away, the new one not yet moved in.
    await tillFolder(`${target()}.caisse-new`, "42,00");
    await writeFile(`${target()}.caisse-swap.json`, "{}\n");
    await rename(target(), `${target()}.caisse-old`);

    const { ctx, output } = captureContext(root.path, {}, () => new Date(2026, 10, 27, 12));
    const result = await runReport({ root: root.path, format: "json", by: "payment" }, ctx);
    const json = JSON.parse(result.text) as { total: { ttc: number }; warnings: string[] };
    expect(json.total.ttc).toBe(42);
    expect(json.warnings).toEqual([]);
    expect(output().stderr).toBe("");
  });

  it("without a marker, a staging folder is an unfinished extraction: not the till's data", async () => {
    await rename(target(), `${target()}.caisse-new`);
    const collected = await collect();
    expect(ttcOf(collected)).toBeUndefined();
    expect(collected.warnings).toEqual([`D01: no data yet (folder ${target()} not found)`]);
  });
});

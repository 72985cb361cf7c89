import { main } from "@caisse/central";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess, temporaryFolder, type Captured } from "../helpers/cli.js";
import { makeTill, type Till } from "../export/fixture.js";

/**
 * The monitor with real archives from a till (docs/monitor.md#status): an incremental archive
 * whose base was lost is refused with "needs a full archive", which makes the till `rejected`
 * (exit 3) with the lost sequence missing; the till's next full archive makes it `ok` again.
 */
let work: { path: string; remove: () => Promise<void> };
let root: string;
let till: Till;
const central = (...argv: string[]): Promise<Captured> =>
  runInProcess(main, ["--root", root, ...argv], work.path);

const DAY = 24 * 60 * 60 * 1000;
const sales = (day: number): Record<string, string> => {
  const date = new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10);
  return {
    [`ventes-${date}.csv`]: `ticket;date;article;famille;quantite;montant_ttc;taux_tva\n${day};${date} 10:00;A1;EPI;1;${day},50;5,5\n`,
  };
};

beforeEach(async () => {
  work = await temporaryFolder("caisse-monitor-incremental-");
  root = join(work.path, "central");
  expect((await central("init")).code).toBe(0);
  expect((await central("tills", "add", "D01", "--name", "Magasin 1")).code).toBe(0);
  till = await makeTill();
  await rm(join(till.data, "ventes.csv"));
  await till.writeData(sales(1));
  await mkdir(till.share);
});
afterEach(async () => {
  await till.remove();
  await work.remove();
});

/** Runs `caisse-export run` on the till, `days` after 10 February; returns its new archive. */
async function tillRun(days: number, ...flags: string[]): Promise<string> {
  const before = new Set(await till.shareNames());
  const now = new Date(new Date("2026-02-10T22:00:00Z").getTime() + days * DAY);
  const result = await till.run(["run", ...flags], { now });
  expect(result.code, result.stderr).toBe(0);
  const added = (await till.shareNames()).filter((name) => !before.has(name));
  return join(till.share, added[0] ?? "");
}

interface State {
  status: string;
  missing: number[][];
  rejected: number[];
  last_archive: { sequence: number } | null;
  last_rejection: { code: string; sequence: number } | null;
  last_sale: string | null;
}

async function monitor(): Promise<{ code: number; state: State | undefined }> {
  const result = await central("monitor", "--format", "json");
  return { code: result.code, state: (JSON.parse(result.stdout) as State[])[0] };
}

describe("monitor and incremental archives", () => {
  it("'needs a full archive' is rejected, exit 3; the next full archive makes it ok", async () => {
    expect((await central("import", await tillRun(0))).code).toBe(0);
    expect(await monitor()).toMatchObject({ code: 0, state: { status: "ok" } });

    await till.writeData(sales(2));
    await rm(await tillRun(1, "--full")); // #2, lost on the way
    await till.writeData(sales(3));
    expect((await central("import", await tillRun(2))).code).toBe(3); // #3, incremental on #2

    expect(await monitor()).toEqual({
      code: 3,
      state: expect.objectContaining({
        status: "rejected",
        missing: [],
        rejected: [3],
        last_archive: expect.objectContaining({ sequence: 1 }) as unknown,
        last_rejection: expect.objectContaining({
          code: "E_ARCHIVE_NEEDS_FULL",
          sequence: 3,
        }) as unknown,
        last_sale: "2026-01-01",
      }) as unknown,
    });

    expect((await central("import", await tillRun(3, "--full"))).code).toBe(0);
    expect(await monitor()).toEqual({
      code: 0,
      state: expect.objectContaining({
        status: "ok",
        // #2 never arrived; #3 was refused, and nothing accepted it since.
        missing: [[2, 2]],
        rejected: [3],
        last_archive: expect.objectContaining({ sequence: 4 }) as unknown,
        last_sale: "2026-01-03",
      }) as unknown,
    });
  });
});

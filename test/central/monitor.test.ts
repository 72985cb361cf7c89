import { main } from "@caisse/central";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureContext, temporaryFolder } from "../helpers/cli.js";
import { CentralRoot, salesCsv, simpleSale as sale } from "../helpers/centralRoot.js";

/**
 * `caisse-central monitor` (docs/monitor.md): one till of each status, the sequences that never
 * arrived or were refused, the turnover of yesterday and today with a pinned today, and exit 3
 * when a till is late or rejected.
 */
let folder: { path: string; remove: () => Promise<void> };
let root: CentralRoot;
// Friday 27 November 2026, noon in Paris; CAISSE_TODAY pins the day.
const NOW = new Date("2026-11-27T12:00:00+01:00");
const ENV = { CAISSE_TODAY: "2026-11-27", LANG: "en_GB.UTF-8" };

const TILLS = [
  { ref: "D01", name: "Magasin 1", path: "D01", enabled: true },
  { ref: "D02", name: "Magasin 2", path: "D02", enabled: true },
  { ref: "D03", name: "Magasin 3", path: "D03", enabled: true },
  { ref: "D04", name: "Magasin 4", path: "D04", enabled: true },
  { ref: "D05", name: "Ancien", path: "D05", enabled: false },
];

beforeEach(async () => {
  folder = await temporaryFolder("caisse-monitor-");
  root = new CentralRoot(folder.path);
  await root.config(TILLS);
  // D01 ok: imported 10 hours ago; sold yesterday and today.
  await root.put(
    "tills/D01/ventes.csv",
    salesCsv([
      sale("1", "2026-11-26", 1000),
      sale("2", "2026-11-26", 250),
      sale("3", "2026-11-27", 300),
    ]),
  );
  await root.journal({ time: "2026-11-27T02:00:00+01:00", till: "D01", sequence: 12 });
  // D02 late: #1, then #3 (#2 never arrived), 58 hours ago; nothing sold since the 24th.
  await root.put("tills/D02/ventes.csv", salesCsv([sale("1", "2026-11-24", 700)]));
  await root.journal({ time: "2026-11-23T02:00:00+01:00", till: "D02", sequence: 1 });
  await root.journal({
    time: "2026-11-25T02:00:00+01:00",
    till: "D02",
    sequence: 3,
    gap: [2, 2],
  });
  // D03 rejected: #5 accepted, #6 refused this night.
  await root.put("tills/D03/ventes.csv", salesCsv([sale("1", "2026-11-26", 4200)]));
  await root.journal({ time: "2026-11-26T02:00:00+01:00", till: "D03", sequence: 5 });
  await root.journal({
    time: "2026-11-27T02:00:00+01:00",
    till: "D03",
    sequence: 6,
    outcome: "rejected",
    code: "E_ARCHIVE_SIGNATURE",
    reason: "the signature does not match the till's key",
  });
  // D05 disabled, and old: not an alarm.
  await root.journal({ time: "2026-10-01T02:00:00+01:00", till: "D05", sequence: 40 });
});
afterEach(async () => folder.remove());

async function monitor(argv: string[] = [], env: Record<string, string> = ENV) {
  const { ctx, output } = captureContext(folder.path, env, () => NOW);
  const code = await main(["--root", folder.path, "monitor", ...argv], ctx);
  return { code, ...output() };
}

describe("caisse-central monitor", () => {
  it("shows the till table with each status, and exits 3 for a late or rejected till", async () => {
    const { code, stdout, stderr } = await monitor();
    expect(stderr).toBe("");
    expect(code).toBe(3);
    expect(stdout).toBe(
      [
        "┌─────┬───────────┬─────────┬──────────┬──────────────────┬─────┬────────────┬─────────────┬──────────────────────────────────────────┬───────────┬─────────┐",
        "│ Ref │ Name      │ Enabled │ Status   │ Last archive     │ Seq │ Last sale  │ Sequences   │ Last rejection                           │ Yesterday │   Today │",
        "├─────┼───────────┼─────────┼──────────┼──────────────────┼─────┼────────────┼─────────────┼──────────────────────────────────────────┼───────────┼─────────┤",
        "│ D01 │ Magasin 1 │ ✓       │ ok       │ 2026-11-27 02:00 │ 12  │ 2026-11-27 │ —           │ —                                        │    €12.50 │   €3.00 │",
        "│ D02 │ Magasin 2 │ ✓       │ late     │ 2026-11-25 02:00 │ 3   │ 2026-11-24 │ #2 missing  │ —                                        │   no data │ no data │",
        "│ D03 │ Magasin 3 │ ✓       │ rejected │ 2026-11-26 02:00 │ 5   │ 2026-11-26 │ #6 rejected │ E_ARCHIVE_SIGNATURE: the signature does… │    €42.00 │ no data │",
        "│ D04 │ Magasin 4 │ ✓       │ never    │ —                │ —   │ —          │ —           │ —                                        │   no data │ no data │",
        "│ D05 │ Ancien    │ -       │ disabled │ 2026-10-01 02:00 │ 40  │ —          │ —           │ —                                        │   no data │ no data │",
        "└─────┴───────────┴─────────┴──────────┴──────────────────┴─────┴────────────┴─────────────┴──────────────────────────────────────────┴───────────┴─────────┘",
        "needs attention: D02 late (no archive for 58 h), D03 rejected (E_ARCHIVE_SIGNATURE)",
        "",
      ].join("\n"),
    );
  });

  it("--lang fr before LANG; the config's lang before LANG too", async () => {
    const alarm =
      "à regarder : D02 late (aucune archive depuis 58 h), D03 rejected (E_ARCHIVE_SIGNATURE)";
    const flag = await monitor(["--lang", "fr"]);
    expect(flag.code).toBe(3);
    expect(flag.stdout.trimEnd().split("\n").at(-1)).toBe(alarm);
    await root.config(TILLS, { lang: "fr" });
    expect((await monitor()).stdout.trimEnd().split("\n").at(-1)).toBe(alarm);
    expect((await monitor(["--lang", "en"])).stdout).toContain("needs attention: D02 late");
  });

  it("--format json: one object per till, amounts in euros", async () => {
    const { code, stdout } = await monitor(["--format", "json"]);
    expect(code).toBe(3);
    const none = { missing: [], rejected: [], broken_chain: [], last_rejection: null };
    expect(JSON.parse(stdout)).toEqual([
      {
        ref: "D01",
        name: "Magasin 1",
        enabled: true,
        status: "ok",
        last_archive: { time: "2026-11-27T02:00:00+01:00", sequence: 12 },
        hours_since_archive: 10,
        last_sale: "2026-11-27",
        ...none,
        yesterday: 12.5,
        today: 3,
      },
      {
        ref: "D02",
        name: "Magasin 2",
        enabled: true,
        status: "late",
        last_archive: { time: "2026-11-25T02:00:00+01:00", sequence: 3 },
        hours_since_archive: 58,
        last_sale: "2026-11-24",
        ...none,
        missing: [[2, 2]],
        yesterday: null,
        today: null,
      },
      {
        ref: "D03",
        name: "Magasin 3",
        enabled: true,
        status: "rejected",
        last_archive: { time: "2026-11-26T02:00:00+01:00", sequence: 5 },
        hours_since_archive: 34,
        last_sale: "2026-11-26",
        missing: [],
        rejected: [6],
        broken_chain: [],
        last_rejection: {
          time: "2026-11-27T02:00:00+01:00",
          file: "D03-6.zip",
          sequence: 6,
          code: "E_ARCHIVE_SIGNATURE",
          reason: "the signature does not match the till's key",
        },
        yesterday: 42,
        today: null,
      },
      {
        ref: "D04",
        name: "Magasin 4",
        enabled: true,
        status: "never",
        last_archive: null,
        hours_since_archive: null,
        last_sale: null,
        ...none,
        yesterday: null,
        today: null,
      },
      {
        ref: "D05",
        name: "Ancien",
        enabled: false,
        status: "disabled",
        last_archive: { time: "2026-10-01T02:00:00+01:00", sequence: 40 },
        hours_since_archive: 1378,
        last_sale: null,
        ...none,
        yesterday: null,
        today: null,
      },
    ]);
  });

  it("exit 0 when every enabled till is ok; late only after staleAfterHours", async () => {
    // D02 and D03 sent a good archive since; D04 is disabled; 48 hours allowed.
    await root.config(
      TILLS.map((till) => (till.ref === "D04" ? { ...till, enabled: false } : till)),
      { staleAfterHours: 48 },
    );
    await root.journal({ time: "2026-11-25T12:00:00+01:00", till: "D02", sequence: 4 });
    await root.journal({ time: "2026-11-27T03:00:00+01:00", till: "D03", sequence: 6 });
    const ok = await monitor(["--format", "json"]);
    const states = JSON.parse(ok.stdout) as { ref: string; status: string; rejected: number[] }[];
    // D02: exactly 48 hours is not more than 48.
    expect(states.map((state) => [state.ref, state.status, state.rejected])).toEqual([
      ["D01", "ok", []],
      ["D02", "ok", []],
      ["D03", "ok", []],
      ["D04", "disabled", []],
      ["D05", "disabled", []],
    ]);
    expect(ok.code).toBe(0);
    const table = await monitor();
    expect(table.code).toBe(0);
    expect(table.stdout.endsWith("\nevery enabled till is ok\n")).toBe(true);

    // One minute more: D02 is late.
    const { ctx } = captureContext(folder.path, ENV, () => new Date(NOW.getTime() + 60 * 60_000));
    expect(await main(["--root", folder.path, "monitor"], ctx)).toBe(3);
  });

  it("a 'needs a full archive' rejection counts as rejected", async () => {
    await root.journal({
      time: "2026-11-27T04:00:00+01:00",
      till: "D01",
      sequence: 13,
      outcome: "rejected",
      code: "E_ARCHIVE_NEEDS_FULL",
      reason: "needs a full archive: its base #11 is not the central's copy (#12)",
    });
    const { code, stdout } = await monitor(["--format", "json"]);
    expect(code).toBe(3);
    const states = JSON.parse(stdout) as { ref: string; status: string }[];
    expect(states[0]).toMatchObject({ ref: "D01", status: "rejected", rejected: [13] });
  });

  it("lists a few runs of sequences, then how many more", async () => {
    // D02: after #3, #5, #7, #9 and #11 each arrive after a gap: #2, #4, #6, #8, #10 never did.
    for (const sequence of [5, 7, 9, 11]) {
      await root.journal({
        time: `2026-11-26T0${sequence % 10}:00:00+01:00`,
        till: "D02",
        sequence,
        gap: [sequence - 1, sequence - 1],
      });
    }
    const { stdout } = await monitor(["--format", "json"]);
    const d02 = (JSON.parse(stdout) as { ref: string; missing: number[][] }[])[1];
    expect(d02?.missing).toEqual([
      [2, 2],
      [4, 4],
      [6, 6],
      [8, 8],
      [10, 10],
    ]);
    const table = await monitor();
    expect(table.stdout).toContain("│ #2 #4 #6 (+2) missing │");
    const french = await monitor(["--lang", "fr"]);
    expect(french.stdout).toContain("│ #2 #4 #6 (+2) manquantes │");
  });

  it("shows an archive that did not continue the one before (a broken chain)", async () => {
    await root.journal({
      time: "2026-11-27T05:00:00+01:00",
      till: "D01",
      sequence: 13,
      chain: "broken",
    });
    const { code, stdout } = await monitor(["--format", "json"]);
    // Shown, not an alarm by itself: D02 and D03 still are.
    expect(code).toBe(3);
    expect((JSON.parse(stdout) as { status: string; broken_chain: number[] }[])[0]).toMatchObject({
      status: "ok",
      broken_chain: [13],
    });
    expect((await monitor()).stdout).toContain("│ #13 chain broken │");
    expect((await monitor(["--lang", "fr"])).stdout).toContain("│ #13 chaîne rompue │");
  });

  it("speaks French where the locale is French; statuses and codes stay as they are", async () => {
    const { code, stdout } = await monitor([], { ...ENV, LANG: "fr_FR.UTF-8" });
    expect(code).toBe(3);
    expect(stdout).toContain("│ D01 │ Magasin 1 │ ✓      │ ok       │ 27/11/2026 02:00 │");
    expect(stdout).toContain("12,50\u00A0€");
    // One sequence: the singular; a run of several: the plural.
    expect(stdout).toContain("│ #2 manquante │");
    expect(stdout).toContain("│ #6 refusée   │");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe(
      "à regarder : D02 late (aucune archive depuis 58 h), D03 rejected (E_ARCHIVE_SIGNATURE)",
    );
  });
});

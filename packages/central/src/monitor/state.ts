import {
  addDays,
  parseInstant,
  type Aggregator,
  type Cents,
  type ErrorCode,
  type LocalDate,
} from "@caisse/core";
import type { TillRecord } from "../config.js";
import type { JournalEntry } from "../journal.js";
import { emptyHistory, tillHistories } from "../tillHistory.js";

/** What the monitor says of a till (see docs/monitor.md#status). */
export type TillStatus = "ok" | "late" | "never" | "rejected" | "disabled";

/** The statuses that make `monitor` exit with 3: cron's alarm. */
export const ALARM_STATUSES: readonly TillStatus[] = ["late", "rejected"];

/** A refused archive, as the journal recorded it. */
export interface Rejection {
  time: string;
  file: string;
  sequence: number | null;
  code: ErrorCode | null;
  reason: string;
}

/** One row of the monitor: a till's state, from the journal and its data. */
export interface TillState {
  ref: string;
  name: string;
  enabled: boolean;
  status: TillStatus;
  /** The last accepted archive: when it was imported, its sequence. */
  lastArchive: { time: string; sequence: number | null } | null;
  /** Whole hours since that import; null without one. */
  hoursSinceArchive: number | null;
  lastSale: LocalDate | null;
  /** Sequences that never arrived, as [first, last] ranges, in order. */
  missing: [number, number][];
  /** Sequences that arrived and were refused, and never arrived again accepted, in order. */
  rejected: number[];
  /**
   * Sequences of accepted archives that did not continue the one before (their `previous` was not
   * its manifest): the till's history was reset or altered. Shown, not an alarm by itself.
   */
  brokenChain: number[];
  lastRejection: Rejection | null;
  /** Turnover (TTC) of yesterday and today; null when there is no data (after the last sale). */
  yesterday: Cents | null;
  today: Cents | null;
}

/** The moments and thresholds a monitor is computed against. */
export interface MonitorClock {
  now: Date;
  today: LocalDate;
  staleAfterHours: number;
}

/** The data of the tills over yesterday and today (`--by day`), and each till's last sale. */
export interface MonitorData {
  days: Aggregator;
  lastSale: ReadonlyMap<string, LocalDate>;
}

/** [first, last] runs of consecutive numbers: [4, 5, 6, 9] gives [[4, 6], [9, 9]]. */
export function sequenceRuns(numbers: readonly number[]): [number, number][] {
  const found: [number, number][] = [];
  for (const number of numbers) {
    const last = found.at(-1);
    if (last !== undefined && number === last[1] + 1) last[1] = number;
    else found.push([number, number]);
  }
  return found;
}

/** The sequences of the gaps that never arrived: the gaps without the refused ones. */
function missingOf(
  gaps: readonly [number, number][],
  rejected: ReadonlySet<number>,
): [number, number][] {
  const missing: [number, number][] = [];
  for (const [first, last] of gaps) {
    let start: number | undefined;
    for (let sequence = first; sequence <= last + 1; sequence++) {
      const hole = sequence <= last && !rejected.has(sequence);
      if (hole && start === undefined) start = sequence;
      if (!hole && start !== undefined) {
        missing.push([start, sequence - 1]);
        start = undefined;
      }
    }
  }
  return missing;
}

function turnover(data: MonitorData, till: string, day: LocalDate): Cents | null {
  const lastSale = data.lastSale.get(till);
  if (lastSale === undefined || lastSale < day) return null;
  return data.days.rows.get(day)?.get(till)?.ttc ?? (0 as Cents);
}

function statusOf(
  till: TillRecord,
  entries: { accepted: JournalEntry | null; rejected: JournalEntry | null },
  hours: number | null,
  clock: MonitorClock,
): TillStatus {
  if (!till.enabled) return "disabled";
  const { accepted, rejected } = entries;
  if (accepted === null && rejected === null) return "never";
  if (rejected !== null && rejected.n > (accepted?.n ?? 0)) return "rejected";
  if (hours === null || hours > clock.staleAfterHours) return "late";
  return "ok";
}

/**
 * The state of every till of the table, in table order (see docs/monitor.md): its status, last
 * archive, last sale, missing and refused sequences, last rejection, and the turnover of
 * yesterday and today. Pure: the journal, the data and the clock are given.
 */
export function monitorStates(
  tills: readonly TillRecord[],
  journal: readonly JournalEntry[],
  data: MonitorData,
  clock: MonitorClock,
): TillState[] {
  const histories = tillHistories(journal);
  const broken = new Map<string, number[]>();
  for (const entry of journal) {
    if (entry.till === null || entry.outcome !== "accepted" || entry.sequence === null) continue;
    if (entry.chain !== "broken") continue;
    const key = entry.till.toUpperCase();
    broken.set(key, [...(broken.get(key) ?? []), entry.sequence]);
  }
  const yesterday = addDays(clock.today, -1);
  return tills.map((till) => {
    const key = till.ref.toUpperCase();
    const history = histories.get(key) ?? emptyHistory();
    const accepted = history.lastAccepted;
    const rejectedEntry = history.lastRejected;
    const importedAt = accepted === null ? undefined : parseInstant(accepted.time);
    const hours =
      importedAt === undefined
        ? null
        : Math.floor((clock.now.getTime() - importedAt.getTime()) / 3_600_000);
    // A refused archive sent again and accepted is no longer refused.
    const rejected = [...history.rejected]
      .filter((sequence) => !history.acceptedSequences.has(sequence))
      .sort((a, b) => a - b);
    return {
      ref: till.ref,
      name: till.name,
      enabled: till.enabled,
      status: statusOf(till, { accepted, rejected: rejectedEntry }, hours, clock),
      lastArchive: accepted === null ? null : { time: accepted.time, sequence: accepted.sequence },
      hoursSinceArchive: hours,
      lastSale: data.lastSale.get(till.ref) ?? null,
      missing: missingOf(history.gaps, history.rejected),
      rejected,
      brokenChain: broken.get(key) ?? [],
      lastRejection:
        rejectedEntry === null
          ? null
          : {
              time: rejectedEntry.time,
              file: rejectedEntry.file,
              sequence: rejectedEntry.sequence,
              code: rejectedEntry.code,
              reason: rejectedEntry.reason ?? "",
            },
      yesterday: turnover(data, till.ref, yesterday),
      today: turnover(data, till.ref, clock.today),
    };
  });
}

import { oneLine, type Locale } from "@caisse/core";
import type { TillRecord } from "../config.js";
import type { TillHistory } from "../tillHistory.js";
import { madeAt } from "./htmlReport.js";

/**
 * What the morning mail puts at its top: each selected till that is late (no archive accepted for
 * more than `staleAfterHours`), that never sent one, or whose last archive was rejected (see
 * docs/reports.md#the-morning-mail---mail). Empty when every till is fine.
 */
export function tillAlarms(
  tills: readonly TillRecord[],
  histories: ReadonlyMap<string, TillHistory> | undefined,
  now: Date,
  staleAfterHours: number,
  locale: Locale,
): string[] {
  const fr = locale === "fr";
  // A journal that cannot be read: nothing is known of the archives, which is an alarm itself.
  if (histories === undefined) {
    return [
      fr
        ? "dernières archives inconnues : le journal ne se lit pas (voir caisse-central journal --verify)"
        : "last archives unknown: the journal cannot be read (see caisse-central journal --verify)",
    ];
  }
  const alarms: string[] = [];
  for (const till of tills) {
    const who = oneLine(`${till.ref} ${till.name}`);
    const history = histories.get(till.ref.toUpperCase());
    const accepted = history?.lastAccepted ?? null;
    const rejected = history?.lastRejected ?? null;
    if (rejected !== null && (accepted === null || rejected.n > accepted.n)) {
      const reason = oneLine(rejected.reason ?? rejected.code ?? "");
      alarms.push(
        fr
          ? `${who} : dernière archive refusée le ${when(rejected.time, locale)} (${reason})`
          : `${who}: last archive rejected on ${when(rejected.time, locale)} (${reason})`,
      );
      continue;
    }
    if (accepted === null) {
      alarms.push(fr ? `${who} : aucune archive reçue` : `${who}: no archive ever received`);
      continue;
    }
    const hours = Math.floor((now.getTime() - Date.parse(accepted.time)) / 3_600_000);
    if (!(hours > staleAfterHours)) continue;
    alarms.push(
      fr
        ? `${who} : en retard, aucune archive depuis ${hours} h (dernière le ${when(accepted.time, locale)})`
        : `${who}: late, no archive for ${hours} h (last on ${when(accepted.time, locale)})`,
    );
  }
  return alarms;
}

/** A journal time as people read it, in local time: `28/11/2026 14:05`. */
function when(time: string, locale: Locale): string {
  const instant = new Date(time);
  return Number.isNaN(instant.getTime()) ? oneLine(time) : madeAt(instant, locale);
}

import { isCaisseError, type FreshnessInput, type LocalDate } from "@caisse/core";
import type { TillRecord } from "./config.js";
import { readJournal } from "./journal.js";
import { tillHistories, type TillHistory } from "./tillHistory.js";

/** The tills' histories as the journal tells them, by upper-case reference. */
export async function readHistories(journal: string): Promise<Map<string, TillHistory>> {
  return tillHistories(await readJournal(journal));
}

/**
 * The histories for a report's freshness: a journal that cannot be read (a damaged line, which
 * `caisse-central journal --verify` explains) must not keep the figures from being shown, so the
 * last archives are then unknown and a warning says why.
 */
export async function historiesForReport(
  journal: string,
  warnings: string[],
): Promise<Map<string, TillHistory> | undefined> {
  try {
    return await readHistories(journal);
  } catch (error) {
    if (!isCaisseError(error)) throw error;
    warnings.push(`the last archives are unknown: ${error.message}`);
    return undefined;
  }
}

/** The first and last sale dates per till ref, as the report's data gave them. */
export interface SaleDates {
  firstSale: ReadonlyMap<string, LocalDate>;
  lastSale: ReadonlyMap<string, LocalDate>;
}

/**
 * How fresh each till's data is (see docs/reports.md#freshness): its last accepted archive (when
 * it was imported, its sequence) from the journal, and its first and last sale from its data. A
 * till that never sent anything has no journal entry and no sale; with the journal unknown
 * (`histories` undefined), no till is said never to have sent anything.
 */
export function freshnessOf(
  tills: readonly TillRecord[],
  histories: ReadonlyMap<string, TillHistory> | undefined,
  sales: SaleDates,
): Map<string, FreshnessInput> {
  const freshness = new Map<string, FreshnessInput>();
  for (const till of tills) {
    const history = histories?.get(till.ref.toUpperCase());
    const accepted = history?.lastAccepted ?? null;
    const lastSale = sales.lastSale.get(till.ref) ?? null;
    freshness.set(till.ref, {
      firstSale: sales.firstSale.get(till.ref) ?? null,
      lastSale,
      lastArchive: accepted?.time ?? null,
      sequence: accepted?.sequence ?? null,
      never:
        histories !== undefined && (history?.lastReceived ?? null) === null && lastSale === null,
    });
  }
  return freshness;
}

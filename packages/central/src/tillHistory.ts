import type { JournalEntry } from "./journal.js";

/** What the journal says about one till: the basis of sequence checks and of the monitor. */
export interface TillHistory {
  /** The last accepted archive with a sequence. */
  lastSequence: number | null;
  /** SHA-256 of the manifest of the archive of `lastSequence`: what its successor's `previous` is. */
  lastManifest: string | null;
  lastAccepted: JournalEntry | null;
  lastRejected: JournalEntry | null;
  lastReceived: JournalEntry | null;
  /** Where each accepted archive is kept, by its SHA-256: for "already imported". */
  accepted: Map<string, string | null>;
  /** Sequences of the accepted archives: the bases an incremental archive may build on. */
  acceptedSequences: Set<number>;
  /** Sequences of the archives refused (as their manifests said): a gap's known cause. */
  rejected: Set<number>;
  gaps: [number, number][];
}

/** The history of a till nothing was received from yet. */
export function emptyHistory(): TillHistory {
  return {
    lastSequence: null,
    lastManifest: null,
    lastAccepted: null,
    lastRejected: null,
    lastReceived: null,
    accepted: new Map(),
    acceptedSequences: new Set(),
    rejected: new Set(),
    gaps: [],
  };
}

/** Folds the journal into one history per till (by upper-case reference). */
export function tillHistories(entries: readonly JournalEntry[]): Map<string, TillHistory> {
  const histories = new Map<string, TillHistory>();
  for (const entry of entries) {
    // A restore rebuilds a directory from an archive received before: nothing was received.
    if (entry.till === null || entry.outcome === "restored") continue;
    const key = entry.till.toUpperCase();
    const history = histories.get(key) ?? emptyHistory();
    histories.set(key, history);
    history.lastReceived = entry;
    if (entry.outcome === "rejected") {
      history.lastRejected = entry;
      if (typeof entry.sequence === "number") history.rejected.add(entry.sequence);
    }
    if (entry.outcome !== "accepted") continue;
    history.lastAccepted = entry;
    noteAccepted(history, entry);
    if (entry.gap !== null) history.gaps.push(entry.gap);
  }
  return histories;
}

/**
 * Folds one accepted archive into its till's history: for the journal read at start, and for each
 * archive a run accepts after it, so that the next archive of the same run is checked against it
 * (its sequence, its chain, the base of an incremental archive).
 */
export function noteAccepted(
  history: TillHistory,
  archive: Pick<JournalEntry, "sha256" | "stored" | "sequence" | "manifest">,
): void {
  history.accepted.set(archive.sha256, archive.stored);
  if (archive.sequence === null) return;
  history.acceptedSequences.add(archive.sequence);
  if (archive.sequence > (history.lastSequence ?? 0)) {
    history.lastSequence = archive.sequence;
    history.lastManifest = archive.manifest;
  }
}

/** The sequences of `gap` that were refused, in order: they arrived, unlike the rest. */
export function rejectedIn(
  gap: [number, number] | null,
  history: TillHistory | undefined,
): number[] {
  if (gap === null || history === undefined) return [];
  return [...history.rejected]
    .filter((sequence) => sequence >= gap[0] && sequence <= gap[1])
    .sort((a, b) => a - b);
}

/**
 * A gap for people: `archives #2 to #4 never arrived`, or with the sequences that did arrive and
 * were refused, `archives #2 never arrived, #3 rejected, #4 never arrived`.
 */
export function describeGap(
  gap: [number, number],
  rejected: readonly number[],
  missing = "never arrived",
): string {
  const range = (from: number, to: number): string =>
    from === to ? `#${from}` : `#${from} to #${to}`;
  const parts: string[] = [];
  let next = gap[0];
  for (const sequence of rejected) {
    if (sequence > next) parts.push(`${range(next, sequence - 1)} ${missing}`);
    parts.push(`#${sequence} rejected`);
    next = sequence + 1;
  }
  if (next <= gap[1]) parts.push(`${range(next, gap[1])} ${missing}`);
  return `archive${gap[0] === gap[1] ? "" : "s"} ${parts.join(", ")}`;
}

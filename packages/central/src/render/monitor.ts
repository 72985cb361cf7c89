import { centsToEuros, oneLine, type Cents, type Locale, formatDate } from "@caisse/core";
import { terminalTable } from "@caisse/cli";
import { ALARM_STATUSES, sequenceRuns, type TillState } from "../monitor/state.js";
import { moneyCell, NONE, timeCell } from "./cells.js";

/** The words of the monitor's table; statuses and error codes stay as they are (for scripts). */
interface Words {
  head: string[];
  noData: string;
  /** After the runs of sequences shown: `many` when they are more than one sequence. */
  missing: (many: boolean) => string;
  rejected: (many: boolean) => string;
  chainBroken: (many: boolean) => string;
  allOk: string;
  attention: string;
  lateFor: (hours: number) => string;
  noArchive: string;
  noTill: string;
}

const WORDS: Record<Locale, Words> = {
  en: {
    head: [
      "Ref",
      "Name",
      "Enabled",
      "Status",
      "Last archive",
      "Seq",
      "Last sale",
      "Sequences",
      "Last rejection",
      "Yesterday",
      "Today",
    ],
    noData: "no data",
    missing: () => "missing",
    rejected: () => "rejected",
    chainBroken: () => "chain broken",
    allOk: "every enabled till is ok",
    attention: "needs attention",
    lateFor: (hours) => `no archive for ${hours} h`,
    noArchive: "no archive accepted",
    noTill: 'no till registered yet: caisse-central tills add D01 --name "Magasin 1" --path D01',
  },
  fr: {
    head: [
      "Ref",
      "Nom",
      "Active",
      "État",
      "Dernière archive",
      "N°",
      "Dernière vente",
      "Séquences",
      "Dernier refus",
      "Hier",
      "Aujourd'hui",
    ],
    noData: "pas de données",
    missing: (many) => (many ? "manquantes" : "manquante"),
    rejected: (many) => (many ? "refusées" : "refusée"),
    chainBroken: (many) => (many ? "chaînes rompues" : "chaîne rompue"),
    allOk: "toutes les caisses actives sont à jour",
    attention: "à regarder",
    lateFor: (hours) => `aucune archive depuis ${hours} h`,
    noArchive: "aucune archive acceptée",
    noTill:
      'aucune caisse enregistrée : caisse-central tills add D01 --name "Magasin 1" --path D01',
  },
};

/** How many sequence runs a cell lists before saying how many more there are. */
const LISTED_RUNS = 3;
/** The longest rejection reason a table cell shows; the JSON has it whole. */
const REASON_CELL = 40;

function runText([first, last]: [number, number]): string {
  return first === last ? `#${first}` : `#${first}-${last}`;
}

/**
 * `#4-6 missing, #9 rejected, #12 chain broken`, at most a few runs of each, then how many more.
 */
function sequencesCell(state: TillState, words: Words): string {
  const parts: string[] = [];
  const listed = (runs: [number, number][], word: (many: boolean) => string): void => {
    const first = runs[0];
    if (first === undefined) return;
    const shown = runs.slice(0, LISTED_RUNS).map(runText).join(" ");
    const more = runs.length - LISTED_RUNS;
    const many = runs.length > 1 || first[1] > first[0];
    parts.push(`${shown}${more > 0 ? ` (+${more})` : ""} ${word(many)}`);
  };
  listed(state.missing, words.missing);
  listed(sequenceRuns(state.rejected), words.rejected);
  listed(sequenceRuns(state.brokenChain), words.chainBroken);
  return parts.length === 0 ? NONE : parts.join(", ");
}

function shortened(text: string, size: number): string {
  const line = oneLine(text);
  return line.length <= size ? line : `${line.slice(0, size - 1)}…`;
}

function rejectionCell(state: TillState): string {
  const rejection = state.lastRejection;
  if (rejection === null) return NONE;
  const code = rejection.code === null ? "" : `${rejection.code}: `;
  return shortened(`${code}${rejection.reason}`, REASON_CELL);
}

function turnoverCell(amount: Cents | null, locale: Locale): string {
  return amount === null ? WORDS[locale].noData : moneyCell(amount, locale);
}

/** Why a till needs attention, for the line under the table. */
function alarmText(state: TillState, words: Words): string {
  if (state.status === "rejected") {
    const code = state.lastRejection?.code;
    return `${state.ref} rejected${code === null || code === undefined ? "" : ` (${code})`}`;
  }
  const hours = state.hoursSinceArchive;
  return `${state.ref} late (${hours === null ? words.noArchive : words.lateFor(hours)})`;
}

/**
 * The monitor as a terminal table (see docs/monitor.md): one row per till, then one line saying
 * which tills need attention, or that all is well.
 */
export function renderMonitorTable(
  states: readonly TillState[],
  options: { locale: Locale; color: boolean },
): string {
  const { locale } = options;
  const words = WORDS[locale];
  if (states.length === 0) return `${words.noTill}\n`;
  const { head } = words;
  const rows = states.map((state) => [
    state.ref,
    oneLine(state.name),
    state.enabled ? "✓" : "-",
    state.status,
    state.lastArchive === null ? NONE : timeCell(state.lastArchive.time, locale),
    state.lastArchive?.sequence === null || state.lastArchive === null
      ? NONE
      : String(state.lastArchive.sequence),
    state.lastSale === null ? NONE : formatDate(state.lastSale, locale),
    sequencesCell(state, words),
    rejectionCell(state),
    turnoverCell(state.yesterday, locale),
    turnoverCell(state.today, locale),
  ]);
  const table = terminalTable(head, rows, {
    color: options.color,
    numeric: head.map((_, index) => index >= 9),
    compact: true,
  });
  const alarms = states.filter((state) => ALARM_STATUSES.includes(state.status));
  const colon = locale === "fr" ? " : " : ": ";
  const summary =
    alarms.length === 0
      ? words.allOk
      : `${words.attention}${colon}${alarms.map((state) => alarmText(state, words)).join(", ")}`;
  return `${table}\n${summary}\n`;
}

/** The monitor as JSON: an array of one object per till (see docs/monitor.md#json). */
export function renderMonitorJson(states: readonly TillState[]): string {
  const euros = (amount: Cents | null): number | null =>
    amount === null ? null : centsToEuros(amount);
  return `${JSON.stringify(
    states.map((state) => ({
      ref: state.ref,
      name: state.name,
      enabled: state.enabled,
      status: state.status,
      last_archive: state.lastArchive,
      hours_since_archive: state.hoursSinceArchive,
      last_sale: state.lastSale,
      missing: state.missing,
      rejected: state.rejected,
      broken_chain: state.brokenChain,
      last_rejection: state.lastRejection,
      yesterday: euros(state.yesterday),
      today: euros(state.today),
    })),
    null,
    2,
  )}\n`;
}

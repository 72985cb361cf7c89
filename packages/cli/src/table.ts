import Table from "cli-table3";

export interface TableOptions {
  /** Colour codes allowed (see `colorAllowed`). */
  color: boolean;
  /** Right-align these columns (figures). */
  numeric?: readonly boolean[];
  /** No separator line between rows; default true. */
  compact?: boolean;
}

const BOLD = "\u001b[1m";
const NORMAL = "\u001b[22m";

/**
 * A terminal table. Colour is ours to decide: cli-table3's own styles go through @colors/colors,
 * which makes its own guess from the process's stdout and environment (colour into a log file on
 * one machine, none on a terminal on another). Its styles are emptied, and the head is made bold
 * here when colour is allowed (cli-table3 measures cells without their escape codes).
 */
export function terminalTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions,
): string {
  const compact = options.compact ?? true;
  const table = new Table({
    head: options.color ? head.map((cell) => `${BOLD}${cell}${NORMAL}`) : [...head],
    ...(options.numeric === undefined
      ? {}
      : { colAligns: options.numeric.map((numeric) => (numeric ? "right" : "left")) }),
    style: { head: [], border: [], compact },
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

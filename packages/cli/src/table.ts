import Table from "cli-table3";

export interface TableOptions {
  /** Colour codes allowed (see `colorAllowed`). */
  color: boolean;
  /** Right-align these columns (figures). */
  numeric?: readonly boolean[];
  /** No separator line between rows; default true. */
  compact?: boolean;
}

/**
 * A terminal table. Without colour, `style.head` and `style.border` are emptied: cli-table3 would
 * otherwise write colour codes even into a pipe or a log file.
 */
export function terminalTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions,
): string {
  const compact = options.compact ?? true;
  const table = new Table({
    head: [...head],
    ...(options.numeric === undefined
      ? {}
      : { colAligns: options.numeric.map((numeric) => (numeric ? "right" : "left")) }),
    style: options.color
      ? { head: ["bold"], border: ["grey"], compact }
      : { head: [], border: [], compact },
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

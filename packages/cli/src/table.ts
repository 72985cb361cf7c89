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

// East Asian wide and fullwidth characters, which a terminal draws two cells wide.
const WIDE =
  /[\u1100-\u115F\u2329\u232A\u2E80-\u303E\u3040-\u3247\u3250-\u4DBF\u4E00-\uA4C6\uA960-\uA97C\uAC00-\uD7A3\uF900-\uFAFF\uFE10-\uFE19\uFE30-\uFE6B\uFF01-\uFF60\uFFE0-\uFFE6\u{1B000}-\u{1B001}\u{1F200}-\u{1F251}\u{20000}-\u{3FFFD}]|\p{Extended_Pictographic}/u;
// Drawn in no cell of their own: controls, combining marks, joiners and variation selectors.
const ZERO = /[\p{Cc}\p{Mn}\p{Me}\u200B-\u200F\u2060]|\p{Variation_Selector}/u;
// eslint-disable-next-line no-control-regex -- colour codes are what it finds
const ANSI = /\u001b\[[0-9;]*m/gu;

/** How many terminal cells a text takes: wide characters 2, combining marks and controls 0. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of text.replace(ANSI, "")) {
    if (ZERO.test(character)) continue;
    width += WIDE.test(character) ? 2 : 1;
  }
  return width;
}

/**
 * A terminal table in box characters, one line per row, each cell padded by a space on each side
 * and aligned left (right for `numeric` columns). Written here rather than with a table library:
 * the one used before took time growing with the square of the rows (16 s for 2 000 rows), and a
 * report by article has thousands. Colour is ours to decide: the head is made bold only when
 * allowed, and widths are measured without the codes.
 */
export function terminalTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions,
): string {
  const compact = options.compact ?? true;
  const count = Math.max(head.length, ...rows.map((row) => row.length));
  const columns = Array.from({ length: count }, (_, index) => index);
  const widths = columns.map((index) =>
    Math.max(displayWidth(head[index] ?? ""), ...rows.map((row) => displayWidth(row[index] ?? ""))),
  );
  const rule = (left: string, middle: string, right: string): string =>
    left + widths.map((width) => "─".repeat(width + 2)).join(middle) + right;
  const line = (cells: readonly string[], bold: boolean): string => {
    const padded = columns.map((index) => {
      const text = cells[index] ?? "";
      const fill = " ".repeat((widths[index] ?? 0) - displayWidth(text));
      const shown = bold ? `${BOLD}${text}${NORMAL}` : text;
      return options.numeric?.[index] === true ? fill + shown : shown + fill;
    });
    return `│ ${padded.join(" │ ")} │`;
  };
  const lines = [rule("┌", "┬", "┐"), line(head, options.color)];
  rows.forEach((row, index) => {
    if (index === 0 || !compact) lines.push(rule("├", "┼", "┤"));
    lines.push(line(row, false));
  });
  lines.push(rule("└", "┴", "┘"));
  return lines.join("\n");
}

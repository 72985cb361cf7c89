import { oneLine, type Locale } from "@caisse/core";
import type { CheckResult } from "../check/run.js";
import type { Finding, Found } from "../check/findings.js";
import { CHECK_WORDS, sayMessage, sayTodo } from "../check/words.js";

/**
 * The findings for people, in the language of the run (see docs/monitor.md#check): one line
 * each (where, [kind], what), the next saying what to do, then a count per kind; or one line
 * saying that nothing was found. The kinds stay as they are, as in the JSON.
 */
export function renderCheckText(result: CheckResult, locale: Locale): string {
  const words = CHECK_WORDS[locale];
  if (result.total === 0) return `${words.none}\n`;
  const lines: string[] = [];
  for (const found of result.findings) {
    const where = words.where(found.till, found.file, found.line);
    lines.push(oneLine(words.found(where, found.kind, sayMessage(words, found.what))));
    lines.push(oneLine(words.whatToDo(sayTodo(words, found.what))));
  }
  const counts = Object.entries(result.counts)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`);
  lines.push(words.total(result.total, counts.join(", ")));
  return `${lines.join("\n")}\n`;
}

/** A finding for the JSON: its stable kind and code, its words in English. */
function findingOf(found: Found): Finding {
  return {
    kind: found.kind,
    code: found.what.code,
    till: found.till,
    file: found.file,
    line: found.line,
    message: sayMessage(CHECK_WORDS.en, found.what),
    todo: sayTodo(CHECK_WORDS.en, found.what),
    ...(found.count === undefined ? {} : { count: found.count }),
  };
}

/**
 * The findings as JSON (see docs/monitor.md#check), the same whatever the language: `kind` and
 * `code` for programs, `message` and `todo` in English.
 */
export function renderCheckJson(result: CheckResult): string {
  return `${JSON.stringify({ total: result.total, counts: result.counts, findings: result.findings.map(findingOf) }, null, 2)}\n`;
}

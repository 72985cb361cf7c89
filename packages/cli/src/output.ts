import { writeFileAtomic } from "@caisse/core";
import { isAbsolute, resolve } from "node:path";
import type { CliContext } from "./context.js";

/**
 * Prints a result on stdout, or writes it to `--out FILE` (atomically, so a reader never sees half
 * a report). Results end with a newline.
 */
export async function writeResult(ctx: CliContext, text: string, out?: string): Promise<void> {
  const content = text.endsWith("\n") ? text : `${text}\n`;
  if (out === undefined || out === "-") {
    ctx.stdout.write(content);
    return;
  }
  await writeFileAtomic(isAbsolute(out) ? out : resolve(ctx.cwd, out), content);
}

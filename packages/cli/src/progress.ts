import { formatBytes, oneLine, type Locale } from "@caisse/core";
import { MultiBar, type SingleBar } from "cli-progress";
import type { CliContext } from "./context.js";

/** One piece of work with a known size: bytes of an archive, archives of a run. */
export interface ProgressTask {
  /** How much is done so far, and what is being worked on (a file name). */
  update(done: number, detail?: string): void;
  /** The work is over, finished or not: the bar goes. */
  end(): void;
}

/**
 * Progress bars on stderr (see docs/operations.md#logs): only for a person at a terminal, never in
 * cron, a pipe, a log file or with `--quiet`, where `shown` is false and tasks do nothing. While a
 * bar is on screen, log lines go above it through `print`, so that the two never overwrite each
 * other.
 */
export interface Progress {
  readonly shown: boolean;
  /** `unit` says how `total` and `done` are shown: `bytes` (12.3 MB) or `items` (3/12). */
  task(label: string, total: number, unit: "bytes" | "items"): ProgressTask;
  /** Writes a log line above the bars; false when no bar is on screen (write it yourself). */
  print(line: string): boolean;
}

const NO_TASK: ProgressTask = {
  update: () => undefined,
  end: () => undefined,
};

export const NO_PROGRESS: Progress = {
  shown: false,
  task: () => NO_TASK,
  print: () => false,
};

export interface ProgressOptions {
  quiet?: boolean;
  locale: Locale;
}

/** Bars when stderr is a terminal this process can draw on, and the user did not ask for quiet. */
export function createProgress(ctx: CliContext, options: ProgressOptions): Progress {
  const terminal = ctx.stderr.terminal;
  if (options.quiet === true || terminal === undefined || !ctx.stderr.isTTY) return NO_PROGRESS;
  let bars: MultiBar | undefined;
  let active = 0;
  const show = (total: number, unit: "bytes" | "items"): string =>
    unit === "bytes" ? formatBytes(total, options.locale) : String(total);

  return {
    shown: true,
    task(label, total, unit) {
      bars ??= new MultiBar({
        stream: terminal,
        format: "{label} [{bar}] {percentage}% {done}/{all} {detail}",
        barsize: 24,
        clearOnComplete: true,
        autopadding: true,
        // No terminal modes: a hidden cursor or line wrapping turned off would stay so after a
        // Ctrl-C or a kill, and cli-progress's own Ctrl-C handler would keep the process running.
        hideCursor: false,
        linewrap: true,
        gracefulExit: false,
      });
      const multi = bars;
      active += 1;
      // A bar needs a size; an empty task is done from the start.
      const size = Math.max(total, 1);
      const fixed = { label: oneLine(label), all: show(total, unit) };
      const payload = (done: number, detail: string) => ({
        ...fixed,
        done: show(done, unit),
        detail: oneLine(detail),
      });
      const bar: SingleBar = multi.create(size, 0, payload(0, ""));
      let ended = false;
      return {
        update(done, detail = "") {
          if (!ended) bar.update(Math.min(done, size), payload(done, detail));
        },
        end() {
          if (ended) return;
          ended = true;
          active -= 1;
          // Drawn once at its end, even when it came and went between two timed redraws (a
          // transfer quicker than a tenth of a second): what was done is seen, then it goes.
          multi.update();
          if (active > 0) {
            multi.remove(bar);
            return;
          }
          // Log lines given since the last redraw are written by a redraw; stop() would drop them.
          multi.update();
          multi.stop();
          bars = undefined;
        },
      };
    },
    print(line) {
      if (bars === undefined) return false;
      bars.log(`${line}\n`);
      return true;
    },
  };
}

import type { CliContext } from "./context.js";

/**
 * Ctrl-C (SIGINT) and stop signals (SIGTERM, as systemd sends), for the steps that clean up after
 * themselves when stopped. Outside such a step a signal ends the process at once, as usual: every
 * write is made safe against that anyway (temporary names, the swap, the outbox).
 */
export interface Interrupts {
  /**
   * Until `stop()`, a first signal aborts `signal` instead of ending the process; a second one
   * ends it as usual.
   */
  watch(): { signal: AbortSignal; stop(): void };
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** The process's own signals. */
export function processInterrupts(): Interrupts {
  return {
    watch() {
      const controller = new AbortController();
      const stop = (): void => {
        for (const name of SIGNALS) process.removeListener(name, onSignal);
      };
      function onSignal(name: NodeJS.Signals): void {
        if (!controller.signal.aborted) {
          controller.abort();
          return;
        }
        // Asked twice: the default behaviour, which ends the process.
        stop();
        process.kill(process.pid, name);
      }
      for (const name of SIGNALS) process.on(name, onSignal);
      return { signal: controller.signal, stop };
    },
  };
}

/**
 * Runs a step that stops cleanly when the user stops the command: `task` gets the signal to pass
 * on, and checks it where stopping is safe. Without interrupts (in-process tests) it gets none.
 */
export async function interruptible<T>(
  ctx: CliContext,
  task: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const watch = ctx.interrupts?.watch();
  if (watch === undefined) return task(undefined);
  try {
    return await task(watch.signal);
  } finally {
    watch.stop();
  }
}

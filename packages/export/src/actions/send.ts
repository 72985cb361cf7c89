import { interruptible, writeResult, type Logger } from "@caisse/cli";
import { checkLocalPaths, isoWithOffset } from "@caisse/core";
import { createSender } from "@caisse/transports";
import type { Command } from "commander";
import { resolve } from "node:path";
import { requireConfig, requireTransport, type ExportConfig } from "../config.js";
import { checkBeforeActing } from "../preflight.js";
import { logger, settle, type CommandEnv, type GlobalOptions } from "../context.js";
import {
  sendArchives,
  sendOutbox,
  tidyOutbox,
  transferMeter,
  type OpenSender,
  type SendReport,
} from "../outbox.js";
import { renderSent } from "../render.js";
import { openSettings } from "../settings.js";
import { recordRun, withStateLock, type RecordedResult, type StatePaths } from "../state.js";

export interface SendOptions {
  /** The till whose outbox is sent: checked before anything is sent. */
  config: ExportConfig;
  paths: StatePaths;
  /** Absolute paths of archives to send, left in place; empty: the whole outbox. */
  files: readonly string[];
  openSender: OpenSender;
  now: Date;
  log: Logger;
  /** Ctrl-C or a stop signal: no archive is started after it. */
  signal?: AbortSignal | undefined;
}

export interface SendResult extends RecordedResult {
  send: SendReport;
}

/** Sends the given archives in the given order, or the outbox oldest first; under the state lock. */
export async function sendCommand(options: SendOptions): Promise<SendResult> {
  const { config, paths, files, now, log, signal } = options;
  const check = () =>
    checkBeforeActing({
      paths,
      configFile: config.file,
      till: config.till,
      data: config.data,
      key: undefined, // nothing is signed
      transport: config.transport,
    });
  // Every refusal before anything is written or sent (see runNightly), and again under the lock.
  await check();
  return recordRun(paths, { time: isoWithOffset(now), command: "send" }, log, () =>
    withStateLock(paths, "caisse-export send", async () => {
      await check();
      const meter = transferMeter(log.progress);
      const send =
        files.length > 0
          ? await sendArchives(files, options.openSender(meter.onProgress), {
              remove: false,
              log,
              signal,
              meter,
            })
          : await sendOutbox(
              await tidyOutbox(paths.outbox, now, log),
              options.openSender,
              log,
              signal,
            );
      return {
        send,
        built: [],
        sent: send.sent.map((item) => item.name),
        failures: send.failure === undefined ? [] : [send.failure],
      };
    }),
  );
}

/** `caisse-export send`, declared in commands/send.ts. */
export async function sendAction(
  env: CommandEnv,
  files: string[],
  command: Command,
): Promise<void> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const log = logger(env.ctx, options);
  const settings = await openSettings(env.ctx, options.config, log);
  checkLocalPaths({ FILE: files });
  const config = requireConfig(settings.config, settings.location, "send");
  const transport = requireTransport(config, "send");
  const result = await interruptible(env.ctx, (signal) =>
    sendCommand({
      config,
      paths: settings.paths,
      files: files.map((file) => resolve(env.ctx.cwd, file)),
      openSender: (onProgress) => createSender(transport, { env: env.ctx.env, signal, onProgress }),
      now: env.ctx.now(),
      log,
      signal,
    }),
  );
  const lines = renderSent(result.send.sent, result.send.notSent);
  await writeResult(
    env.ctx,
    lines.length === 0 ? "the outbox is empty: nothing to send" : lines.join("\n"),
  );
  settle(env, result.failures, options.verbose === true);
}

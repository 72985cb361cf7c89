import { EXIT, interruptible, localeOf, writeResult, type Logger } from "@caisse/cli";
import { CaisseError, counted, isCaisseError, isoWithOffset, type Locale } from "@caisse/core";
import { createSender, describeTransport, type TransportConfig } from "@caisse/transports";
import type { Command } from "commander";
import { basename } from "node:path";
import {
  buildNextArchive,
  planNextArchive,
  warnSkipped,
  type BuildNextOptions,
  type BuildNextResult,
} from "../build.js";
import { requireConfig, requireTransport, type ExportConfig } from "../config.js";
import { logger, settle, type CommandEnv, type GlobalOptions } from "../context.js";
import { listOutbox, sendOutbox, tidyOutbox, type OpenSender, type SendReport } from "../outbox.js";
import { renderBuilt, renderPlanned, renderSent } from "../render.js";
import { openSettings } from "../settings.js";
import { checkBeforeActing } from "../preflight.js";
import { readBase, writeBase } from "../base.js";
import { recordRun, withStateLock, type RecordedResult, type StatePaths } from "../state.js";

export interface RunOptions {
  config: ExportConfig;
  paths: StatePaths;
  openSender: OpenSender;
  now: Date;
  log: Logger;
  /** Time limit of the build in milliseconds; default 10 minutes. */
  timeoutMs?: number;
  /** Ctrl-C or a stop signal: the build stops cleanly, and nothing is sent after it. */
  signal?: AbortSignal | undefined;
  /** `--full`: a full archive whatever the last one was. */
  full?: boolean;
}

export interface RunResult extends RecordedResult {
  /** Undefined when the build failed (the failure is in `failures`). */
  build: BuildNextResult | undefined;
  send: SendReport;
}

/** What `run` builds: the config's till, into the outbox under its transport name. */
function outboxBuild(
  config: ExportConfig,
  paths: StatePaths,
  now: Date,
  chain: { full: boolean; log: Logger },
): BuildNextOptions {
  return {
    ...config,
    paths,
    configFile: config.file,
    out: undefined,
    now,
    chain: { fullEveryDays: config.fullEveryDays, forceFull: chain.full, log: chain.log },
  };
}

/**
 * The nightly job: build the next archive into the outbox, then send the whole outbox. A failed
 * build does not stop the sending of the archives already waiting; both failures are reported.
 */
export async function runNightly(options: RunOptions): Promise<RunResult> {
  const { config, paths, now, log } = options;
  const chain = { full: options.full === true, log };
  const check = () =>
    checkBeforeActing({ ...outboxBuild(config, paths, now, chain), transport: config.transport });
  // Every refusal before anything is written or sent: the run journal and the lock live in the
  // state folder too, and a state folder of another till holds that till's archives.
  await check();
  return recordRun(paths, { time: isoWithOffset(now), command: "run" }, log, () =>
    withStateLock(paths, "caisse-export run", async () => {
      // Again under the lock: another run may have changed the state meanwhile.
      await check();
      const failures: CaisseError[] = [];
      const outbox = await tidyOutbox(paths.outbox, now, log);
      let build: BuildNextResult | undefined;
      try {
        build = await buildNextArchive({
          ...outboxBuild(config, paths, now, chain),
          timeoutMs: options.timeoutMs,
          outbox,
          progress: log.progress,
          signal: options.signal,
        });
        warnSkipped(build.plan, log);
      } catch (error) {
        if (!isCaisseError(error) || error.code === "E_INTERRUPTED") throw error;
        failures.push(error);
        log.warn("the archive of this run could not be built; the outbox is sent anyway");
      }
      if (options.signal?.aborted === true) {
        throw new CaisseError("E_INTERRUPTED", "the run was stopped before sending", {
          hint: "the archive just built is in the outbox; the next run sends it.",
        });
      }
      // Listed again: the archive just built has joined the outbox.
      const send = await sendOutbox(
        await listOutbox(paths.outbox),
        options.openSender,
        log,
        options.signal,
      );
      if (send.failure !== undefined) failures.push(send.failure);
      await noteBaseSent(paths, send, log);
      return {
        build,
        send,
        built: build === undefined ? [] : [build.fileName],
        sent: send.sent.map((item) => item.name),
        failures,
      };
    }),
  );
}

/**
 * Records that the full archive incremental ones build on was delivered: once it has left the
 * outbox, only this says it was not lost (see base.ts). A failure to record it costs a full
 * archive at the next run, so it is a warning.
 */
async function noteBaseSent(paths: StatePaths, send: SendReport, log: Logger): Promise<void> {
  const base = await readBase(paths, log);
  if (base === undefined || base.sent) return;
  if (!send.sent.some((item) => basename(item.file) === base.archive)) return;
  await writeBase(paths, { ...base, sent: true }).catch((error: unknown) => {
    log.warn(
      `could not record that ${base.archive} was sent (${error instanceof Error ? error.message : String(error)}); the next archive is full`,
    );
  });
}

/** `run --dry-run`: the archive this run would build, then every archive it would send, in order. */
async function planRun(
  config: ExportConfig,
  paths: StatePaths,
  transport: TransportConfig,
  now: Date,
  log: Logger,
  locale: Locale,
  full: boolean,
): Promise<string> {
  const next = await planNextArchive(outboxBuild(config, paths, now, { full, log }));
  warnSkipped(next.plan, log);
  const toSend = [...next.outbox.archives.map((archive) => archive.name), basename(next.outPath)];
  return [
    "dry run: nothing was written or sent",
    renderPlanned(next, config.till, locale),
    `would send ${counted(toSend.length, "archive")} to ${describeTransport(transport)}, in this order:`,
    ...toSend.map((name) => `  ${name}`),
  ].join("\n");
}

/** `caisse-export run`, declared in commands/run.ts. */
export async function runAction(env: CommandEnv, command: Command): Promise<void> {
  const options = command.optsWithGlobals<GlobalOptions & { dryRun?: boolean; full?: boolean }>();
  const log = logger(env.ctx, options);
  const settings = await openSettings(env.ctx, options.config, log);
  const config = requireConfig(settings.config, settings.location, "run");
  const transport = requireTransport(config, "run");
  if (options.dryRun === true) {
    await writeResult(
      env.ctx,
      await planRun(
        config,
        settings.paths,
        transport,
        env.ctx.now(),
        log,
        localeOf(env.ctx.env),
        options.full === true,
      ),
    );
    env.setExit(EXIT.ok);
    return;
  }
  const result = await interruptible(env.ctx, (signal) =>
    runNightly({
      config,
      paths: settings.paths,
      openSender: (onProgress) => createSender(transport, { env: env.ctx.env, signal, onProgress }),
      now: env.ctx.now(),
      log,
      signal,
      full: options.full === true,
    }),
  );
  const lines = [
    ...(result.build === undefined ? [] : [renderBuilt(result.build, localeOf(env.ctx.env))]),
    ...renderSent(result.send.sent, result.send.notSent),
  ];
  await writeResult(env.ctx, lines.length === 0 ? "nothing to send" : lines.join("\n"));
  settle(env, result.failures, options.verbose === true);
}

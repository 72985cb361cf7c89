import { EXIT, langOf, oneOf, writeResult } from "@caisse/cli";
import { readLockOwner, type LockOwner } from "@caisse/core";
import { describeTransport } from "@caisse/transports";
import type { Command } from "commander";
import { logger, type CommandEnv, type GlobalOptions } from "../context.js";
import { listOutbox, nextSequence } from "../outbox.js";
import { renderStatusJson, renderStatusTable } from "../render.js";
import { openSettings, type Settings } from "../settings.js";
import { readRuns, readState, type RunRecord, type StatePaths } from "../state.js";

/** How many runs `status` shows. */
export const STATUS_RUNS = 10;

/** What `status` shows; also its `--format json` output. */
export interface StatusReport {
  /** Absolute path of the config file, or null when there is none. */
  config: string | null;
  stateDir: string;
  till: string | null;
  name: string | null;
  /** `dir /mnt/share`: never a secret. */
  transport: string | null;
  signed: boolean;
  nextSequence: number;
  lastSequence: number | null;
  lastArchive: string | null;
  /** Archives waiting, oldest sequence first. */
  outbox: { name: string; size: number; sequence: number; built: string; ageSeconds: number }[];
  /** Temporary files left by interrupted runs, and unknown files, in the outbox. */
  strays: string[];
  /** The run holding the lock now, if any. */
  running: {
    pid: number | null;
    host: string | null;
    since: string | null;
    purpose: string | null;
  } | null;
  /** The last runs, oldest first. */
  lastRuns: RunRecord[];
}

async function lockHolder(paths: StatePaths): Promise<StatusReport["running"]> {
  const held = await readLockOwner(paths.lock);
  if (held === undefined) return null;
  // An owner that cannot be read is shown as held by an unknown run.
  const owner: Partial<Record<keyof LockOwner, unknown>> = held.owner ?? {};
  const stringOrNull = (value: unknown): string | null =>
    typeof value === "string" ? value : null;
  return {
    pid: typeof owner.pid === "number" && Number.isSafeInteger(owner.pid) ? owner.pid : null,
    host: stringOrNull(owner.host),
    since: stringOrNull(owner.since),
    purpose: stringOrNull(owner.purpose),
  };
}

/** Reads the state folder without taking the lock: status works while a run is going on. */
export async function collectStatus(settings: Settings, now: Date): Promise<StatusReport> {
  const { config, paths } = settings;
  const state = await readState(paths);
  const listing = await listOutbox(paths.outbox);
  return {
    config: config?.file ?? null,
    stateDir: paths.dir,
    till: config?.till ?? state.till,
    name: config?.name ?? null,
    transport: config?.transport === undefined ? null : describeTransport(config.transport),
    signed: config?.key !== undefined,
    nextSequence: nextSequence(state.nextSequence, listing),
    lastSequence: state.lastSequence,
    lastArchive: state.lastArchive,
    outbox: listing.archives.map((archive) => ({
      name: archive.name,
      size: archive.size,
      sequence: archive.sequence,
      built: archive.modified.toISOString(),
      ageSeconds: Math.max(0, Math.round((now.getTime() - archive.modified.getTime()) / 1000)),
    })),
    strays: [...listing.strays.map((stray) => stray.name), ...listing.others],
    running: await lockHolder(paths),
    lastRuns: await readRuns(paths, STATUS_RUNS),
  };
}

/** `caisse-export status`, declared in commands/status.ts. */
export async function statusAction(env: CommandEnv, command: Command): Promise<void> {
  const options = command.optsWithGlobals<{ format: string } & GlobalOptions>();
  const format = oneOf("--format", options.format, ["table", "json"] as const);
  const log = logger(env.ctx, options);
  const report = await collectStatus(
    await openSettings(env.ctx, options.config, log),
    env.ctx.now(),
  );
  await writeResult(
    env.ctx,
    format === "json" ? renderStatusJson(report) : renderStatusTable(report, langOf(env.ctx)),
  );
  env.setExit(EXIT.ok);
}

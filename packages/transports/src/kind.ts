import type { ConfigChecker } from "./check.js";
import type { Sender, Source } from "./types.js";

/**
 * One kind of transport (`dir`, `ftp`, `sftp`, `mail`, `imap`): everything about it lives
 * in its folder, `src/<kind>/`, and the kind is listed once in `registry.ts`. The till's
 * `transport` and the central's `sources` are both read and built through this description.
 */

/** What a sender or a source needs from the process that runs it. */
export interface TransportEnv {
  /** The environment, for `passwordEnv` (the tools pass their context's, tests their own). */
  env: Readonly<Record<string, string | undefined>>;
  /** Ctrl-C or a stop signal: the connection is closed at once, the step fails E_INTERRUPTED. */
  signal?: AbortSignal | undefined;
  /** Time limit of one network step, in milliseconds (default 30 s). */
  timeoutMs?: number | undefined;
  /** Largest file a source downloads, in bytes (the central's archive limit). */
  maxDownloadBytes?: number | undefined;
  /**
   * A folder of the central where a source keeps what it must remember between runs (the IMAP
   * source: the messages taken but not yet moved; see docs/central-layout.md).
   */
  stateDir?: string | undefined;
  /** Bytes moved so far of a transfer of `total` bytes (an upload, a download, a mail). */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** One line of `doctor`: a step checked, `ok` or the reason and what to do. */
export interface VerifyStep {
  step: string;
  ok: boolean;
  /** What was checked or what went wrong (never a secret). */
  detail: string;
  /** What to do when it failed. */
  fix?: string | undefined;
}

export interface TransportKind<C extends { type: string }> {
  readonly type: C["type"];
  /** One line for `init --help`, the docs and `doctor`. */
  readonly description: string;
  /** Reads the keys after `type` from `value`; problems go to `check` with `where` + key. */
  readonly parse: (
    check: ConfigChecker,
    value: Record<string, unknown>,
    where: string,
  ) => C | undefined;
  /** One line for logs and `status`, never holding a secret. */
  readonly describe: (config: C) => string;
  /** Lines worth a warning once the config is valid (plain FTP). */
  readonly warnings?: (config: C, where: string) => string[];
  readonly createSender?: (config: C, env: TransportEnv) => Sender;
  readonly createSource?: (config: C, name: string, env: TransportEnv) => Source;
  /** Connects, logs in, writes and removes a probe file: for `doctor`. */
  readonly verify: (config: C, env: TransportEnv) => Promise<VerifyStep[]>;
}

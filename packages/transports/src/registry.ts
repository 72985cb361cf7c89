import { CaisseError } from "@caisse/core";
import { isRecord, type ConfigChecker } from "./check.js";
import { dirKind, type DirConfig } from "./dir/index.js";
import { ftpKind, type FtpConfig } from "./ftp/index.js";
import { imapKind, type ImapConfig } from "./imap/index.js";
import { mailKind, type MailConfig } from "./mail/index.js";
import { sftpKind, type SftpConfig } from "./sftp/index.js";
import type { TransportEnv, TransportKind, VerifyStep } from "./kind.js";
import type { Sender, Source } from "./types.js";

/**
 * The kinds this version knows, listed once. Adding one is a folder under src/ exporting a
 * TransportKind, plus its line here and in TransportConfig.
 */
export type TransportConfig = DirConfig | FtpConfig | SftpConfig | MailConfig | ImapConfig;

// Each entry is typed by its own config; the lookups below pair a config with its kind.
const KINDS = [
  dirKind,
  ftpKind,
  sftpKind,
  mailKind,
  imapKind,
] as unknown as readonly TransportKind<TransportConfig>[];

/** Kinds announced for a later version: a config error that says so, rather than "unknown". */
const LATER: Readonly<Record<string, readonly TransportRole[]>> = {};

/** `transport` of caisse-export.json, or one entry of `sources` in caisse-central.json. */
export type TransportRole = "transport" | "source";

function kindsFor(role: TransportRole): TransportKind<TransportConfig>[] {
  return KINDS.filter(
    (kind) => (role === "transport" ? kind.createSender : kind.createSource) !== undefined,
  );
}

function kindOf(config: TransportConfig): TransportKind<TransportConfig> {
  const type: string = config.type;
  const kind = KINDS.find((candidate) => candidate.type === type);
  if (kind === undefined) throw new Error(`no transport kind '${config.type}'`);
  return kind;
}

/** The kinds and their one-line descriptions, for help texts and docs. */
export function transportKinds(role: TransportRole): { type: string; description: string }[] {
  return kindsFor(role).map(({ type, description }) => ({ type, description }));
}

/**
 * Reads a `transport` (the till) or a `sources[i]` entry (the central): its `type`, then the keys of
 * that kind. `where` is the key path with its dot (`transport.`, `sources[0].`).
 */
export function parseTransport(
  check: ConfigChecker,
  value: unknown,
  where: string,
  role: TransportRole,
): TransportConfig | undefined {
  const label = where.replace(/\.$/u, "");
  const kinds = kindsFor(role);
  const types = kinds
    .map((kind) => `"${kind.type}"`)
    .join(", ")
    .replace(/, ([^,]*)$/u, " or $1");
  const described = kinds.map((kind) => `"${kind.type}" (${kind.description})`).join(", ");
  if (!isRecord(value)) {
    check.problem(`${label} must be an object such as { "type": "dir", "path": "..." }`);
    return undefined;
  }
  const { type } = value;
  const kind = kinds.find((candidate) => candidate.type === type);
  if (kind === undefined) {
    if (typeof type === "string" && LATER[type]?.includes(role) === true) {
      check.problem(`${where}type '${type}' is not available in this version; use ${described}`);
    } else {
      check.problem(
        `${where}type must be ${types} (found ${type === undefined ? "nothing" : JSON.stringify(type)})`,
      );
    }
    return undefined;
  }
  const config = kind.parse(check, value, where);
  if (config !== undefined) check.warnings.push(...(kind.warnings?.(config, where) ?? []));
  return config;
}

/** The sender for a validated `transport` config. */
export function createSender(config: TransportConfig, env: TransportEnv): Sender {
  const kind = kindOf(config);
  if (kind.createSender === undefined) {
    throw new CaisseError("E_CONFIG", `transport type '${config.type}' cannot send archives`, {
      details: { key: "transport.type", type: config.type },
      hint: `use one of: ${kindsFor("transport")
        .map((candidate) => candidate.type)
        .join(", ")}.`,
    });
  }
  return kind.createSender(config, env);
}

/** The source for a validated `sources` entry. */
export function createSource(config: TransportConfig, name: string, env: TransportEnv): Source {
  const kind = kindOf(config);
  if (kind.createSource === undefined) {
    throw new CaisseError("E_CONFIG", `source type '${config.type}' cannot collect archives`, {
      details: { source: name, type: config.type },
      hint: `use one of: ${kindsFor("source")
        .map((candidate) => candidate.type)
        .join(", ")}.`,
    });
  }
  return kind.createSource(config, name, env);
}

/** A one-line description for logs and `status`, never holding a secret. */
export function describeTransport(config: TransportConfig): string {
  return kindOf(config).describe(config);
}

/** doctor: connect, log in, write and remove a probe file. */
export function verifyTransport(config: TransportConfig, env: TransportEnv): Promise<VerifyStep[]> {
  return kindOf(config).verify(config, env);
}

/**
 * Senders carry a till's archives to head office; sources collect them there. One small interface
 * each, one folder per kind (`dir` now; `ftp`, `mail`, `imap` fit the same shapes).
 */

/** An archive ready to leave the till: a finished file in the outbox. */
export interface OutgoingArchive {
  /** Absolute path of the file. */
  path: string;
  /** Name on the transport: `D01_20261127T230005_000042.zip`. */
  name: string;
  /** Size in bytes. */
  size: number;
  till: string;
  tillName: string;
  sequence: number;
  /** ISO 8601 time the archive was built, with the till's offset. */
  created: string;
}

/** What the far side confirmed. */
export interface SendReceipt {
  /** Where it went, for the log: `/srv/central/inbox/D01_..._000042.zip`, `ftp://host/depot/...`. */
  destination: string;
}

/**
 * Sends archives. `send` resolves only once the far side holds the whole archive under its final
 * name; the caller removes the archive from the outbox after that and never before.
 */
export interface Sender {
  /** `dir`, `ftp`, `mail`: for logs and errors. */
  readonly kind: string;
  send(archive: OutgoingArchive): Promise<SendReceipt>;
  /** Releases connections; called once after the last send, also after a failure. */
  close(): Promise<void>;
}

/** One thing a source offers: a file in a folder, a file on an FTP server, a mail message. */
export interface SourceItem {
  /** Stable identity within the source (file name, `UIDVALIDITY:UID`). */
  id: string;
  /** For logs and the journal: `inbox/D01_..._000042.zip`. */
  label: string;
  /**
   * The name of the (first) archive it holds, when the source knows it before downloading (a
   * mail's attachment): the central imports items in the order of these names.
   */
  archiveName?: string | undefined;
  /**
   * Set when an earlier run stored the item's archives but could not settle it (a mail whose
   * move failed): the central only settles it, with this outcome, and imports nothing again.
   */
  settled?: SettleOutcome | undefined;
}

/** What became of the archives of one item, once they are safely stored at the central. */
export type SettleOutcome = "imported" | "rejected";

/**
 * Collects archives. The central lists the items, downloads each into its own folder, imports
 * the archives, and only then settles the item (delete, move to processed/ or rejected/). Nothing
 * is removed on the far side before the central has stored the archive.
 */
export interface Source {
  readonly name: string;
  readonly kind: string;
  list(): Promise<SourceItem[]>;
  /**
   * Copies the item's archives into `intoDir` (an empty folder of the central) and returns their
   * local paths; an item may hold none (a mail without zip) or several (a mail with two zips).
   */
  download(item: SourceItem, intoDir: string): Promise<string[]>;
  settle(item: SourceItem, outcome: SettleOutcome): Promise<void>;
  close(): Promise<void>;
}

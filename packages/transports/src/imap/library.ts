/**
 * imapflow, imported by session.ts when it first connects (see docs/architecture.md#a-command).
 * Through this module rather than `import("imapflow")`, as for the other kinds' libraries.
 */
export { ImapFlow } from "imapflow";

/**
 * ssh2, imported by session.ts when it first connects (see docs/architecture.md#a-command).
 * Through this module rather than `import("ssh2")`: a bundle split into chunks gives a CommonJS
 * library loaded by import() no named exports.
 */
export { Client } from "ssh2";

import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `keygen`; its code, in actions/keygen.ts, is loaded when it runs (docs/architecture.md). */
export function registerKeygen(program: Command, env: CommandEnv): void {
  program
    .command("keygen")
    .description(
      "make head office's Ed25519 key pair, to sign the catalogue; print the public key for the tills",
    )
    .option(
      "--out <file>",
      "the private key file (default: the config's catalog.key, else central.key in the root)",
    )
    .option("--force", "replace an existing key")
    .option(
      "--write-config",
      'write "catalog": { "key": ... } into caisse-central.json, keeping the rest of it',
    )
    .action(async (_flags: object, command: Command) => {
      const { keygenAction } = await import("../actions/keygen.js");
      await keygenAction(env, command);
    });
}

import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `keygen`; its code, in actions/keygen.ts, is loaded when it runs (docs/architecture.md). */
export function registerKeygen(program: Command, env: CommandEnv): void {
  program
    .command("keygen")
    .description(
      "make this till's Ed25519 key pair; print the public key to register at head office",
    )
    .option(
      "--out <file>",
      "the private key file (default: the config's 'key', else <TILL>.key beside the config)",
    )
    .option("--force", "replace an existing key")
    .option(
      "--write-config",
      'write "key" into the config file, keeping the rest of it (asked on a terminal otherwise)',
    )
    .action(async (_flags: object, command: Command) => {
      const { keygenAction } = await import("../actions/keygen.js");
      await keygenAction(env, command);
    });
}

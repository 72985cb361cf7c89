#!/usr/bin/env node
// The whole chain of the README's first command on the example data, in a temporary folder:
// three tills run `caisse-export run` into the central's drop folder, the central runs
// `caisse-central fetch`, then prints the comparative report.
//
//   npm run demo              # prints the report, then removes the folder
//   npm run demo -- --keep    # keeps the folder to look around (its path is printed)
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(repo, "bin", name);
const keep = process.argv.includes("--keep");
const tills = ["D01", "D02", "D03"];

function step(text) {
  process.stderr.write(`\n== ${text}\n`);
}

/** Runs a CLI like a user would; stops the demo if it fails. */
function run(name, args) {
  process.stderr.write(`$ ${name} ${args.join(" ")}\n`);
  const result = spawnSync(process.execPath, [bin(name), ...args], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env },
  });
  if (result.status !== 0) {
    throw new Error(`${name} ${args[0] ?? ""} exited with ${result.status ?? result.signal}`);
  }
}

const work = await mkdtemp(join(tmpdir(), "caisse-demo-"));
try {
  step(`example data for three stores, copied to ${work}`);
  await cp(join(repo, "examples", "central"), join(work, "central"), { recursive: true });
  for (const till of tills) {
    await cp(join(repo, "examples", "tills", till), join(work, "tills", till), { recursive: true });
  }
  const root = join(work, "central");
  run("caisse-central", ["init", "--root", root]);
  run("caisse-central", ["tills", "--root", root]);

  step(
    "each till: caisse-export run (build the archive into the outbox, send it to the drop folder)",
  );
  for (const till of tills) {
    run("caisse-export", ["run", "--config", join(work, "tills", till, "caisse-export.json")]);
  }

  step("head office: caisse-central fetch (check each archive, unpack it into its till's folder)");
  run("caisse-central", ["fetch", "--root", root]);

  step("head office: caisse-central report (the stores side by side)");
  run("caisse-central", ["report", "--root", root]);
  run("caisse-central", ["report", "--root", root, "--by", "family"]);
} finally {
  if (keep) process.stderr.write(`\nthe demo folder is kept: ${work}\n`);
  else await rm(work, { recursive: true, force: true });
}

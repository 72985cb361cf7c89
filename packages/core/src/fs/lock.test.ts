import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir, uptime } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock, readLockOwner } from "./lock.js";

// The children run the built module (npm test builds before it tests), as the CLIs do.
const BUILT = fileURLToPath(new URL("../../dist/fs/lock.js", import.meta.url));

/**
 * A child that waits for "go" on stdin, tries the lock, says `won` or the error code, and, when
 * it won, holds the lock until its stdin closes, then exits without releasing it: the next round
 * finds a lock whose holder died.
 */
const CHILD = `
import { acquireLock } from ${JSON.stringify(BUILT)};
const [path, purpose] = process.argv.slice(1);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", async (chunk) => {
  input += chunk;
  if (input !== "go\\n") return;
  try {
    await acquireLock(path, purpose);
    process.stdout.write("won\\n");
  } catch (error) {
    process.stdout.write((error.code ?? String(error)) + "\\n");
    process.exit(0);
  }
});
process.stdin.on("end", () => process.exit(0));
process.stdout.write("ready\\n");
`;

interface Racer {
  child: ChildProcessWithoutNullStreams;
  said: Promise<string>;
  ready: Promise<void>;
  exited: Promise<void>;
}

function racer(path: string, purpose: string): Racer {
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, path, purpose]);
  let output = "";
  let onReady: () => void = () => undefined;
  let onSaid: (line: string) => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const said = new Promise<string>((resolve) => (onSaid = resolve));
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
    const lines = output.split("\n");
    if (lines.includes("ready")) onReady();
    const answer = lines.find((line) => line !== "ready" && line !== "");
    if (answer !== undefined) onSaid(answer);
  });
  const exited = new Promise<void>((resolve) => {
    child.on("exit", () => {
      resolve();
    });
  });
  return { child, said, ready, exited };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "caisse-lock-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid no process has: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid as number;
}

describe("acquireLock", () => {
  it("lets exactly one of 20 processes take over a dead holder's lock, round after round", async () => {
    const path = join(dir, "lock");
    const rounds = 5;
    let previousWinner: number | undefined;
    for (let round = 0; round < rounds; round += 1) {
      const racers = Array.from({ length: 20 }, () => racer(path, `round ${round}`));
      await Promise.all(racers.map((one) => one.ready));
      for (const one of racers) one.child.stdin.write("go\n");
      const answers = await Promise.all(racers.map((one) => one.said));
      const winners = racers.filter((_, index) => answers[index] === "won");
      expect(winners.length, `round ${round}: ${answers.join(" ")}`).toBe(1);
      expect(answers.filter((answer) => answer === "E_LOCK_HELD")).toHaveLength(19);
      const winner = winners[0] as Racer;
      expect((await readLockOwner(path))?.owner).toMatchObject({
        pid: winner.child.pid,
        purpose: `round ${round}`,
      });
      expect(winner.child.pid).not.toBe(previousWinner);
      previousWinner = winner.child.pid;
      // The winner dies holding the lock: the next round takes over a stale lock.
      for (const one of racers) one.child.stdin.end();
      await Promise.all(racers.map((one) => one.exited));
    }
    // Nothing but the last dead holder's lock is left beside it.
    expect(await readdir(dir)).toEqual(["lock"]);
  });

  it("never takes over a live holder's lock, nor one from another machine", async () => {
    const path = join(dir, "lock");
    const lock = await acquireLock(path, "caisse-export run");
    await expect(acquireLock(path, "second")).rejects.toMatchObject({
      code: "E_LOCK_HELD",
      message: expect.stringContaining(
        `caisse-export run (process ${process.pid} on ${hostname()}`,
      ) as unknown,
    });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);

    // The parent of this process is alive; a holder on another host cannot be checked.
    for (const owner of [
      { pid: process.ppid, host: hostname() },
      { pid: await deadPid(), host: "another-host" },
    ]) {
      await mkdir(path);
      await writeFile(
        join(path, "owner.0123456789abcdef.json"),
        JSON.stringify({
          ...owner,
          since: new Date().toISOString(),
          purpose: "caisse-central fetch",
        }),
      );
      await expect(acquireLock(path, "second")).rejects.toMatchObject({ code: "E_LOCK_HELD" });
      expect(await readdir(path)).toEqual(["owner.0123456789abcdef.json"]);
      await rm(path, { recursive: true });
    }
  });

  it("takes over a dead holder's lock whose pid another process now has", async () => {
    const path = join(dir, "lock");
    // The parent of this process is alive: its pid is "reused" by the dead holders below.
    const reused = { pid: process.ppid, host: hostname(), purpose: "caisse-central fetch" };
    const holders = [
      // Taken before this machine last started: its holder died with the reboot.
      { ...reused, since: new Date(Date.now() - uptime() * 1000 - 3_600_000).toISOString() },
    ];
    // Where the system says when a process started (Linux), a holder started at another time.
    if (process.platform === "linux") {
      holders.push({ ...reused, since: new Date().toISOString(), start: "1" } as never);
    }
    for (const holder of holders) {
      await mkdir(path);
      await writeFile(join(path, "owner.0123456789abcdef.json"), JSON.stringify(holder));
      const lock = await acquireLock(path, "after a reused pid");
      expect((await readLockOwner(path))?.owner).toMatchObject({ pid: process.pid });
      await lock.release();
    }
    // The holder's own record of its start, as written by acquireLock, keeps it held.
    const lock = await acquireLock(path, "holder");
    await expect(acquireLock(path, "second")).rejects.toMatchObject({ code: "E_LOCK_HELD" });
    await lock.release();
  });

  it("is not blocked by anything a crash leaves at any step", async () => {
    const path = join(dir, "lock");
    const pid = await deadPid();
    const owner = JSON.stringify({ pid, host: hostname(), since: "x", purpose: "crashed" });
    // A lock file of the earlier format, left by a crashed run.
    await writeFile(path, owner);
    await (await acquireLock(path, "after a legacy lock")).release();
    // A crash between removing a dead holder's owner file and its folder: an empty folder.
    await mkdir(path);
    // A crash after a taker made its folder beside the lock, before renaming it.
    await mkdir(join(dir, "lock.abcdef.new"));
    await writeFile(join(dir, "lock.abcdef.new", "owner.abcdef.json"), owner);
    // A crash while holding.
    await acquireLock(join(dir, "other"), "holder");
    await writeFile(join(dir, "other", (await readdir(join(dir, "other")))[0] as string), owner);
    const lock = await acquireLock(path, "after the crashes");
    expect(
      JSON.parse(await readFile(join(path, (await readdir(path))[0] as string), "utf8")),
    ).toMatchObject({
      pid: process.pid,
      purpose: "after the crashes",
    });
    await lock.release();
    await (await acquireLock(join(dir, "other"), "after a dead holder")).release();
    expect(await readdir(dir)).toEqual([]);
  });
});

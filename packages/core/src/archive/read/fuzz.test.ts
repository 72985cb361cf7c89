import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../../scripts/seeded-random.mjs";
import { damageArchive } from "../../../../../test/helpers/damage.js";
import { errorClassOf, isCaisseError } from "../../errors.js";
import { walkFiles } from "../../fs/walk.js";
import { openArchive } from "../read.js";
import { planArchive } from "../plan.js";
import { buildArchive } from "../write.js";

/**
 * Damaged archives, by the thousand: a real till archive with bytes flipped, fields overwritten,
 * pieces cut or repeated, at places chosen by a seeded generator (a failure names its seed, so it
 * can be replayed). Whatever the damage, the safe reader either extracts exactly the till's
 * files or refuses with an archive code; it never throws anything else, never hangs, and leaves
 * nothing behind when it refuses.
 */
const CASES = 1500;
const CASE_TIME_LIMIT_MS = 10_000;

const FILES: Record<string, string> = {
  "ventes.csv":
    "ticket;date;article;famille;quantite;montant_ttc;taux_tva\n" +
    Array.from({ length: 60 }, (_, i) => `${i};2026-11-02 10:00;A${i % 7};EPI;1;${i},50;5,5`).join(
      "\n",
    ),
  "reglements.csv": "ticket;date;mode;montant\n1;2026-11-02 10:00;CB;2,50\n",
  "archives/2026/ventes-octobre.csv": "ticket;date\n1;2026-10-01\n",
  "vide.txt": "",
};

async function treeOf(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for await (const file of walkFiles(dir)) {
    tree[file.relative] = createHash("sha256")
      .update(await readFile(file.absolute))
      .digest("hex");
  }
  return tree;
}

/** What one damaged archive gave: "extracted", or the refusal's code. */
async function readDamaged(path: string, staging: string): Promise<string> {
  try {
    const archive = await openArchive(path);
    try {
      await archive.extractTo(staging);
      return "extracted";
    } finally {
      await archive.close();
    }
  } catch (error) {
    if (!isCaisseError(error)) throw error;
    if (errorClassOf(error.code) !== "rejected") throw error;
    return error.code;
  }
}

function withinTime<T>(work: Promise<T>, seed: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`seed ${seed}: no answer after ${CASE_TIME_LIMIT_MS} ms`));
    }, CASE_TIME_LIMIT_MS);
  });
  return Promise.race([work, limit]).finally(() => {
    clearTimeout(timer);
  });
}

let work: string;
let original: Buffer;
let expected: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "caisse-fuzz-"));
  const data = join(work, "data");
  for (const [name, content] of Object.entries(FILES)) {
    await mkdir(join(data, name, ".."), { recursive: true });
    await writeFile(join(data, name), content);
  }
  const out = join(work, "original.zip");
  await buildArchive(await planArchive(data), {
    outPath: out,
    till: "D01",
    name: "Magasin 1",
    sequence: 1,
    previous: null,
    created: new Date(2026, 10, 27, 23, 0, 5),
  });
  original = await readFile(out);
  expected = await treeOf(data);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("the safe reader on damaged archives", () => {
  it("reads the undamaged archive whole", async () => {
    const staging = join(work, "undamaged");
    await writeFile(join(work, "undamaged.zip"), original);
    expect(await readDamaged(join(work, "undamaged.zip"), staging)).toBe("extracted");
    expect(await treeOf(staging)).toEqual(expected);
  });

  it(`extracts exactly the till's files or refuses with an archive code (${CASES} seeds)`, async () => {
    const outcomes = new Map<string, number>();
    for (let seed = 1; seed <= CASES; seed++) {
      const path = join(work, "damaged.zip");
      const staging = join(work, "staging");
      await writeFile(path, damageArchive(original, mulberry32(seed)));
      const outcome = await withinTime(readDamaged(path, staging), seed).catch((error: unknown) => {
        throw new Error(`seed ${seed}: ${String(error)}`, { cause: error });
      });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (outcome === "extracted") {
        // Damage the checks let through (an unused byte): the content is still the till's.
        expect(await treeOf(staging), `seed ${seed}`).toEqual(expected);
        await rm(staging, { recursive: true });
      }
      // A refusal leaves nothing; nothing is ever written beside the staging folder.
      expect((await readdir(work)).sort(), `seed ${seed}`).toEqual([
        "damaged.zip",
        "data",
        "original.zip",
        "undamaged",
        "undamaged.zip",
      ]);
    }
    // The damage reached many different checks, not one early refusal.
    expect(outcomes.size, JSON.stringify(Object.fromEntries(outcomes))).toBeGreaterThanOrEqual(8);
  }, 300_000);
});

/**
 * Preloaded (`node --import`) into a CLI run as a child process: at exit, allocates a few hundred
 * MiB of short-lived objects and buffers (the churn of extracting archives), then writes the size
 * of V8's young generation before and after that to the file named by CAISSE_TEST_YOUNG_GENERATION,
 * so that a test sees whether the process lets it grow (packages/cli/src/start.ts).
 */
import { Buffer } from "node:buffer";
import { writeFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

const target = process.env.CAISSE_TEST_YOUNG_GENERATION;
const newSpace = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? -1;

if (target !== undefined && target !== "") {
  process.on("exit", () => {
    const before = newSpace();
    let kept = 0;
    for (let round = 0; round < 4000; round += 1) {
      const chunk = Array.from({ length: 1000 }, (_, index) => ({
        index,
        text: `${round}:${index}`,
      }));
      kept += chunk.length + Buffer.alloc(16 * 1024).length;
    }
    writeFileSync(target, JSON.stringify({ before, after: newSpace(), kept }));
  });
}

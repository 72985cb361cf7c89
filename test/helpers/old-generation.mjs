/**
 * Preloaded (`node --import`) into a CLI run as a child process: at exit, keeps about 16 MiB of
 * objects alive while replacing them, slot after slot, with new ones (the churn of reading files
 * into sums: the replaced objects die in the old generation), then writes the largest size the
 * old generation reached to the file named by CAISSE_TEST_OLD_GENERATION, so that a test sees
 * whether the process lets it grow far past what is alive (packages/cli/src/start.ts).
 */
import { writeFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

const target = process.env.CAISSE_TEST_OLD_GENERATION;
const oldSpace = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === "old_space")?.space_size ?? -1;

if (target !== undefined && target !== "") {
  process.on("exit", () => {
    const slots = Array.from({ length: 64 }, () => []);
    let largest = 0;
    for (let round = 0; round < 2000; round += 1) {
      slots[round % slots.length] = Array.from({ length: 2500 }, (_, index) => ({
        index,
        text: `${round}:${index}`,
      }));
      if (round % 50 === 0) largest = Math.max(largest, oldSpace());
    }
    writeFileSync(target, JSON.stringify({ largest, kept: slots.length }));
  });
}

import { describe, expect, it } from "vitest";
import { inSequenceOrder } from "./run.js";

const item = (id: string) => ({ id, label: `inbox/${id}` });

describe("inSequenceOrder", () => {
  it("imports each till's archives by sequence even when its clock went back", () => {
    const order = inSequenceOrder(
      [
        "zz-manual.zip",
        "D02_20261127T230000_000007.zip",
        "D01_20261127T230000_000042.zip",
        "D01_20261126T230000_000043.zip",
        "tfichier.zip",
        "d01_20261125T230000_000041.zip",
      ].map(item),
    ).map((entry) => entry.id);
    expect(order).toEqual([
      "d01_20261125T230000_000041.zip",
      "D01_20261127T230000_000042.zip",
      "D01_20261126T230000_000043.zip",
      "D02_20261127T230000_000007.zip",
      "tfichier.zip",
      "zz-manual.zip",
    ]);
  });
});

import { isCaisseError } from "@caisse/core";
import { describe, expect, it } from "vitest";
import { validateCentralConfig } from "./validate.js";

const FILE = "/srv/central/caisse-central.json";

function problemsOf(value: unknown): string[] {
  try {
    validateCentralConfig(value, FILE);
  } catch (error) {
    if (isCaisseError(error) && error.code === "E_CONFIG") {
      return (error.details as { problems: string[] }).problems;
    }
    throw error;
  }
  throw new Error("expected E_CONFIG");
}

describe("validateCentralConfig", () => {
  it("takes the defaults for the sections not given", () => {
    const config = validateCentralConfig({}, FILE);
    expect(config.tills).toEqual([]);
    expect(config.sources).toEqual([
      { name: "inbox", transport: { type: "dir", path: "/srv/central/inbox" } },
    ]);
    expect(config.staleAfterHours).toBe(36);
    expect(config.warnings).toEqual([]);
  });

  it("warns about an unknown top-level key without refusing the file", () => {
    const config = validateCentralConfig(
      {
        $schema: "x",
        tils: [],
        tills: [{ ref: "D01", name: "Magasin 1", path: "caisse1", enabeld: false }],
        limits: { maxEntry: 5 },
      },
      FILE,
    );
    expect(config.warnings).toEqual([
      `${FILE}: unknown key 'tils' is ignored`,
      `${FILE}: unknown key 'tills[0].enabeld' is ignored`,
      `${FILE}: unknown key 'limits.maxEntry' is ignored`,
    ]);
  });

  it("reports the problems of every section at once", () => {
    expect(
      problemsOf({
        tills: [
          { ref: "D01", name: "Magasin 1", path: "caisse1" },
          { ref: "d01", name: "x", path: "y" },
        ],
        sources: "inbox",
        limits: { maxEntries: 0 },
        staleAfterHours: -1,
      }),
    ).toEqual([
      "tills[1].ref 'd01' is used twice",
      "sources must be an array",
      "limits.maxEntries must be a whole number from 1",
      "staleAfterHours must be a number of hours above 0",
    ]);
  });
});

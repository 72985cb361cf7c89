import { foreignPathProblem, isCaisseError } from "@caisse/core";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTillFlags, locateConfig, starterConfig, validateExportConfig } from "./config.js";

const FILE = join("/srv", "caisse", "caisse-export.json");

function problemsOf(value: unknown): string[] {
  try {
    validateExportConfig(value, FILE);
  } catch (error) {
    if (isCaisseError(error, "E_CONFIG")) return error.details.problems as string[];
    throw error;
  }
  return [];
}

describe("validateExportConfig", () => {
  it("makes paths absolute from the config's folder and fills the defaults", () => {
    const { config, warnings } = validateExportConfig(
      {
        till: "D01",
        data: "donnees",
        key: "../cles/D01.key",
        transport: { type: "dir", path: "/mnt/siege" },
        catalog: { dir: "catalogue" },
      },
      FILE,
    );
    expect(config).toEqual({
      file: FILE,
      till: "D01",
      name: "D01",
      data: join("/srv", "caisse", "donnees"),
      key: join("/srv", "cles", "D01.key"),
      transport: { type: "dir", path: "/mnt/siege" },
      catalog: {
        dir: join("/srv", "caisse", "catalogue"),
        centralKey: undefined,
        source: undefined,
      },
      fullEveryDays: 7,
    });
    expect(warnings).toEqual([]);
  });

  it.each([
    [[], ["the file must hold a JSON object"]],
    [{}, ["till is missing", "data is missing"]],
    [{ till: 1, data: "" }, ["till must be a non-empty string", "data must be a non-empty string"]],
    [
      { till: "D01", data: "d", transport: "dir" },
      ['transport must be an object such as { "type": "dir", "path": "..." }'],
    ],
    [{ till: "D01", data: "d", transport: { type: "dir" } }, ["transport.path is missing"]],
    [
      { till: "D01", data: "d", transport: { type: "mail" } },
      ["transport.host is missing", "transport.from is missing", "transport.to is missing"],
    ],
    [
      { till: "D01", data: "d", catalog: [] },
      ['catalog must be an object such as { "dir": "...", "centralKey": "ed25519:..." }'],
    ],
  ])("reports %j", (value, expected) => {
    expect(problemsOf(value)).toEqual(expected);
  });

  it("warns about unknown keys, at every level, without refusing them", () => {
    const { warnings } = validateExportConfig(
      {
        $schema: "x",
        till: "D01",
        data: "d",
        transport: { type: "dir", path: "p", passive: true },
        extra: 1,
      },
      FILE,
    );
    expect(warnings).toEqual([
      `${FILE}: unknown key 'extra' is ignored`,
      `${FILE}: unknown key 'transport.passive' is ignored`,
    ]);
  });

  it("accepts a catalog with head office's key", () => {
    const centralKey = `ed25519:${Buffer.alloc(32, 7).toString("base64")}`;
    expect(
      validateExportConfig({ till: "D01", data: "d", catalog: { dir: "c", centralKey } }, FILE)
        .config.catalog?.centralKey,
    ).toBe(centralKey);
  });
});

describe("foreignPathProblem", () => {
  it.runIf(process.platform !== "win32")("refuses Windows paths on other systems", () => {
    expect(foreignPathProblem("C:\\caisse")).toContain("Windows path");
    expect(foreignPathProblem("donnees\\ventes")).toContain("backslash");
    expect(foreignPathProblem("//siege/inbox")).toBeUndefined();
    expect(foreignPathProblem("/mnt/caisse")).toBeUndefined();
  });
});

describe("locateConfig", () => {
  const ctx = (env: Record<string, string>) => ({
    cwd: "/home/caisse",
    env,
    now: () => new Date(),
    stdout: { write: () => undefined, isTTY: false },
    stderr: { write: () => undefined, isTTY: false },
  });

  it("takes --config, else the environment, else ./caisse-export.json", () => {
    expect(locateConfig(ctx({ CAISSE_EXPORT_CONFIG: "/etc/c.json" }), "mine.json")).toEqual({
      path: "/home/caisse/mine.json",
      via: "--config",
    });
    expect(locateConfig(ctx({ CAISSE_EXPORT_CONFIG: "/etc/c.json" }), undefined)).toEqual({
      path: "/etc/c.json",
      via: "CAISSE_EXPORT_CONFIG",
    });
    expect(locateConfig(ctx({}), undefined)).toEqual({
      path: "/home/caisse/caisse-export.json",
      via: "default",
    });
  });
});

describe("init's starter and flags", () => {
  it("validates", () => {
    expect(() => validateExportConfig(starterConfig(), FILE)).not.toThrow();
  });

  it("names each wrong flag", () => {
    expect(() => {
      checkTillFlags({ till: "D 1", name: "" });
    }).toThrow(/--till: .*; --name: the name is empty/u);
    expect(() => {
      checkTillFlags({ till: "D1", name: "Lyon" });
    }).not.toThrow();
  });
});

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (name: string): string =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests run against the sources; the end-to-end tests run the built CLIs in bin/.
    alias: {
      "@caisse/core": source("core"),
      "@caisse/transports": source("transports"),
      "@caisse/cli": source("cli"),
      "@caisse/export": source("export"),
      "@caisse/central": source("central"),
    },
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

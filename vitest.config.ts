import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (name: string): string =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests run against the sources; the end-to-end tests run the built CLIs in bin/.
    alias: [
      // The subpath exports (`@caisse/core/errors`, `@caisse/cli/start`): the source file of that path.
      {
        find: /^@caisse\/(core|cli)\/(.+)$/u,
        replacement: fileURLToPath(new URL("./packages/$1/src/$2.ts", import.meta.url)),
      },
      { find: /^@caisse\/core$/u, replacement: source("core") },
      { find: /^@caisse\/transports$/u, replacement: source("transports") },
      { find: /^@caisse\/cli$/u, replacement: source("cli") },
      { find: /^@caisse\/export$/u, replacement: source("export") },
      { find: /^@caisse\/central$/u, replacement: source("central") },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

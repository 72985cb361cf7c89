// npm's `prepare` (npm ci, npm install) builds the CLIs from this source with TypeScript. When
// TypeScript is not there, npm is installing this source folder as a package (`npm install -g`
// of a clone, which leaves the development tools out): say how to install the CLIs instead of
// failing on "tsc: not found".
import { createRequire } from "node:module";

try {
  createRequire(import.meta.url).resolve("typescript/package.json");
} catch {
  const { version } = createRequire(import.meta.url)("../package.json");
  process.stderr.write(
    [
      "caisse: this folder is the source of caisse-export and caisse-central, not a package to install.",
      "To install the two CLIs from it (see docs/operations.md, 'Installing from the source'):",
      "  npm ci && npm run package",
      `  npm install -g ./release/caisse-export-${version}.tgz ./release/caisse-central-${version}.tgz`,
      "",
    ].join("\n"),
  );
  process.exit(1);
}

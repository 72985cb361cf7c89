// npm's `prepare` (npm ci, npm install) builds the CLIs from this source with TypeScript. When
// TypeScript is not there, npm is installing this source folder as a package (`npm install -g`
// of a clone, which leaves the development tools out); and `npm pack` of this folder (`--pack`,
// from `prepack`) would make a package of sources without their build or dependencies. Both say
// how to install the CLIs instead of failing later on "tsc: not found" or ERR_MODULE_NOT_FOUND.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function refuse(what) {
  const { version } = require("../package.json");
  process.stderr.write(
    [
      `caisse: ${what}`,
      "To install the two CLIs from this source (see docs/operations.md, 'Installing from the source'):",
      "  npm ci && npm run package",
      `  npm install -g ./release/caisse-export-${version}.tgz ./release/caisse-central-${version}.tgz`,
      "",
    ].join("\n"),
  );
  process.exit(1);
}

if (process.argv.includes("--pack")) {
  refuse(
    "this folder is the source of caisse-export and caisse-central; `npm run package` packs them.",
  );
}
try {
  require.resolve("typescript/package.json");
} catch {
  refuse(
    "this folder is the source of caisse-export and caisse-central, not a package to install.",
  );
}

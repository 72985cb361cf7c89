// npm run package: the two CLIs as packages that install on a machine with only Node.
//
//   release/caisse-export.mjs, release/caisse-central.mjs        one file each: node caisse-export.mjs
//   release/caisse-export-<v>.tgz, release/caisse-central-<v>.tgz  npm install -g ./release/caisse-export-<v>.tgz
//
// Each CLI is bundled by esbuild with every dependency inside (see docs/decisions.md, packaging):
// the tarballs declare no dependency, so they install offline and can never hold two copies of a
// library. Run after `tsc -b` (npm run package does both).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { optionalNatives } from "./optional-natives.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const release = join(repo, "release");
const root = JSON.parse(await readFile(join(repo, "package.json"), "utf8"));

/** The CLIs: the npm package's name is the command's. */
const tools = [
  { name: "caisse-export", workspace: "export" },
  { name: "caisse-central", workspace: "central" },
];

/**
 * Node's modules imported by an ES module (`import { createHash } from "node:crypto"`) would stay
 * `import` statements at the top of the bundle, loaded at every start even when only the command
 * that runs later uses them (see docs/architecture.md#commands). Each becomes a require() in a
 * small CommonJS module instead, which esbuild evaluates when the importing module first runs.
 */
const lazyNodeModules = {
  name: "lazy-node-modules",
  setup(build) {
    // Dependencies name them without the prefix too (`import { DeflateRaw } from "zlib"`).
    const names = builtinModules.map((name) => name.replace(/[/\\^$.*+?()[\]{}|-]/g, "\\$&"));
    const filter = new RegExp(`^(node:)?(${names.join("|")})$`);
    build.onResolve({ filter }, (args) =>
      args.namespace === "lazy-node-module"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "lazy-node-module" },
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-node-module" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/** Bundles one CLI into one ES module file, with its shebang, executable. */
async function bundle(workspace, outfile) {
  await build({
    entryPoints: [join(repo, "packages", workspace, "dist", "main.js")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // The CommonJS dependencies call require() for Node's modules and read __dirname (ssh2 does at
    // load); an ES module has none of these of its own.
    banner: {
      js: [
        'import { createRequire as __caisseRequire } from "node:module";',
        "const require = __caisseRequire(import.meta.url);",
        "const __filename = import.meta.filename;",
        "const __dirname = import.meta.dirname;",
      ].join("\n"),
    },
    plugins: [lazyNodeModules],
    legalComments: "eof",
    logLevel: "warning",
    plugins: [optionalNatives],
  });
  await chmod(outfile, 0o755);
}

/** The package.json of a CLI's npm package: a bin, no dependency. */
async function manifest(tool, workspace) {
  const own = JSON.parse(await readFile(join(repo, "packages", workspace, "package.json"), "utf8"));
  return {
    name: tool,
    version: own.version,
    description: own.description,
    license: own.license ?? root.license,
    type: "module",
    engines: root.engines,
    bin: { [tool]: `${tool}.mjs` },
    files: [`${tool}.mjs`, "README.md"],
  };
}

await rm(release, { recursive: true, force: true });
await mkdir(release, { recursive: true });
for (const { name, workspace } of tools) {
  const single = join(release, `${name}.mjs`);
  await bundle(workspace, single);

  const stage = join(release, "stage", name);
  await mkdir(stage, { recursive: true });
  const pkg = await manifest(name, workspace);
  await writeFile(join(stage, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  await copyFile(single, join(stage, `${name}.mjs`));
  await writeFile(
    join(stage, "README.md"),
    `# ${name}\n\n${pkg.description}.\n\nNode ${pkg.engines.node}. Run \`${name} --help\`; the documentation is in the caisse repository's docs/ folder.\n`,
  );
  const packed = execFileSync(
    "npm",
    ["pack", "--json", "--pack-destination", release, "--ignore-scripts"],
    { cwd: stage, encoding: "utf8" },
  );
  const [{ filename }] = JSON.parse(packed);
  console.log(`release/${filename}  release/${name}.mjs`);
}
await rm(join(release, "stage"), { recursive: true, force: true });

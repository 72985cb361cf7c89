// npm run package: the two CLIs as packages that install on a machine with only Node.
//
//   release/caisse-export.mjs, release/caisse-central.mjs        one file each: node caisse-export.mjs
//   release/caisse-export-<v>.tgz, release/caisse-central-<v>.tgz  npm install -g ./release/caisse-export-<v>.tgz
//   release/caisse-export/, release/caisse-central/                those packages unpacked
//
// Each CLI is bundled by esbuild with every dependency inside (see docs/decisions.md, packaging):
// the tarballs declare no dependency, so they install offline and can never hold two copies of a
// library. Run after `tsc -b` (npm run package does both).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
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
 * that runs later uses them (see docs/architecture.md#a-command). Each becomes a require() in a
 * small CommonJS module instead, which esbuild evaluates when the importing module first runs.
 */
const lazyNodeModules = {
  name: "lazy-node-modules",
  setup(build) {
    // Dependencies name them without the prefix too (`import { DeflateRaw } from "zlib"`).
    const names = builtinModules.map((name) => name.replace(/[/\\^$.*+?()[\]{}|-]/g, "\\$&"));
    const filter = new RegExp(`^(node:)?(${names.join("|")})$`);
    // An import() is already lazy, and it must keep the module's named exports: left as it is.
    build.onResolve({ filter }, (args) =>
      args.namespace === "lazy-node-module" || args.kind !== "import-statement"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "lazy-node-module" },
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-node-module" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/**
 * Bundles one CLI, with its shebang, executable: into one ES module file (`outfile`), or into a
 * folder (`outdir`: `<name>.mjs` and the code of the commands in `chunks/`, read when a command
 * runs, so that `--version` and `--help` parse a tenth of the code).
 */
async function bundle(workspace, name, { outfile, outdir }) {
  const entry = join(repo, "packages", workspace, "dist", "main.js");
  await build({
    ...(outdir === undefined
      ? { entryPoints: [entry], outfile }
      : {
          entryPoints: { [name]: entry },
          outdir,
          splitting: true,
          chunkNames: "chunks/[name]-[hash]",
          outExtension: { ".js": ".mjs" },
        }),
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
    plugins: [lazyNodeModules, optionalNatives],
    legalComments: "eof",
    logLevel: "warning",
  });
  await chmod(outfile ?? join(outdir, `${name}.mjs`), 0o755);
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
    files: [`${tool}.mjs`, "chunks", "README.md"],
  };
}

await rm(release, { recursive: true, force: true });
await mkdir(release, { recursive: true });
for (const { name, workspace } of tools) {
  const single = join(release, `${name}.mjs`);
  await bundle(workspace, name, { outfile: single });

  // The npm package, kept unpacked in release/<name>/ (npm run bench measures it).
  const stage = join(release, name);
  await bundle(workspace, name, { outdir: stage });
  const pkg = await manifest(name, workspace);
  await writeFile(join(stage, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
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

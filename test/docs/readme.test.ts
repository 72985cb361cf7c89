import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, REPO, temporaryFolder } from "../helpers/cli.js";

/**
 * The README cannot drift: its runnable blocks are run here, as a newcomer would type them (see
 * docs/architecture.md#the-docs-tests).
 *
 * - A block whose info string is `sh runnable` is run with bash; the runnable blocks of one `##`
 *   section run in order, in one new temporary folder, each one seeing the exported variables and
 *   the folder the previous one left; each must exit 0.
 * - A `text output` block right after it is what the block prints on stdout: its lines in order,
 *   `...` alone on a line standing for any lines, `...` inside a line for any text.
 * - `sh runnable package` blocks need the packages of `npm run package`, built once here and
 *   installed into a temporary npm prefix; without that script the section is skipped, saying
 *   why, and with CAISSE_REQUIRE_ALL=1 that skip is a failure.
 * - Every other shell block says why it is not run (`sh not-runnable: ...`), so that a command
 *   cannot slip into the README unchecked.
 */

interface Block {
  info: string;
  body: string;
  line: number;
  output?: string | undefined;
}

interface Section {
  title: string;
  blocks: Block[];
}

const README = readFileSync(join(REPO, "README.md"), "utf8");
const SHELLS = new Set(["sh", "bash", "shell", "console", "powershell", "ps1", "bat", "cmd"]);

function parseReadme(text: string): { sections: Section[]; unmarked: string[] } {
  const sections: Section[] = [];
  const unmarked: string[] = [];
  let section: Section = { title: "(top)", blocks: [] };
  sections.push(section);
  const lines = text.split("\n");
  let previous: Block | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? "";
    if (line.startsWith("## ")) {
      section = { title: line.slice(3).trim(), blocks: [] };
      sections.push(section);
      previous = undefined;
      continue;
    }
    const opening = /^```(\S.*)?$/u.exec(line);
    if (opening === null) {
      if (line.trim() !== "") previous = undefined;
      continue;
    }
    const info = (opening[1] ?? "").trim();
    const body: string[] = [];
    const start = index + 1;
    for (index += 1; index < lines.length && lines[index] !== "```"; index += 1)
      body.push(lines[index] ?? "");
    const text = body.join("\n");
    const language = info.split(/\s/u)[0] ?? "";
    if (info === "text output") {
      if (previous !== undefined) previous.output = text;
      previous = undefined;
    } else if (/\brunnable\b/u.test(info) && !info.includes("not-runnable")) {
      previous = { info, body: text, line: start };
      section.blocks.push(previous);
    } else {
      previous = undefined;
      if (SHELLS.has(language) && !/\bnot-runnable: \S/u.test(info))
        unmarked.push(`README.md:${start}: \`\`\`${info}`);
    }
  }
  return { sections: sections.filter((each) => each.blocks.length > 0), unmarked };
}

/** The expected output as a pattern: `...` lines for any lines, `...` in a line for any text. */
function outputPattern(expected: string): RegExp {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
  const lines = expected
    .split("\n")
    .map((line) =>
      line.trim() === "..."
        ? "(?:[^\\n]*\\n)*?"
        : `${line.trimEnd().split("...").map(escape).join("[^\\n]*?")}[ \\t]*\\n`,
    );
  return new RegExp(`^${lines.join("")}$`, "u");
}

function trimmedLines(text: string): string {
  const lines = text.split("\n").map((line) => line.trimEnd());
  while (lines.at(-1) === "") lines.pop();
  return `${lines.join("\n")}\n`;
}

const { sections, unmarked } = parseReadme(README);
const requireAll = process.env.CAISSE_REQUIRE_ALL === "1";
const hasPackageScript = (): boolean => {
  const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  return manifest.scripts?.package !== undefined;
};

let packaged = false;
/** `npm run package` once, for every section that needs it. */
function ensurePackages(): void {
  if (packaged) return;
  execFileSync("npm", ["run", "package"], { cwd: REPO, stdio: "pipe", timeout: 300_000 });
  packaged = true;
}

const folders: { remove: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const folder of folders) await folder.remove();
});

/** Runs the blocks of a section in order; returns a message per failing block. */
async function runSection(section: Section, needsPackage: boolean): Promise<string[]> {
  const folder = await temporaryFolder("caisse-readme-");
  folders.push(folder);
  const work = join(folder.path, "work");
  const home = join(folder.path, "home");
  const tools = join(folder.path, "tools");
  const prefix = join(folder.path, "npm-global");
  await Promise.all([work, home, tools, prefix].map((path) => mkdir(path, { recursive: true })));
  let path = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
  if (needsPackage) {
    ensurePackages();
    await symlink(join(REPO, "release"), join(work, "release"));
    path = `${join(prefix, "bin")}:${path}`;
  } else {
    await symlink(BIN.export, join(tools, "caisse-export"));
    await symlink(BIN.central, join(tools, "caisse-central"));
    path = `${tools}:${path}`;
  }
  const state = join(folder.path, "state.sh");
  const env: Record<string, string> = {
    PATH: path,
    HOME: home,
    LANG: "C",
    TZ: "UTC",
    CAISSE_CENTRAL_ROOT: join(home, "caisse"),
    CAISSE_EXPORT_CONFIG: join(work, "caisse-export.json"),
    npm_config_prefix: prefix,
    npm_config_cache: join(folder.path, "npm-cache"),
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
  const failures: string[] = [];
  for (const block of section.blocks) {
    // Each block starts where the previous one ended: its folder and exported variables.
    const script = [
      `trap 'export -p > ${JSON.stringify(state)}; echo "cd $(printf %q "$PWD")" >> ${JSON.stringify(state)}' EXIT`,
      `if [ -f ${JSON.stringify(state)} ]; then . ${JSON.stringify(state)}; fi`,
      "set -euo pipefail",
      block.body,
    ].join("\n");
    const result = spawnSync("bash", ["-c", script], {
      cwd: work,
      env,
      encoding: "utf8",
      timeout: 180_000,
    });
    const where = `README.md:${block.line}`;
    if (result.status !== 0) {
      failures.push(
        `${where}: exit ${result.status ?? result.signal}\n${block.body}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`,
      );
      break;
    }
    if (
      block.output !== undefined &&
      !outputPattern(block.output).test(trimmedLines(result.stdout))
    )
      failures.push(`${where}: printed\n${result.stdout}--- but the README shows\n${block.output}`);
  }
  return failures;
}

describe("README.md", () => {
  it("marks every shell block as runnable, or says why it is not run", () => {
    expect(unmarked).toEqual([]);
    expect(sections.map((section) => section.title)).toEqual(
      expect.arrayContaining(["Install", "Set-up, step by step"]),
    );
  });

  it("reads expected output as the docs say", () => {
    expect(outputPattern("a ... b\n...\nend").test("a x y b\n1\n2\nend\n")).toBe(true);
    expect(outputPattern("a ... b\nend").test("a x b\nextra\nend\n")).toBe(false);
    expect(outputPattern("0.1.0").test("0.1.0\n")).toBe(true);
    expect(outputPattern("0.1.0").test("0.1.1\n")).toBe(false);
  });

  for (const section of sections) {
    const needsPackage = section.blocks.some((block) => /\bpackage\b/u.test(block.info));
    const available = !needsPackage || hasPackageScript();
    const title = `runs the blocks of "${section.title}"`;
    if (!available && !requireAll) {
      it.skip(`${title} (skipped: no 'npm run package' script in package.json to build release/)`);
      continue;
    }
    it(title, { timeout: 600_000 }, async () => {
      if (!available)
        throw new Error(
          "CAISSE_REQUIRE_ALL=1: the Install blocks need 'npm run package', which package.json lacks",
        );
      expect(await runSection(section, needsPackage)).toEqual([]);
    });
  }

  it("finds the launchers it puts on PATH", () => {
    expect(existsSync(BIN.export) && existsSync(BIN.central)).toBe(true);
  });
});

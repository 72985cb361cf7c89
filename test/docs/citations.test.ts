import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

/**
 * A newcomer must be able to follow every reference: code and docs may only cite pages that the
 * repository holds. This test fails on a citation of a document kept outside the repository, and
 * on a `docs/*.md` page or `#anchor` that does not exist (see docs/architecture.md#the-docs-tests).
 */

const THIS_FILE = "test/docs/citations.test.ts";
const TEXT_FILE = /\.(?:[cm]?[jt]s|md|json|ya?ml|sh|txt)$|^bin\/|^\.ci\//u;

/** Names of documents that live outside the repository; none may be cited. */
const OUTSIDE = [
  { pattern: /\bSPEC\b/gu, what: "the outside contract (SPEC)" },
  { pattern: /\bSTYLE\.md\b/gu, what: "STYLE.md" },
  { pattern: /\bREAL-SERVERS(?:\.md)?\b/gu, what: "REAL-SERVERS.md" },
  { pattern: /\/work\/shared\b|\bshared\/[A-Z-]+\.md\b/gu, what: "a shared folder" },
];

function trackedFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" });
  return listed
    .split("\0")
    .filter((path) => path !== "" && path !== "package-lock.json" && path !== THIS_FILE)
    .filter((path) => TEXT_FILE.test(path) && existsSync(join(REPO, path)));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/gu, "-");
}

const anchorCache = new Map<string, Set<string>>();

/** The anchors of a Markdown page's headings (not of `#` lines inside code blocks). */
function anchorsOf(path: string): Set<string> {
  const cached = anchorCache.get(path);
  if (cached !== undefined) return cached;
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of readFileSync(path, "utf8").split(/\r?\n/u)) {
    const opening = /^\s*(`{3,}|~{3,})/u.exec(line);
    if (opening !== null) {
      const mark = opening[1] ?? "";
      if (fence === undefined) fence = mark;
      else if (mark.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/u.exec(line);
    if (heading === null) continue;
    const base = anchorOf(heading[1] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  anchorCache.set(path, anchors);
  return anchors;
}

interface Reference {
  file: string;
  line: number;
  /** The page, relative to the repository. */
  page: string;
  anchor: string | undefined;
  text: string;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** Every `docs/<page>.md[#anchor]` named in a file, and in Markdown every relative link. */
function referencesIn(file: string, text: string): Reference[] {
  const references: Reference[] = [];
  for (const match of text.matchAll(/(?<![\w/.-])docs\/([\w./-]+?\.md)(?:#([\p{L}\p{N}_-]+))?/gu)) {
    references.push({
      file,
      line: lineOf(text, match.index),
      page: normalize(join("docs", match[1] ?? "")),
      anchor: match[2],
      text: match[0],
    });
  }
  if (file.endsWith(".md")) {
    for (const match of text.matchAll(/\]\(([^)\s#]*)(?:#([^)\s]+))?\)/gu)) {
      const target = match[1] ?? "";
      if (/^[a-z]+:/u.test(target)) continue; // a web address
      if (target !== "" && !target.endsWith(".md")) continue;
      const page = target === "" ? file : normalize(join(dirname(file), target));
      references.push({
        file,
        line: lineOf(text, match.index),
        page: relative(".", page),
        anchor: match[2],
        text: match[0],
      });
    }
  }
  return references;
}

describe("citations", () => {
  const files = trackedFiles();

  it("finds the files to check", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("packages/core/src/errors.ts");
  });

  it("cite no document that is kept outside the repository", () => {
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(REPO, file), "utf8");
      for (const { pattern, what } of OUTSIDE) {
        for (const match of text.matchAll(pattern)) {
          found.push(`${file}:${lineOf(text, match.index)}: cites ${what} ("${match[0]}")`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("cite only docs pages and headings that exist", () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(REPO, file), "utf8");
      for (const reference of referencesIn(file, text)) {
        const where = `${reference.file}:${reference.line}: ${reference.text}`;
        const path = join(REPO, reference.page);
        if (!existsSync(path)) broken.push(`${where}: no page ${reference.page}`);
        else if (reference.anchor !== undefined && !anchorsOf(path).has(reference.anchor))
          broken.push(`${where}: ${reference.page} has no heading #${reference.anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("makes the anchors GitHub makes", () => {
    expect(anchorOf("Importing: `fetch` and `import`")).toBe("importing-fetch-and-import");
    expect(anchorOf("`archives/<TILL>/`")).toBe("archivestill");
    expect(anchorOf("E_ARCHIVE_CRC")).toBe("e_archive_crc");
    expect(anchorOf("Till, Linux")).toBe("till-linux");
  });
});

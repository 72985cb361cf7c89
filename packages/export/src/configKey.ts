import { CaisseError, ioError, parseJsonDocument, writeFileAtomic } from "@caisse/core";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative } from "node:path";

/**
 * How to write the key's path in the config: relative to the config's folder when it is there or
 * below (as the config reads relative paths), else absolute.
 */
export function keyInConfig(keyPath: string, configPath: string): string {
  const relativePath = relative(dirname(configPath), keyPath);
  return relativePath === "" || relativePath.startsWith("..") || isAbsolute(relativePath)
    ? keyPath
    : relativePath;
}

/** The line that gives the config its key, as a person adds it inside the braces. */
export function keyLine(value: string): string {
  return `"key": ${JSON.stringify(value)},`;
}

/**
 * The config's text with `"key": value` added as the last member of its top-level object. The
 * rest of the file is kept byte for byte: the other keys, their order and layout, a BOM, CRLF line
 * ends, the indentation. Returns undefined when the text is not a JSON object without a `key`.
 */
export function withKey(text: string, value: string): string | undefined {
  const document = parseJsonDocument(text);
  if (!document.ok) return undefined;
  const before = document.value;
  if (typeof before !== "object" || before === null || Array.isArray(before)) return undefined;
  if (Object.hasOwn(before, "key")) return undefined;
  const close = text.trimEnd().length - 1;
  if (text[close] !== "}") return undefined;
  const lastMember = text.slice(0, close).trimEnd();
  const empty = lastMember.endsWith("{");
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const indent = /\n([ \t]+)"/u.exec(text)?.[1] ?? "  ";
  const member = `${indent}"key": ${JSON.stringify(value)}`;
  const next = `${lastMember}${empty ? "" : ","}${eol}${member}${eol}${text.slice(close)}`;
  const after = parseJsonDocument(next);
  // The insertion must give the same object plus the key, or nothing is written.
  if (!after.ok || JSON.stringify(after.value) !== JSON.stringify({ ...before, key: value }))
    return undefined;
  return next;
}

/**
 * Writes `"key": value` into the config file at `configPath`, keeping everything else as it was
 * (see docs/export.md#keygen---out-file---force---write-config). E_CONFIG when the file cannot
 * take it (not a JSON object, or a `key` already there).
 */
export async function writeKeyIntoConfig(configPath: string, value: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (error) {
    throw ioError("read", configPath, error);
  }
  const next = withKey(text, value);
  if (next === undefined) {
    throw new CaisseError(
      "E_CONFIG",
      `${configPath} could not take the key: it is not a JSON object without a "key"`,
      {
        details: { path: configPath, key: "key" },
        hint: `add this line inside its braces by hand: ${keyLine(value)}`,
      },
    );
  }
  await writeFileAtomic(configPath, next);
}

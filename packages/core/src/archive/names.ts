/**
 * The rules an entry name must follow to be extracted (see docs/security.md#unsafe-names). The same
 * rules stop the till from building an archive the central would refuse, so they live here once.
 */

/** Entries at the root of every archive that no till file may use. */
export const MANIFEST_NAME = "caisse-manifest.json";
export const SIGNATURE_NAME = "caisse-manifest.sig";

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/iu;
// Characters Windows refuses in a name; ':' would also open an NTFS alternate data stream.
const NOT_PORTABLE = /[<>:"|?*]/u;
// C0 controls, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;

export const MAX_COMPONENT_BYTES = 255;

/**
 * Why an entry name is unsafe, or undefined when it is fine. `name` is the name as stored in the
 * zip, with `/` separators; a folder entry ends with `/`.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return "the name is empty";
  if (name.includes("\\")) return "the name contains a backslash";
  if (name.startsWith("/")) return "the name is an absolute path";
  if (/^[A-Za-z]:/u.test(name)) return "the name starts with a drive letter";
  const control = CONTROL.exec(name);
  if (control !== null) {
    const codePoint = control[0].codePointAt(0) ?? 0;
    return `the name contains the control character U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  const body = name.endsWith("/") ? name.slice(0, -1) : name;
  for (const component of body.split("/")) {
    if (component === "") return "the name has an empty path component (//)";
    if (component === "..") return "the name has a '..' component";
    if (component === ".") return "the name has a '.' component";
    if (NOT_PORTABLE.test(component)) {
      return `the component '${component}' contains a character Windows refuses (< > : " | ? *)`;
    }
    if (WINDOWS_RESERVED.test(component)) {
      return `the component '${component}' is a reserved name on Windows`;
    }
    if (/[. ]$/u.test(component)) return `the component '${component}' ends with a dot or a space`;
    if (Buffer.byteLength(component, "utf8") > MAX_COMPONENT_BYTES) {
      return `a component is longer than ${MAX_COMPONENT_BYTES} bytes`;
    }
  }
  return undefined;
}

/** How long and deep an entry path may be (see `ArchiveLimits`). */
export interface PathLimits {
  maxPathLength: number;
  maxPathDepth: number;
}

/**
 * Whether `name` passes the path limits: its length in characters (Unicode code points, a
 * folder's final `/` included) and its depth (components; a folder's final `/` does not count).
 */
export function pathLimitProblem(name: string, limits: PathLimits): "length" | "depth" | undefined {
  let characters = 0;
  let depth = 1;
  for (const character of name) {
    characters += 1;
    if (characters > limits.maxPathLength) return "length";
    if (character === "/") depth += 1;
  }
  if (name.endsWith("/")) depth -= 1;
  return depth > limits.maxPathDepth ? "depth" : undefined;
}

/**
 * The key under which two names collide on a case-insensitive or normalising file system:
 * Unicode NFC, then lower case. `Ventes.csv` and `ventes.CSV`, or `é` written as one or two code
 * points, have the same key.
 */
export function collisionKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** True for the manifest and its signature, whatever their case. */
export function isReservedName(name: string): boolean {
  const key = collisionKey(name);
  return key === MANIFEST_NAME || key === SIGNATURE_NAME;
}

import { MANIFEST_NAME, SIGNATURE_NAME, isReservedName } from "../names.js";
import { refuse } from "./refuse.js";
import type { EntryRole } from "./types.js";

/**
 * The manifest and signature are reserved at the root only; any other use of those names at the
 * root (another case, a folder) is refused, `sub/caisse-manifest.json` is an ordinary file.
 */
export function roleOf(name: string): EntryRole {
  if (name === MANIFEST_NAME) return "manifest";
  if (name === SIGNATURE_NAME) return "signature";
  const [first = name] = name.split("/");
  if (isReservedName(first)) {
    throw refuse(
      "E_ARCHIVE_RESERVED_NAME",
      "reserved-name",
      name,
      `'${first}' at the root is reserved: only the files '${MANIFEST_NAME}' and '${SIGNATURE_NAME}', spelled exactly so, may use it`,
    );
  }
  return "data";
}

import { basename } from "node:path";

/** Why `name` cannot be a file name on a transport (it could leave the folder), or undefined. */
export function plainNameProblem(name: string): string | undefined {
  if (
    basename(name) !== name ||
    name.startsWith(".") ||
    name.includes("\\") ||
    name.includes("/") ||
    name === ""
  )
    return `'${name}' is not a plain file name`;
  return undefined;
}

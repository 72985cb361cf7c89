import iconv from "iconv-lite";

/** True when `label` names an encoding the CSV reader can decode (`windows-1252`, `utf-8`, `latin1`...). */
export function isKnownEncoding(label: string): boolean {
  return iconv.encodingExists(label);
}

/** Strict UTF-8, for names and the signature; and a lossy decoding for messages. */

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 if the bytes are valid UTF-8, undefined otherwise (overlong forms and surrogates too). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** For messages only: never fails, never trusted. */
export function lossyName(raw: Uint8Array): string {
  return new TextDecoder().decode(raw);
}

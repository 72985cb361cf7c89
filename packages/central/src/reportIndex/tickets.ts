/**
 * The stored form of a ticket list (table `tlist`): each ticket with how many keys of its
 * dimension it has that day. Ticket numbers are nearly always decimal numbers counted up through
 * the day, plain (`123`) or written with zeros to a fixed width (`000123`): those lists are stored
 * as a BLOB: the width as a varint (0 for plain numbers), then the sorted numbers, each as the
 * difference from the one before (a varint, times two, plus one when a key count follows as a
 * second varint), about one byte a ticket. A list with any other ticket (letters, numbers of
 * different widths with leading zeros, more than 15 digits) is stored as JSON text
 * `["A12", ["A13", 2], ...]`. The column's type tells which form a row has.
 */

/** A decimal number without leading zeros that a double holds exactly. */
const PLAIN_NUMBER = /^(?:0|[1-9][0-9]{0,14})$/;
/** Digits only, as many as a double holds exactly. */
const DIGITS = /^[0-9]{1,15}$/;

/**
 * The width the list's numbers are written to: 0 when every ticket is a plain number, their
 * common length when every ticket is digits of one length, undefined otherwise.
 */
function widthOf(tickets: ReadonlySet<string>): number | undefined {
  let plain = true;
  /** The tickets' common length; -1 once two differ. */
  let width: number | undefined;
  for (const ticket of tickets) {
    if (!DIGITS.test(ticket)) return undefined;
    if (plain && !PLAIN_NUMBER.test(ticket)) plain = false;
    width = width === undefined || width === ticket.length ? ticket.length : -1;
    if (!plain && width === -1) return undefined;
  }
  return plain ? 0 : width;
}

function pushVarint(bytes: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) + 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
}

/**
 * Encodes a ticket list, with `keysOf` giving each ticket's key count: a BLOB when every ticket is
 * a plain number or every one is digits of one width, else JSON text.
 */
export function encodeTickets(
  tickets: ReadonlySet<string>,
  keysOf: (ticket: string) => number,
): Uint8Array | string {
  const width = widthOf(tickets);
  if (width === undefined) {
    return JSON.stringify(
      [...tickets].map((each) => {
        const keys = keysOf(each);
        return keys === 1 ? each : [each, keys];
      }),
    );
  }
  const numbers = new Float64Array(tickets.size);
  let count = 0;
  for (const ticket of tickets) numbers[count++] = Number(ticket);
  numbers.sort();
  const bytes: number[] = [];
  pushVarint(bytes, width);
  let previous = 0;
  for (const number of numbers) {
    const keys = keysOf(String(number).padStart(width, "0"));
    pushVarint(bytes, (number - previous) * 2 + (keys === 1 ? 0 : 1));
    if (keys !== 1) pushVarint(bytes, keys);
    previous = number;
  }
  return Uint8Array.from(bytes);
}

/** Decodes a stored ticket list, calling `each` for every ticket. */
export function forEachTicket(stored: unknown, each: (ticket: string, keys: number) => void): void {
  if (typeof stored === "string") {
    for (const entry of JSON.parse(stored) as (string | [string, number])[]) {
      if (typeof entry === "string") each(entry, 1);
      else each(entry[0], entry[1]);
    }
    return;
  }
  if (!ArrayBuffer.isView(stored)) {
    throw new Error("a ticket list of the report index is neither text nor a BLOB");
  }
  const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new Error("a ticket list of the report index is cut short");
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  };
  const width = varint();
  let number = 0;
  while (at < bytes.length) {
    const head = varint();
    number += Math.floor(head / 2);
    each(String(number).padStart(width, "0"), head % 2 === 1 ? varint() : 1);
  }
}

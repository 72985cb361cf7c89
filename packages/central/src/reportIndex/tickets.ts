/**
 * The stored form of a ticket list (table `tlist`): each ticket with how many keys of its
 * dimension it has that day. Ticket numbers are nearly always plain decimal numbers, counted up
 * through the day: those lists are stored as a BLOB of the sorted numbers, each as the
 * difference from the one before (a varint, times two, plus one when a key count follows as a
 * second varint), about one byte a ticket. A list with any other ticket (letters, leading zeros,
 * more than 15 digits) is stored as JSON text `["A12", ["A13", 2], ...]`. The column's type tells
 * which form a row has.
 */

/** A decimal number without leading zeros that a double holds exactly. */
const PLAIN_NUMBER = /^(?:0|[1-9][0-9]{0,14})$/;

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
 * a plain number, else JSON text.
 */
export function encodeTickets(
  tickets: ReadonlySet<string>,
  keysOf: (ticket: string) => number,
): Uint8Array | string {
  const numbers = new Float64Array(tickets.size);
  let count = 0;
  for (const ticket of tickets) {
    if (!PLAIN_NUMBER.test(ticket)) {
      return JSON.stringify(
        [...tickets].map((each) => {
          const keys = keysOf(each);
          return keys === 1 ? each : [each, keys];
        }),
      );
    }
    numbers[count++] = Number(ticket);
  }
  numbers.sort();
  const bytes: number[] = [];
  let previous = 0;
  for (const number of numbers) {
    const keys = keysOf(String(number));
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
  let number = 0;
  while (at < bytes.length) {
    const head = varint();
    number += Math.floor(head / 2);
    each(String(number), head % 2 === 1 ? varint() : 1);
  }
}

import { describe, expect, it } from "vitest";
import { encodeTickets, forEachTicket } from "../../packages/central/src/reportIndex/tickets.js";

type TicketEntry = [ticket: string, keys: number];

function encode(entries: readonly TicketEntry[]): Uint8Array | string {
  const keys = new Map(entries);
  return encodeTickets(new Set(keys.keys()), (ticket) => keys.get(ticket) ?? 0);
}

/** The stored form of a ticket list of the report index, read back. */
function decoded(stored: unknown): [string, number][] {
  const entries: [string, number][] = [];
  forEachTicket(stored, (ticket, keys) => entries.push([ticket, keys]));
  return entries;
}

describe("report index ticket lists", () => {
  it("stores plain numbers as width 0 and sorted deltas, a byte a ticket, with key counts above 1", () => {
    const entries: TicketEntry[] = [
      ["3", 1],
      ["1", 2],
      ["2", 1],
      ["0", 1],
      ["200", 300],
    ];
    const stored = encode(entries);
    // Width 0; 0 -> 0; 1 (+1, 2 keys) -> 3, 2; 2 (+1) -> 2; 3 (+1) -> 2; 200 (+197, 300 keys) -> 395, 300.
    expect([...(stored as Uint8Array)]).toEqual([0, 0, 3, 2, 2, 2, 0x8b, 0x03, 0xac, 0x02]);
    expect(decoded(stored)).toEqual([
      ["0", 1],
      ["1", 2],
      ["2", 1],
      ["3", 1],
      ["200", 300],
    ]);
  });

  it("keeps the largest numbers a double holds exactly", () => {
    const entries: TicketEntry[] = [
      ["999999999999999", 1],
      ["1", 70000],
    ];
    expect(decoded(encode(entries))).toEqual([
      ["1", 70000],
      ["999999999999999", 1],
    ]);
  });

  it("stores numbers written with zeros to one width as that width and deltas", () => {
    const entries: TicketEntry[] = [
      ["000123", 1],
      ["000007", 2],
      ["100000", 1],
      ["000000", 1],
    ];
    const stored = encode(entries);
    expect(stored).toBeInstanceOf(Uint8Array);
    // Width 6; 0 -> 0; 7 (+7, 2 keys) -> 15, 2; 123 (+116) -> 232 as 0xe8 0x01; 100000 ...
    expect([...(stored as Uint8Array)].slice(0, 6)).toEqual([6, 0, 15, 2, 0xe8, 0x01]);
    expect(decoded(stored)).toEqual([
      ["000000", 1],
      ["000007", 2],
      ["000123", 1],
      ["100000", 1],
    ]);
    expect(decoded(encode([["000000000000001", 1]]))).toEqual([["000000000000001", 1]]);
  });

  it("an empty list is a BLOB of width 0", () => {
    expect([...(encode([]) as Uint8Array)]).toEqual([0]);
    expect(decoded(encode([]))).toEqual([]);
  });

  it.each([
    ["007", "12"],
    ["0123", "12"],
    ["0012", "123"],
    ["0000000000000001", "0000000000000002"],
    ["07", "A7"],
  ])("stores %j with %j as JSON text: the same strings come back", (first, second) => {
    const stored = encode([
      [first, 1],
      [second, 2],
    ]);
    expect(typeof stored).toBe("string");
    expect(decoded(stored)).toEqual([
      [first, 1],
      [second, 2],
    ]);
  });

  it.each([["007"], ["A12"], ["1000000000000000"], ["-3"], ["1.5"], [" 4"], ["12\n13"]])(
    "stores the list as JSON text when a ticket is %j",
    (odd) => {
      const entries: TicketEntry[] = [
        ["12", 1],
        [odd, 3],
      ];
      const stored = encode(entries);
      expect(typeof stored).toBe("string");
      expect(decoded(stored)).toEqual([
        ["12", 1],
        [odd, 3],
      ]);
    },
  );

  it("refuses a list cut short or of another type", () => {
    expect(() => decoded(Uint8Array.from([0x80]))).toThrow(/cut short/);
    expect(() => decoded(12)).toThrow(/neither text nor a BLOB/);
  });
});

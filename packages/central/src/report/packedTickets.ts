/**
 * The tickets of one day that the files of a till read so far gave, each with the file it is
 * counted from (its index in the till's files), packed once those files are read: the ticket
 * numbers sorted and joined in one string, their ends and their files in two typed arrays. About
 * 9 bytes a ticket beside its characters, against some 60 in a Map of strings: a till's history
 * of tickets is what a report without the index keeps while it reads the till (see
 * docs/performance.md#where-the-targets-are-missed-and-what-would-meet-them).
 */
export class PackedTickets {
  private constructor(
    /** The tickets, sorted (code unit order), one after the other. */
    private readonly text: string,
    /** Where each ticket ends in `text`. */
    private readonly ends: Uint32Array,
    /** The file each ticket is counted from. */
    private readonly files: Int32Array,
  ) {}

  static readonly EMPTY = new PackedTickets("", new Uint32Array(0), new Int32Array(0));

  /** The tickets of `this` and of `more` (none of which `this` holds), packed. */
  with(more: ReadonlyMap<string, number>): PackedTickets {
    const added = [...more].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const count = this.size + added.length;
    const parts: string[] = [];
    const ends = new Uint32Array(count);
    const files = new Int32Array(count);
    let mine = 0;
    let theirs = 0;
    let end = 0;
    for (let at = 0; at < count; at++) {
      const next = added[theirs];
      const own = mine < this.size ? this.ticketAt(mine) : undefined;
      let ticket: string;
      if (next === undefined || (own !== undefined && own < next[0])) {
        ticket = own ?? "";
        files[at] = this.files[mine] ?? -1;
        mine++;
      } else {
        ticket = next[0];
        files[at] = next[1];
        theirs++;
      }
      parts.push(ticket);
      end += ticket.length;
      ends[at] = end;
    }
    return new PackedTickets(parts.join(""), ends, files);
  }

  get size(): number {
    return this.ends.length;
  }

  private ticketAt(index: number): string {
    return this.text.slice(index === 0 ? 0 : (this.ends[index - 1] ?? 0), this.ends[index]);
  }

  /** The file `ticket` is counted from, or undefined when no file gave it. */
  fileOf(ticket: string): number | undefined {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = this.ticketAt(middle);
      if (found === ticket) return this.files[middle];
      if (found < ticket) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** Every ticket with its file, in ticket order. */
  *entries(): IterableIterator<[string, number]> {
    for (let index = 0; index < this.size; index++) {
      yield [this.ticketAt(index), this.files[index] ?? -1];
    }
  }
}

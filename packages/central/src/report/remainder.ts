import {
  inRange,
  paymentKey,
  saleKey,
  sameFolder,
  ticketKey,
  type DateRange,
  type Dimension,
  type FolderSnapshot,
  type RowOf,
} from "@caisse/core";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { currentFolder } from "../swap.js";
import { newTillFiles, readOwnedRows } from "./owned.js";
import { filesOf, type DataKind, type Place } from "./place.js";

/** The row of a line or payment of till `till` in a report `--by by` (its date not shifted). */
function rowKeyOf(by: Dimension, till: string, row: RowOf[DataKind]): string {
  if ("mode" in row) return paymentKey(row);
  if (by === "payment") throw new Error("--by payment is computed from payments, not sales");
  return saleKey(by, till, row);
}

/** What the remainder's pass over the tills needs. */
export interface RemainderRequest {
  paths: CentralPaths;
  tills: readonly TillRecord[];
  kind: DataKind;
  by: Dimension;
  range: DateRange;
  /** The rows `--top` keeps. */
  kept: ReadonlySet<string>;
  /** Per till ref, the folder the rows were summed from (undefined: the till had none). */
  folders: ReadonlyMap<string, FolderSnapshot | undefined>;
}

/**
 * For `--top N` without the index, per till: the distinct tickets of the reported range with a
 * line outside the kept rows, the remainder's tickets, which are not the sum of its rows' (a
 * ticket may have lines in two of them). The rows' ticket sets are not kept while they are summed
 * (see tillSums.ts), so the tills' files are read a second time, for this alone, a file's tickets
 * at a time; each from the folder its rows came from. When a till's directory was replaced
 * since (an import), that till instead: the caller sums everything again.
 */
export async function remainderTickets(
  request: RemainderRequest,
): Promise<Map<string, number> | TillRecord> {
  const union = new Map<string, number>();
  for (const till of request.tills) {
    const target = tillDirectory(request.paths, till);
    const folder = request.folders.get(till.ref);
    if (!sameFolder(folder, await currentFolder(target))) return till;
    if (folder === undefined) continue;
    const place: Place = {
      owner: till.ref,
      dir: folder.path,
      encoding: till.encoding,
      columns: till.columns,
    };
    let count = 0;
    try {
      const files = await filesOf(place, [request.kind], []);
      const seen = newTillFiles();
      for (const file of files.get(request.kind) ?? []) {
        const outside = new Set<string>();
        const issues = await readOwnedRows(place, file, request.kind, seen, [], {
          inScope: (date) => inRange(date, request.range),
          take: (row) => {
            if (!request.kept.has(rowKeyOf(request.by, till.ref, row))) {
              outside.add(ticketKey(row.at, row.ticket));
            }
          },
          duplicate: () => undefined,
        });
        if (issues !== undefined) count += outside.size;
      }
    } catch (error) {
      if (sameFolder(folder, await currentFolder(target))) throw error;
      return till;
    }
    if (!sameFolder(folder, await currentFolder(target))) return till;
    if (count > 0) union.set(till.ref, count);
  }
  return union;
}

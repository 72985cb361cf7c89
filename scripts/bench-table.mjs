// Cost of drawing a report table of N rows (`report --by article` on a real catalogue) with the
// terminal table renderer, against cli-table3 (the library it replaced, kept as the reference its
// bytes are compared with in packages/cli/src/table.reference.test.ts). Not a test: the ratios
// are what to compare (see docs/decisions.md, "Terminal tables without a library").
// Build first: npx tsc -b
//
//   node scripts/bench-table.mjs
import Table from "cli-table3";
import { terminalTable } from "../packages/cli/dist/table.js";

const head = ["Article", "Libellé", "TTC", "HT", "TVA", "Tickets", "Panier moyen", "Part"];

function rows(count) {
  return Array.from({ length: count }, (_, index) => [
    `A${index}`,
    `Article numéro ${index}`,
    `${index} 234,56\u00A0€`,
    `${index} 028,80\u00A0€`,
    "205,76\u00A0€",
    String(index % 997),
    "12,34\u00A0€",
    "0,12\u00A0%",
  ]);
}

function time(draw) {
  const start = process.hrtime.bigint();
  draw();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

console.log("rows     ours (ms)   cli-table3 (ms)   ratio");
for (const count of [500, 1000, 2000, 4000]) {
  const body = rows(count);
  const numeric = head.map((_, index) => index >= 2);
  const ours = time(() => terminalTable(head, body, { color: false, numeric }));
  const reference = time(() => {
    const table = new Table({
      head,
      colAligns: numeric.map((right) => (right ? "right" : "left")),
      style: { head: [], border: [], compact: true },
    });
    table.push(...body);
    table.toString();
  });
  console.log(
    `${String(count).padEnd(8)} ${ours.toFixed(1).padStart(9)}   ${reference.toFixed(1).padStart(15)}   ${(ours / reference).toFixed(3)}x`,
  );
}

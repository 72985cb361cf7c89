import { toJson, type Report } from "@caisse/core";
import type { RenderOptions } from "./grid.js";

/**
 * The report in the JSON shape of docs/reports.md#json, amounts in euros with at most 2 decimals.
 * The same whatever the locale (labels aside), and never coloured: it is for machines.
 */
export function renderJson(report: Report, _options?: RenderOptions): string {
  return `${JSON.stringify(toJson(report), null, 2)}\n`;
}

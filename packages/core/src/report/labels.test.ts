import { describe, expect, it } from "vitest";
import type { Locale } from "../money.js";
import type { Dimension } from "./dimension.js";
import { isoWeekMonday, labelOf, type LabelSources } from "./labels.js";

function sources(locale: Locale): LabelSources {
  return {
    tills: [{ ref: "D01", name: "Magasin 1" }],
    labels: { families: new Map([["EPI", "Epicerie"]]), articles: new Map([["A1", "Pain"]]) },
    saleLabels: new Map([["A2", { label: "Lait" }]]),
    locale,
  };
}

describe("labelOf", () => {
  it.each<[Dimension, string, string, string]>([
    ["till", "D01", "Magasin 1", "Magasin 1"],
    ["till", "D09", "", ""],
    ["family", "EPI", "Epicerie", "Epicerie"],
    ["family", "XXX", "", ""],
    ["article", "A1", "Pain", "Pain"],
    ["article", "A2", "Lait", "Lait"],
    ["day", "2026-11-02", "lun. 02/11/2026", "Mon 2026-11-02"],
    ["day", "2026-11-29", "dim. 29/11/2026", "Sun 2026-11-29"],
    ["week", "2026-W53", "du 28/12/2026 au 03/01/2027", "2026-12-28 to 2027-01-03"],
    ["month", "2026-08", "août 2026", "August 2026"],
    ["hour", "09", "09:00–10:00", "09:00–10:00"],
    ["hour", "23", "23:00–24:00", "23:00–24:00"],
    ["payment", "CB", "Carte bancaire", "Bank card"],
    ["payment", "TICKET-KDO", "TICKET-KDO", "TICKET-KDO"],
    ["payment", "constructor", "constructor", "constructor"],
    ["vat", "5.5", "TVA 5,5\u00A0%", "VAT 5.5%"],
    ["vat", "20", "TVA 20\u00A0%", "VAT 20%"],
  ])("--by %s %s", (by, key, fr, en) => {
    expect(labelOf(by, key, sources("fr"))).toBe(fr);
    expect(labelOf(by, key, sources("en"))).toBe(en);
  });
});

describe("isoWeekMonday", () => {
  it.each([
    ["2026-W01", "2025-12-29"],
    ["2026-W48", "2026-11-23"],
    ["2026-W53", "2026-12-28"],
    ["2027-W01", "2027-01-04"],
    ["2020-W01", "2019-12-30"],
    ["2021-W01", "2021-01-04"],
  ])("%s begins on %s", (week, monday) => {
    expect(isoWeekMonday(week)).toBe(monday);
  });
});

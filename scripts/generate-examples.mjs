// Writes the example data under examples/: three stores' till data, each in its own CSV dialect,
// and the configs of the tills and of the central. examples/README.md and the scheduling examples
// (cron, systemd, Windows) are written by hand.
//
//   node scripts/generate-examples.mjs             (re)write examples/
//   node scripts/generate-examples.mjs --totals    the same, then print each till's TTC and HT
//   node scripts/generate-examples.mjs --out DIR   write the tree somewhere else
//
// Deterministic: a seeded PRNG per till and a fixed calendar, so the same bytes every run. Every
// amount is an integer number of cents. The totals printed by --totals are computed twice, from
// the generated model and by reading back the files written, and checked against the Z closures
// and the payments, so they are an oracle for the central's reports that shares no code with it.
import { Buffer } from "node:buffer";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import iconv from "iconv-lite";
import { mulberry32 } from "./seeded-random.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------
// Randomness and calendar

/** A seed from a text (FNV-1a), so that each till has its own stream whatever the order. */
function seedOf(text) {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}

function makeRandom(seed) {
  const next = mulberry32(seed);
  const random = {
    next,
    /** Integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)],
    /** Picks from [item, weight] pairs. */
    weighted: (pairs) => {
      const total = pairs.reduce((sum, [, weight]) => sum + weight, 0);
      let point = next() * total;
      for (const [item, weight] of pairs) {
        point -= weight;
        if (point < 0) return item;
      }
      return pairs[pairs.length - 1][0];
    },
  };
  return random;
}

/** Six weeks of trading, Monday to Saturday, ending on Saturday 21 November 2026. */
const LAST_DAY = "2026-11-21";
const WEEKS = 6;

function openDays() {
  const last = new Date(`${LAST_DAY}T00:00:00Z`);
  const days = [];
  for (let back = WEEKS * 7 - 1; back >= 0; back--) {
    const day = new Date(last.getTime() - back * 86_400_000);
    const weekday = day.getUTCDay(); // 0 Sunday
    if (weekday !== 0) days.push({ iso: day.toISOString().slice(0, 10), weekday });
  }
  return days;
}

const pad = (value, width = 2) => String(value).padStart(width, "0");

// ---------------------------------------------------------------------------------------------
// The head office catalogue: the same codes, families and prices in every store

const FAMILIES = [
  { code: "EPI", label: "Épicerie" },
  { code: "BOI", label: "Boissons" },
  { code: "FRA", label: "Frais" },
  { code: "BOU", label: "Boucherie" },
  { code: "DRO", label: "Droguerie" },
  { code: "TRA", label: "Traiteur" },
];

// [code, label, family, price TTC in cents (per kg when sold by weight), VAT rate in hundredths
//  of a percent, popularity, sold by weight, purchase price HT in cents]
const ARTICLES = [
  ["1001", "Pâtes torsades 500 g", "EPI", 135, 550, 10],
  ["1002", "Riz basmati 1 kg", "EPI", 320, 550, 5],
  ["1003", "Huile d’olive vierge extra 75 cl", "EPI", 990, 550, 4],
  ["1004", "Café moulu pur arabica 250 g", "EPI", 460, 550, 7],
  ["1005", "Chips, sel de mer 150 g", "EPI", 210, 550, 6],
  ["1006", "Chocolat noir 70 % 100 g", "EPI", 245, 550, 6],
  ["1007", "Farine de blé T55 1 kg", "EPI", 115, 550, 3],
  ["1008", "Miel de montagne 500 g", "EPI", 850, 550, 2],
  ["1009", "Coffret gourmand « Terroir » 35 €", "EPI", 3500, 550, 0.4],
  ["2001", "Eau minérale 6 × 1,5 l", "BOI", 330, 550, 8],
  ["2002", "Jus de pomme artisanal 1 l", "BOI", 340, 550, 4],
  ["2003", 'Limonade "à l’ancienne" 75 cl', "BOI", 220, 550, 3],
  ["2004", "Vin de Savoie Apremont 75 cl", "BOI", 790, 2000, 3],
  ["2005", "Côtes-du-Rhône rouge 75 cl", "BOI", 650, 2000, 4],
  ["2006", "Bière blonde 6 × 25 cl", "BOI", 560, 2000, 4],
  ["2007", "Champagne brut 75 cl", "BOI", 2990, 2000, 0.8],
  ["2008", "Génépi des Alpes 70 cl", "BOI", 2450, 2000, 0.6],
  ["3001", "Lait demi-écrémé 1 l", "FRA", 105, 550, 10],
  ["3002", "Beurre doux 250 g", "FRA", 290, 550, 7],
  ["3003", "Yaourts nature, 4 × 125 g", "FRA", 160, 550, 6],
  ["3004", "Œufs plein air × 12", "FRA", 420, 550, 5],
  ["3005", "Comté 18 mois", "FRA", 2490, 550, 5, true],
  ["3006", "Reblochon fermier AOP", "FRA", 890, 550, 3],
  ["3007", "Tomme de Savoie", "FRA", 1680, 550, 3, true],
  ["3008", "Crème fraîche épaisse 20 cl", "FRA", 195, 550, 4],
  ["4001", "Bœuf bourguignon", "BOU", 1590, 550, 4, true],
  ["4002", "Entrecôte", "BOU", 3250, 550, 2, true],
  ["4003", "Poulet fermier Label Rouge", "BOU", 980, 550, 3, true],
  ["4004", "Saucisses de Toulouse", "BOU", 1190, 550, 3, true],
  ["4005", "Jambon blanc, 4 tranches", "BOU", 450, 550, 5],
  ["4006", "Pâté d’Ardenne 180 g", "BOU", 320, 550, 3],
  ["5001", "Liquide vaisselle 750 ml", "DRO", 230, 2000, 3],
  ["5002", "Lessive liquide 2 l", "DRO", 980, 2000, 2],
  ["5003", "Papier toilette × 12", "DRO", 590, 2000, 3],
  ["5004", "Éponges grattantes × 3", "DRO", 170, 2000, 2],
  ["5005", "Savon de Marseille 300 g", "DRO", 260, 2000, 2],
  ["6001", "Quiche lorraine, la part", "TRA", 350, 1000, 5],
  ["6002", "Salade piémontaise", "TRA", 1250, 1000, 3, true],
  ["6003", "Tartiflette", "TRA", 1690, 1000, 3, true],
  ["6004", "Plateau apéritif 12 pièces", "TRA", 1800, 1000, 1],
  ["6005", "Buffet froid, par personne", "TRA", 2450, 1000, 0],
].map(([code, label, family, price, rate, popularity, byWeight = false]) => ({
  code,
  // Sold by weight: the price is per kilogram, as the shelf label says.
  label: byWeight ? `${label} au kg` : label,
  family,
  price,
  rate,
  popularity,
  byWeight,
  // A plausible purchase price: about 62 % of the HT price.
  purchaseHt: Math.round((((price * 10000) / (10000 + rate)) * 62) / 100),
}));

const BY_CODE = new Map(ARTICLES.map((article) => [article.code, article]));

// ---------------------------------------------------------------------------------------------
// The three stores and their till software's dialect

const STORES = [
  {
    ref: "D01",
    name: "Magasin 1",
    city: "Lyon",
    // Tickets on Monday..Saturday (index 1..6).
    ticketsByWeekday: [0, 44, 50, 54, 52, 62, 68],
    hours: { open: [8, 30], close: [19, 30], lunch: null },
    firstTicket: 41_250,
    firstZ: 1204,
    // Local tastes: what sells more (or less) here than elsewhere.
    taste: { 2005: 2, 6003: 0.5, 2008: 0.5 },
    cashiers: [],
    dialect: {
      encoding: "windows-1252",
      bom: false,
      eol: "\r\n",
      delimiter: ";",
      decimal: ",",
      thousands: null,
      dateTime: (d) => `${d.iso} ${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}`,
      date: (iso) => iso,
      ticket: (n) => String(n),
      columns: {
        ventes: [
          "Ticket",
          "Date",
          "Article",
          "Famille",
          "Libellé",
          "Quantité",
          "Montant TTC",
          "Taux TVA",
        ],
        reglements: ["Ticket", "Date", "Mode", "Montant"],
        clotures: ["Date", "Total TTC", "Numéro"],
        articles: ["Article", "Libellé", "Famille", "Prix TTC", "Taux TVA", "Prix achat HT"],
        familles: ["Famille", "Libellé"],
      },
    },
  },
  {
    ref: "D02",
    name: "Magasin 2",
    city: "Annecy",
    ticketsByWeekday: [0, 36, 40, 46, 42, 52, 60],
    hours: { open: [9, 0], close: [19, 0], lunch: null },
    firstTicket: 18_230,
    firstZ: 387,
    taste: { 3006: 2.5, 2004: 2, 2008: 2, 6003: 2, 2005: 0.5 },
    cashiers: [],
    dialect: {
      encoding: "utf-8",
      bom: true,
      eol: "\r\n",
      delimiter: ",",
      decimal: ".",
      thousands: null,
      dateTime: (d) => `${d.iso}T${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}`,
      date: (iso) => iso,
      // Zero-padded: a code, not a number.
      ticket: (n) => pad(n, 8),
      columns: {
        ventes: [
          "ticket",
          "date",
          "article",
          "famille",
          "libelle",
          "quantite",
          "montant_ttc",
          "taux_tva",
        ],
        reglements: ["ticket", "date", "mode", "montant"],
        clotures: ["date", "total_ttc", "numero"],
        articles: ["article", "libelle", "famille", "prix_ttc", "taux_tva", "prix_achat_ht"],
        familles: ["famille", "libelle"],
      },
    },
  },
  {
    ref: "D03",
    name: "Magasin 3",
    city: "Chambéry",
    ticketsByWeekday: [0, 30, 34, 40, 36, 44, 50],
    hours: {
      open: [8, 0],
      close: [19, 0],
      lunch: [
        [12, 30],
        [14, 30],
      ],
    },
    firstTicket: 7_015,
    firstZ: 2051,
    taste: { 3007: 2, 3006: 1.5, 4001: 1.5, 2007: 0.5 },
    cashiers: ["Cathy", "Julien", "Mélanie"],
    dialect: {
      encoding: "utf-8",
      bom: false,
      eol: "\n",
      delimiter: ";",
      decimal: ",",
      // Amounts of 1 000 and over are grouped, as this till's export prints them.
      thousands: " ",
      dateTime: (d) =>
        `${d.iso.slice(8, 10)}/${d.iso.slice(5, 7)}/${d.iso.slice(0, 4)} ${pad(d.hour)}:${pad(d.minute)}`,
      date: (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`,
      ticket: (n) => String(n),
      // Another order, upper case, hyphens, and a column the central does not know (ignored).
      columns: {
        ventes: [
          "DATE",
          "TICKET",
          "CAISSIER",
          "ARTICLE",
          "LIBELLE",
          "FAMILLE",
          "QUANTITE",
          "MONTANT-TTC",
          "TAUX-TVA",
        ],
        reglements: ["DATE", "TICKET", "MODE", "MONTANT"],
        clotures: ["DATE", "NUMERO", "TOTAL-TTC"],
        articles: ["ARTICLE", "LIBELLE", "FAMILLE", "TAUX-TVA", "PRIX-TTC", "PRIX-ACHAT-HT"],
        familles: ["FAMILLE", "LIBELLE"],
      },
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Generating one store's sales

/** price x grams / 1000, rounded to the cent, halves up (amounts here are positive). */
function priceOfWeight(pricePerKg, grams) {
  return Math.floor((pricePerKg * grams + 500) / 1000);
}

/** A percentage off, rounded to the cent. */
function discounted(amount, percent) {
  return amount - Math.floor((amount * percent + 50) / 100);
}

function ticketTimes(random, store, day, count) {
  const { open, close, lunch } = store.hours;
  const toMinutes = ([h, m]) => h * 60 + m;
  // Busier around 11:00-12:30 and 17:00-19:00.
  const slots = [];
  for (let minute = toMinutes(open); minute < toMinutes(close) - 5; minute += 15) {
    if (lunch !== null && minute >= toMinutes(lunch[0]) && minute < toMinutes(lunch[1])) continue;
    const hour = minute / 60;
    const weight =
      (hour >= 11 && hour < 12.5) || (hour >= 17 && hour < 19) ? 2.2 : hour < 9.5 ? 0.7 : 1;
    slots.push([minute, weight]);
  }
  const seconds = [];
  for (let i = 0; i < count; i++)
    seconds.push(random.weighted(slots) * 60 + random.int(0, 15 * 60 - 1));
  seconds.sort((a, b) => a - b);
  return seconds.map((s) => ({
    iso: day.iso,
    hour: Math.floor(s / 3600),
    minute: Math.floor(s / 60) % 60,
    second: s % 60,
  }));
}

function saleLine(random, article) {
  if (article.byWeight) {
    const grams = article.family === "BOU" ? random.int(250, 1800) : random.int(120, 950);
    return { quantityMilli: grams, amount: priceOfWeight(article.price, grams) };
  }
  const cheap = article.price < 400;
  const units = random.weighted(
    cheap
      ? [
          [1, 60],
          [2, 25],
          [3, 8],
          [4, 4],
          [6, 3],
        ]
      : [
          [1, 85],
          [2, 12],
          [3, 3],
        ],
  );
  return { quantityMilli: units * 1000, amount: article.price * units };
}

/** The orders that make a day unusual: catering for a party, a case of champagne. */
function bigOrder(random) {
  return random.pick([
    () => {
      const guests = random.int(30, 60);
      return [
        {
          article: BY_CODE.get("6005"),
          quantityMilli: guests * 1000,
          amount: BY_CODE.get("6005").price * guests,
        },
      ];
    },
    () => {
      const bottles = random.pick([12, 18, 24]);
      const champagne = BY_CODE.get("2007");
      // Case price: 10 % off.
      return [
        {
          article: champagne,
          quantityMilli: bottles * 1000,
          amount: discounted(champagne.price * bottles, 10),
          discount: 10,
        },
      ];
    },
    () => [
      { article: BY_CODE.get("2008"), quantityMilli: 6000, amount: BY_CODE.get("2008").price * 6 },
      {
        article: BY_CODE.get("1009"),
        quantityMilli: 10_000,
        amount: BY_CODE.get("1009").price * 10,
      },
    ],
  ])();
}

function payments(random, total, lines) {
  if (total < 0) return [{ mode: random.chance(0.6) ? "ESP" : "CB", amount: total }];
  const food = lines.some((line) => line.article.family !== "DRO" && line.quantityMilli > 0);
  if (total >= 20_000) {
    if (random.chance(0.4)) {
      const cheque = Math.floor(total / 2 / 100) * 100;
      return [
        { mode: "CHQ", amount: cheque },
        { mode: "CB", amount: total - cheque },
      ];
    }
    return [{ mode: random.chance(0.7) ? "CB" : "CHQ", amount: total }];
  }
  if (food && random.chance(0.1)) {
    const voucher = random.pick([800, 900, 1000, 1150, 1200]);
    if (total <= voucher) return [{ mode: "TR", amount: total }];
    return [
      { mode: "TR", amount: voucher },
      { mode: random.chance(0.7) ? "CB" : "ESP", amount: total - voucher },
    ];
  }
  if (total > 1000 && random.chance(0.04)) {
    // Part in cash, the rest by card.
    const cash = Math.min(total - 100, random.pick([500, 1000, 2000]));
    return [
      { mode: "ESP", amount: cash },
      { mode: "CB", amount: total - cash },
    ];
  }
  const mode = random.weighted(
    total < 1000
      ? [
          ["ESP", 45],
          ["CB", 53],
          ["CHQ", 2],
        ]
      : [
          ["CB", 78],
          ["ESP", 18],
          ["CHQ", 4],
        ],
  );
  return [{ mode, amount: total }];
}

/** One store's six weeks: tickets with their lines and payments, and one Z per day. */
function generateStore(store) {
  const random = makeRandom(seedOf(`caisse-example/${store.ref}`));
  const popular = ARTICLES.filter((article) => article.popularity > 0).map((article) => [
    article,
    article.popularity * (store.taste[article.code] ?? 1),
  ]);
  const days = openDays();
  const tickets = [];
  const closures = [];
  const sold = []; // lines that may come back, for returns
  let ticketNumber = store.firstTicket;
  let zNumber = store.firstZ;
  const bigDays = new Set();
  while (bigDays.size < 5) bigDays.add(random.int(0, days.length - 1));

  days.forEach((day, dayIndex) => {
    const planned = store.ticketsByWeekday[day.weekday] + random.int(-4, 4);
    const count = Math.max(30, Math.min(70, planned));
    const times = ticketTimes(random, store, day, count);
    const bigAt = bigDays.has(dayIndex) ? random.int(0, count - 1) : -1;
    let dayTotal = 0;
    times.forEach((time, index) => {
      const lines = [];
      if (index === bigAt) lines.push(...bigOrder(random));
      const wanted = random.weighted([
        [1, 22],
        [2, 22],
        [3, 20],
        [4, 16],
        [5, 12],
        [6, 8],
      ]);
      while (lines.length < wanted) {
        // About 1 % of lines: an item bought on an earlier day, brought back.
        if (random.chance(0.01)) {
          const returnable = sold.filter(
            (line) => line.dayIndex < dayIndex && line.dayIndex >= dayIndex - 10 && !line.returned,
          );
          if (returnable.length > 0) {
            const original = random.pick(returnable);
            original.returned = true;
            const { article, quantityMilli, amount, discount } = original;
            lines.push({
              article,
              quantityMilli: -quantityMilli,
              amount: -amount,
              discount,
              isReturn: true,
            });
            continue;
          }
        }
        const article = random.weighted(popular);
        if (lines.some((line) => line.article === article)) continue;
        const line = { article, ...saleLine(random, article) };
        // About 3 % of lines: a markdown (short date, damaged box, promotion).
        if (random.chance(0.03)) {
          line.discount = random.pick([10, 20, 30, 50]);
          line.amount = discounted(line.amount, line.discount);
        }
        lines.push(line);
      }
      let total = lines.reduce((sum, line) => sum + line.amount, 0);
      if (total === 0) {
        // A ticket that nets to zero would have no payment; the customer also takes a baguette's worth.
        const extra = {
          article: BY_CODE.get("1001"),
          quantityMilli: 1000,
          amount: BY_CODE.get("1001").price,
        };
        lines.push(extra);
        total += extra.amount;
      }
      const ticket = {
        number: ticketNumber++,
        time,
        cashier: store.cashiers.length > 0 ? random.pick(store.cashiers) : "",
        lines,
        payments: payments(random, total, lines),
        total,
      };
      for (const line of lines) {
        if (!line.isReturn && line.article.code !== "6005")
          sold.push({ ...line, dayIndex, returned: false });
      }
      tickets.push(ticket);
      dayTotal += total;
    });
    closures.push({ date: day.iso, total: dayTotal, number: zNumber++ });
  });
  return { store, tickets, closures };
}

// ---------------------------------------------------------------------------------------------
// Writing in the store's dialect

function formatScaled(value, decimals, dialect, group) {
  const sign = value < 0 ? "-" : "";
  const digits = String(Math.abs(value)).padStart(decimals + 1, "0");
  let integer = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  if (group !== null && integer.length > 3) integer = integer.replace(/\B(?=(\d{3})+$)/gu, group);
  return `${sign}${integer}${decimals > 0 ? dialect.decimal + fraction : ""}`;
}

const amountText = (cents, dialect, group = dialect.thousands) =>
  formatScaled(cents, 2, dialect, group);

function quantityText(milli, dialect) {
  if (milli % 1000 === 0) return String(milli / 1000);
  return formatScaled(milli, 3, dialect, null);
}

function rateText(rate, dialect) {
  return rate % 100 === 0 ? String(rate / 100) : formatScaled(rate / 10, 1, dialect, null);
}

/** RFC 4180: quote a field holding the delimiter, a quote or a line break; double the quotes. */
function field(value, dialect) {
  const text = String(value);
  return /["\r\n]/u.test(text) || text.includes(dialect.delimiter)
    ? `"${text.replaceAll('"', '""')}"`
    : text;
}

function csv(dialect, header, rows) {
  const lines = [header, ...rows].map((row) =>
    row.map((value) => field(value, dialect)).join(dialect.delimiter),
  );
  const text = lines.join(dialect.eol) + dialect.eol;
  const bytes = iconv.encode(text, dialect.encoding);
  return dialect.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : bytes;
}

/** Rows in the order of the dialect's header, from values keyed by our column names. */
function rowsOf(ourNames, records) {
  return records.map((record) => ourNames.map((name) => record[name]));
}

const OUR_NAMES = {
  D01: {
    ventes: [
      "ticket",
      "date",
      "article",
      "famille",
      "libelle",
      "quantite",
      "montant_ttc",
      "taux_tva",
    ],
    reglements: ["ticket", "date", "mode", "montant"],
    clotures: ["date", "total_ttc", "numero"],
    articles: ["article", "libelle", "famille", "prix_ttc", "taux_tva", "prix_achat_ht"],
    familles: ["famille", "libelle"],
  },
  D03: {
    ventes: [
      "date",
      "ticket",
      "caissier",
      "article",
      "libelle",
      "famille",
      "quantite",
      "montant_ttc",
      "taux_tva",
    ],
    reglements: ["date", "ticket", "mode", "montant"],
    clotures: ["date", "numero", "total_ttc"],
    articles: ["article", "libelle", "famille", "taux_tva", "prix_ttc", "prix_achat_ht"],
    familles: ["famille", "libelle"],
  },
};
OUR_NAMES.D02 = OUR_NAMES.D01;

function storeFiles(generated) {
  const { store, tickets, closures } = generated;
  const dialect = store.dialect;
  const names = OUR_NAMES[store.ref];
  const sales = [];
  const settlements = [];
  for (const ticket of tickets) {
    const date = dialect.dateTime(ticket.time);
    const number = dialect.ticket(ticket.number);
    for (const line of ticket.lines) {
      const label =
        line.isReturn === true
          ? `Retour ${line.article.label}`
          : line.discount !== undefined
            ? `${line.article.label} -${line.discount} %`
            : line.article.label;
      sales.push({
        ticket: number,
        date,
        caissier: ticket.cashier,
        article: line.article.code,
        famille: line.article.family,
        libelle: label,
        quantite: quantityText(line.quantityMilli, dialect),
        montant_ttc: amountText(line.amount, dialect),
        taux_tva: rateText(line.article.rate, dialect),
      });
    }
    for (const payment of ticket.payments) {
      settlements.push({
        ticket: number,
        date,
        mode: payment.mode,
        montant: amountText(payment.amount, dialect),
      });
    }
  }
  const zs = closures.map((closure) => ({
    date: dialect.date(closure.date),
    // The Z report module groups thousands with a no-break space, as French Excel does.
    total_ttc: amountText(closure.total, dialect, dialect.thousands === null ? null : "\u00a0"),
    numero: String(closure.number),
  }));
  const catalogue = ARTICLES.map((article) => ({
    article: article.code,
    libelle: article.label,
    famille: article.family,
    prix_ttc: amountText(article.price, dialect),
    taux_tva: rateText(article.rate, dialect),
    prix_achat_ht: amountText(article.purchaseHt, dialect),
  }));
  const families = FAMILIES.map((family) => ({ famille: family.code, libelle: family.label }));
  const file = (kind, records) => csv(dialect, dialect.columns[kind], rowsOf(names[kind], records));
  return {
    "ventes.csv": file("ventes", sales),
    "reglements.csv": file("reglements", settlements),
    "clotures.csv": file("clotures", zs),
    "articles.csv": file("articles", catalogue),
    "familles.csv": file("familles", families),
  };
}

// ---------------------------------------------------------------------------------------------
// Configs and scheduling examples

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

function centralConfig() {
  return json({
    tills: STORES.map((store) => ({
      ref: store.ref,
      name: store.name,
      path: store.ref,
      enabled: true,
      ...(store.dialect.encoding === "windows-1252" ? { encoding: "windows-1252" } : {}),
    })),
    sources: [{ name: "inbox", type: "dir", path: "inbox" }],
    limits: {
      maxEntries: 10_000,
      maxEntryBytes: 1_073_741_824,
      maxTotalBytes: 2_147_483_648,
      maxRatio: 200,
    },
    staleAfterHours: 36,
  });
}

function tillConfig(store) {
  return json({
    till: store.ref,
    name: store.name,
    data: "donnees",
    transport: { type: "dir", path: "../../central/inbox" },
  });
}

/** The head office's reference catalogue, for `caisse-central check` and `catalog export`. */
function referenceCatalogue() {
  const dialect = {
    encoding: "utf-8",
    bom: false,
    eol: "\n",
    delimiter: ";",
    decimal: ",",
    thousands: null,
  };
  const articleColumns = ["article", "libelle", "famille", "prix_ttc", "taux_tva", "prix_achat_ht"];
  return {
    "articles.csv": csv(
      dialect,
      articleColumns,
      ARTICLES.map((article) => [
        article.code,
        article.label,
        article.family,
        amountText(article.price, dialect),
        rateText(article.rate, dialect),
        amountText(article.purchaseHt, dialect),
      ]),
    ),
    "familles.csv": csv(
      dialect,
      ["famille", "libelle"],
      FAMILIES.map((family) => [family.code, family.label]),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// An independent reading of what was written, for --totals

/** Splits one CSV text into records (RFC 4180), without a library. */
function parseCsvText(text, delimiter) {
  const records = [];
  let record = [];
  let value = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        value += '"';
        i++;
      } else if (char === '"') quoted = false;
      else value += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      record.push(value);
      value = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++;
      record.push(value);
      records.push(record);
      record = [];
      value = "";
    } else value += char;
  }
  if (value !== "" || record.length > 0) records.push([...record, value]);
  return records;
}

function centsOfText(text) {
  const plain = text.replace(/[ \u00a0]/gu, "").replace(",", ".");
  const match = /^(-?)(\d+)\.(\d{2})$/u.exec(plain);
  if (match === null) throw new Error(`not an amount: '${text}'`);
  const value = Number(match[2]) * 100 + Number(match[3]);
  return match[1] === "-" ? -value : value;
}

async function sumColumn(path, store, kind, ourName) {
  const bytes = await readFile(path);
  const body = store.dialect.bom ? bytes.subarray(3) : bytes;
  const [header, ...rows] = parseCsvText(
    iconv.decode(body, store.dialect.encoding),
    store.dialect.delimiter,
  );
  const index = OUR_NAMES[store.ref][kind].indexOf(ourName);
  if (header[index] !== store.dialect.columns[kind][index])
    throw new Error(`${path}: unexpected header`);
  return rows.reduce((sum, row) => sum + centsOfText(row[index]), 0);
}

// ---------------------------------------------------------------------------------------------

/**
 * HT as docs/reports.md#the-figures defines it: per VAT rate, TTC x 100 / (100 + rate) rounded to
 * the cent, halves away from zero (exact, with BigInt); then summed over the rates.
 */
function htOfRates(byRate) {
  let total = 0n;
  for (const [rate, ttc] of byRate) {
    const numerator = BigInt(ttc) * 10000n;
    const denominator = 10000n + BigInt(rate);
    const magnitude = numerator < 0n ? -numerator : numerator;
    const rounded = (magnitude * 2n + denominator) / (denominator * 2n);
    total += numerator < 0n ? -rounded : rounded;
  }
  return Number(total);
}

function euros(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`;
}

async function write(path, content) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

async function main(argv) {
  const outIndex = argv.indexOf("--out");
  const out =
    outIndex >= 0 && argv[outIndex + 1] !== undefined
      ? resolve(argv[outIndex + 1])
      : join(HERE, "..", "examples");
  const showTotals = argv.includes("--totals");

  const generated = STORES.map(generateStore);
  for (const store of generated) {
    const data = join(out, "tills", store.store.ref, "donnees");
    for (const [name, bytes] of Object.entries(storeFiles(store)))
      await write(join(data, name), bytes);
    await write(join(out, "tills", store.store.ref, "caisse-export.json"), tillConfig(store.store));
  }
  await write(join(out, "central", "caisse-central.json"), centralConfig());
  await write(join(out, "central", "inbox", ".gitkeep"), "");
  for (const [name, bytes] of Object.entries(referenceCatalogue()))
    await write(join(out, "central", "catalog", name), bytes);

  const totals = [];
  for (const { store, tickets, closures } of generated) {
    const data = join(out, "tills", store.ref, "donnees");
    const lines = tickets.flatMap((ticket) => ticket.lines);
    const model = lines.reduce((sum, line) => sum + line.amount, 0);
    const fromFile = await sumColumn(join(data, "ventes.csv"), store, "ventes", "montant_ttc");
    const fromPayments = await sumColumn(
      join(data, "reglements.csv"),
      store,
      "reglements",
      "montant",
    );
    const fromClosures = await sumColumn(
      join(data, "clotures.csv"),
      store,
      "clotures",
      "total_ttc",
    );
    if (new Set([model, fromFile, fromPayments, fromClosures]).size !== 1) {
      throw new Error(
        `${store.ref}: totals disagree: model ${model}, ventes ${fromFile}, reglements ${fromPayments}, clotures ${fromClosures}`,
      );
    }
    for (const closure of closures) {
      const day = tickets
        .filter((ticket) => ticket.time.iso === closure.date)
        .reduce((sum, ticket) => sum + ticket.total, 0);
      if (day !== closure.total)
        throw new Error(`${store.ref} ${closure.date}: Z ${closure.total} is not the day's ${day}`);
    }
    for (const ticket of tickets) {
      const paid = ticket.payments.reduce((sum, payment) => sum + payment.amount, 0);
      const sold = ticket.lines.reduce((sum, line) => sum + line.amount, 0);
      if (paid !== ticket.total || sold !== ticket.total)
        throw new Error(`${store.ref} ticket ${ticket.number}: paid ${paid}, sold ${sold}`);
    }
    const byRate = new Map();
    for (const line of lines)
      byRate.set(line.article.rate, (byRate.get(line.article.rate) ?? 0) + line.amount);
    totals.push({ store, tickets: tickets.length, lines: lines.length, ttc: model, byRate });
  }

  if (showTotals) {
    const allByRate = new Map();
    for (const t of totals)
      for (const [rate, ttc] of t.byRate) allByRate.set(rate, (allByRate.get(rate) ?? 0) + ttc);
    const all = {
      tickets: totals.reduce((sum, t) => sum + t.tickets, 0),
      lines: totals.reduce((sum, t) => sum + t.lines, 0),
      ttc: totals.reduce((sum, t) => sum + t.ttc, 0),
      byRate: allByRate,
    };
    const header = ["till", "tickets", "lines", "ttc_cents", "ht_cents", "ttc_eur", "ht_eur"];
    const rows = [...totals.map((t) => ({ ...t, ref: t.store.ref })), { ...all, ref: "all" }].map(
      (t) => {
        const ht = htOfRates(t.byRate);
        return [t.ref, t.tickets, t.lines, t.ttc, ht, euros(t.ttc), euros(ht)];
      },
    );
    for (const row of [header, ...rows]) {
      console.log(
        row
          .map((cell, i) => (i === 0 ? String(cell).padEnd(5) : String(cell).padStart(10)))
          .join(" "),
      );
    }
  } else {
    console.error(`examples written to ${out}`);
  }
}

await main(process.argv.slice(2));

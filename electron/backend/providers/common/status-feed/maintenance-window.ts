/**
 * Maintenance windows written in prose, for feeds that carry no structured start and end (RSS and
 * Atom items such as "Scheduled maintenance ... from December 5 7:14AM UTC to 11:14AM UTC").
 *
 * A time is read only with a zone (its own or the other end's); times without one are not guessed.
 * Without a full range, a lone zoned date and time is the start, and failing that a date after the
 * post is the start of that day (UTC): the item is then at least not active before its day.
 */

/** An announced maintenance window, ISO UTC; `end` is null when the text gives only a start. */
export interface MaintenanceWindow {
  start: string;
  end: string | null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Fixed offsets in minutes east of UTC; the summer-time-aware names go through IANA zones below. */
const FIXED_ZONES: Readonly<Record<string, number>> = {
  utc: 0, gmt: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  cet: 60, cest: 120, bst: 60, ist: 330, jst: 540, kst: 540, sgt: 480, aest: 600, aedt: 660,
};
const IANA_ZONES: Readonly<Record<string, string>> = {
  et: 'America/New_York', ct: 'America/Chicago', mt: 'America/Denver', pt: 'America/Los_Angeles',
};
const ZONE = String.raw`(?:UTC|GMT)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|Z|[ECMP][SD]?T|CES?T|BST|IST|JST|KST|SGT|AES?T|AEDT`;
const MONTH = String.raw`(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?`;
const DATE_RE = String.raw`(?<iso>(?<iy>\d{4})-(?<im>\d{2})-(?<id>\d{2}))|(?<mon>${MONTH})\s+(?<md>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?<my>\d{4}))?|(?<dd>\d{1,2})(?:st|nd|rd|th)?\s+(?<dmon>${MONTH})(?:,?\s+(?<dy>\d{4}))?`;
const TIME_RE = String.raw`(?<h>\d{1,2})(?::(?<mi>\d{2}))?\s*(?<ap>[ap]\.?m\.?)?(?![\d:])(?:\s*(?<zone>${ZONE})\b)?`;
/** One token: a date, a time (with optional zone), or a "to" connector. */
const TOKEN = new RegExp(
  String.raw`(?<date>\b(?:${DATE_RE}))(?:T|,?\s+at\s+|,?\s+)?|(?<time>(?<![\d:.])${TIME_RE})|(?<sep>\bto\b|\buntil\b|\bthrough\b|\btill\b|\band\b|[–—]|\s-\s|-(?=\s*\d{1,2}(?::\d{2}|\s*[ap]\.?m)))`,
  'gi',
);

interface DateParts { year: number | null; month: number; day: number }
interface Point { date: DateParts | null; hour: number; minute: number; zone: string | null; index: number; end: number }

function zoneOffsetAt(zone: string, utcMs: number): number | null {
  const key = zone.toLowerCase().replaceAll(/\s/g, '');
  const fixed = FIXED_ZONES[key];
  if (fixed !== undefined) return fixed;
  const off = /^(?:utc|gmt)([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(key);
  if (off) return (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3] ?? '0'));
  const iana = IANA_ZONES[key];
  if (!iana) return null;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: iana, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? '0');
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((local - Math.floor(utcMs / 60_000) * 60_000) / 60_000);
}

/** The UTC instant of a wall-clock time in `zone`; null for a zone it does not know. */
function toUtc(year: number, month: number, day: number, hour: number, minute: number, zone: string): number | null {
  const wall = Date.UTC(year, month, day, hour, minute);
  const first = zoneOffsetAt(zone, wall);
  if (first === null) return null;
  // Summer time: the offset at the guessed instant can differ from the one at the real instant.
  const second = zoneOffsetAt(zone, wall - first * 60_000) ?? first;
  return wall - second * 60_000;
}

function dateOf(g: Record<string, string | undefined>): DateParts | null {
  if (g.iso) return { year: Number(g.iy), month: Number(g.im) - 1, day: Number(g.id) };
  const mon = g.mon ?? g.dmon;
  const day = g.md ?? g.dd;
  const year = g.my ?? g.dy;
  if (!mon || !day) return null;
  const month = MONTHS.indexOf(mon.slice(0, 3).toLowerCase());
  if (month < 0) return null;
  return { year: year ? Number(year) : null, month, day: Number(day) };
}

function timeOf(g: Record<string, string | undefined>, index: number, end: number, date: DateParts | null): Point | null {
  let hour = Number(g.h);
  const minute = Number(g.mi ?? '0');
  const ap = g.ap?.[0]?.toLowerCase();
  // A bare number ("5") is a day or a count, not a time.
  if (g.mi === undefined && ap === undefined) return null;
  if (hour > 23 || minute > 59 || (ap && (hour < 1 || hour > 12))) return null;
  if (ap === 'p' && hour < 12) hour += 12;
  if (ap === 'a' && hour === 12) hour = 0;
  return { date, hour, minute, zone: g.zone ?? null, index, end };
}

/** The year a month and day without a year most likely mean, told from when the item was posted. */
function inferYear(month: number, day: number, postedMs: number): number {
  const posted = new Date(postedMs);
  const year = posted.getUTCFullYear();
  // Announcements run ahead of their window: a date well before the post belongs to next year.
  return Date.UTC(year, month, day) < postedMs - 60 * 86_400_000 ? year + 1 : year;
}

/**
 * Finds the first "<date> <time> <zone> to [<date>] <time> <zone>" window in `text`. Dates may be
 * "December 5", "Tuesday, September 1st, 2026", "5 December" or "2026-12-05"; times "7:14AM",
 * "1:00 PM ET (5:00 PM UTC)" (the UTC alternative wins) or "23:00". A missing year comes from
 * `postedAt`; an end earlier than its start without its own date runs past midnight.
 */
export function parseMaintenanceWindow(text: string, postedAt: string): MaintenanceWindow | null {
  const postedMs = Date.parse(postedAt);
  if (Number.isNaN(postedMs)) return null;
  const flat = text.replaceAll(/\s+/g, ' ');
  let date: DateParts | null = null;
  const dates: DateParts[] = [];
  const points: Point[] = [];
  const seps: number[] = [];
  for (const m of flat.matchAll(TOKEN)) {
    const g = m.groups ?? {};
    const index = m.index;
    if (g.date) {
      date = dateOf(g);
      if (date) dates.push(date);
      continue;
    }
    if (g.sep) {
      seps.push(index);
      continue;
    }
    const p = timeOf(g, index, index + m[0].length, date);
    if (!p) continue;
    const prev = points.at(-1);
    // "1:00 PM ET (5:00 PM UTC)": the parenthesised alternative restates the previous time.
    if (prev && /^\s*\(\s*$/.test(flat.slice(prev.end, index))) {
      if (p.zone && /^(utc|gmt|z)/i.test(p.zone)) points[points.length - 1] = { ...p, date: prev.date };
      continue;
    }
    points.push(p);
  }
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (!seps.some((s) => s > a.index && s < b.index) || !a.date) continue;
    const zoneA = a.zone ?? b.zone;
    const zoneB = b.zone ?? a.zone;
    if (!zoneA || !zoneB) continue;
    const yearA = a.date.year ?? inferYear(a.date.month, a.date.day, postedMs);
    const start = toUtc(yearA, a.date.month, a.date.day, a.hour, a.minute, zoneA);
    const ownDate = b.date !== a.date && b.date !== null;
    const dateB = ownDate && b.date ? b.date : a.date;
    // An end date without a year that falls before the start is in the next year (Dec 31 to Jan 1).
    let yearB = dateB.year ?? yearA;
    if (dateB.year === null && Date.UTC(yearB, dateB.month, dateB.day) < Date.UTC(yearA, a.date.month, a.date.day)) yearB += 1;
    let end = toUtc(yearB, dateB.month, dateB.day, b.hour, b.minute, zoneB);
    if (start === null || end === null) continue;
    if (!ownDate && end <= start) end += 86_400_000;
    if (end <= start) continue;
    return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
  }
  for (const p of points) {
    if (!p.date || !p.zone) continue;
    const at = toUtc(p.date.year ?? inferYear(p.date.month, p.date.day, postedMs), p.date.month, p.date.day, p.hour, p.minute, p.zone);
    if (at !== null) return { start: new Date(at).toISOString(), end: null };
  }
  const postedDay = Math.floor(postedMs / 86_400_000) * 86_400_000;
  for (const d of dates) {
    const day = Date.UTC(d.year ?? inferYear(d.month, d.day, postedMs), d.month, d.day);
    if (day > postedDay) return { start: new Date(day).toISOString(), end: null };
  }
  return null;
}

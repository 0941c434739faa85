/** Time labels for the pane; always UTC so two SREs in different zones read the same clock. */

/** "14:05 UTC" for an ISO instant. */
export function formatUtcClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.toISOString().slice(11, 16)} UTC`;
}

/** "2026-11-25 14:05 UTC" for an ISO instant. */
export function formatUtcDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** Relative age of `iso` at `nowIso`: "just now", "4 min ago", "3 h ago", "2 d ago", or "never". */
export function formatAge(iso: string | null, nowIso: string): string {
  if (iso === null) return 'never';
  const ms = new Date(nowIso).getTime() - new Date(iso).getTime();
  if (Number.isNaN(ms)) return '—';
  if (ms < 60_000) return 'just now';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** Axis tick label for a bucket start: clock for a day, date for longer ranges. */
export function formatTick(t: number, rangeMs: number): string {
  const iso = new Date(t).toISOString();
  return rangeMs <= 36 * 3600_000 ? iso.slice(11, 16) : `${iso.slice(5, 10)}`;
}

const utcDay = (iso: string): string => new Date(iso).toISOString().slice(0, 10);

/** "2026-12-05 07:14 – 11:14 UTC" (end on another day: both dates; no end: "from ..., end not announced"). */
export function formatUtcWindow(startIso: string, endIso: string | null): string {
  if (endIso === null) return `from ${formatUtcDateTime(startIso)}, end not announced`;
  if (utcDay(startIso) === utcDay(endIso)) return `${formatUtcDateTime(startIso).replace(' UTC', '')} – ${formatUtcClock(endIso)}`;
  return `${formatUtcDateTime(startIso)} – ${formatUtcDateTime(endIso)}`;
}

/** The same window on this computer's clock, e.g. "Sat, Dec 5, 08:14 – 12:14 CET"; null where that clock is UTC. */
export function formatLocalWindow(startIso: string, endIso: string | null): string | null {
  const start = new Date(startIso);
  if (Number.isNaN(start.getTime()) || start.getTimezoneOffset() === 0) return null;
  const full = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  if (endIso === null) return `from ${full.format(start)}`;
  const end = new Date(endIso);
  const sameDay = start.toDateString() === end.toDateString();
  const endFormat = sameDay ? new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }) : full;
  const startFormat = sameDay ? new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : full;
  return `${startFormat.format(start)} – ${endFormat.format(end)}`;
}

/** How long until `iso` from `nowIso`: "in 45 min", "in 5 h", "in 3 d"; "now" once it is due. */
export function formatUntil(iso: string, nowIso: string): string {
  const ms = new Date(iso).getTime() - new Date(nowIso).getTime();
  if (Number.isNaN(ms)) return '—';
  if (ms <= 0) return 'now';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.floor(hours / 24)} d`;
}

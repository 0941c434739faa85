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

/**
 * Status feed answers with maintenance announced days ahead of `now`, in the real response shapes
 * (Statuspage v2 with `scheduled_until` null and empty `components`, Status.io RSS and public status
 * API), so emulators serve future windows by default and tests cannot pass only on past ones.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Instants of the announced window: posted a day before now, opening three days after it. */
export function upcomingWindow(now: Date): { postedAt: Date; start: Date; end: Date } {
  const day = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const start = new Date(day + 3 * DAY_MS + 7 * HOUR_MS + 14 * 60_000);
  return { postedAt: new Date(day - DAY_MS + 9 * HOUR_MS), start, end: new Date(start.getTime() + 4 * HOUR_MS) };
}

/** "December 5 7:14AM UTC" (Status.io and many RSS feeds write no year). */
function prose(d: Date, withDate: boolean): string {
  const h = d.getUTCHours();
  const clock = `${h % 12 === 0 ? 12 : h % 12}:${String(d.getUTCMinutes()).padStart(2, '0')}${h < 12 ? 'AM' : 'PM'} UTC`;
  return withDate ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${clock}` : clock;
}

/** "December 1, 2026 9:00AM UTC": Status.io's update stamp. */
function stamp(d: Date): string {
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${prose(d, false)}`;
}

/** A Statuspage v2 summary.json with two upcoming maintenances: one with and one without an end. */
export function statuspageUpcoming(now: Date): unknown {
  const w = upcomingWindow(now);
  const base = {
    status: 'scheduled',
    created_at: w.postedAt.toISOString(),
    updated_at: w.postedAt.toISOString(),
    monitoring_at: null,
    resolved_at: null,
    impact: 'maintenance',
    // Statuspage sets started_at when the item is posted, not when the work starts.
    started_at: w.postedAt.toISOString(),
    page_id: 'pg1',
  };
  return {
    page: { id: 'pg1', name: 'Example Cloud', url: 'https://status.example.com', time_zone: 'Etc/UTC', updated_at: w.postedAt.toISOString() },
    components: [],
    incidents: [],
    scheduled_maintenances: [
      {
        ...base,
        id: 'mnt-us-east-1',
        name: 'Network maintenance in us-east-1',
        shortlink: 'https://stspg.io/mnt1',
        scheduled_for: w.start.toISOString(),
        scheduled_until: w.end.toISOString(),
        components: [{ name: 'Compute us-east-1' }],
        incident_updates: [
          {
            id: 'u1', status: 'scheduled', body: 'We will upgrade network gear in us-east-1.', incident_id: 'mnt-us-east-1',
            created_at: w.postedAt.toISOString(), updated_at: w.postedAt.toISOString(), display_at: w.postedAt.toISOString(), affected_components: null,
          },
        ],
      },
      {
        ...base,
        id: 'mnt-open-end',
        name: 'Storage firmware rollout',
        shortlink: null,
        scheduled_for: w.start.toISOString(),
        scheduled_until: null,
        components: [],
        incident_updates: [],
      },
    ],
  };
}

/** A Status.io RSS feed with one maintenance posted a day ago for a window three days ahead. */
export function statusioRssUpcoming(now: Date, region = 'US-EAST-04A'): string {
  const w = upcomingWindow(now);
  const body = `Scheduled network maintenance in ${region} from ${prose(w.start, true)} to ${prose(w.end, false)}.`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title><![CDATA[Example]]></title>` +
    `<link>https://status.io/pages/p1</link><item><title><![CDATA[Scheduled Network Maintenance - ${region}]]></title>` +
    `<description><![CDATA[<small>${stamp(w.postedAt)}</small><br /><b>Scheduled</b> - ${body}<br /><br />]]></description>` +
    `<link>https://status.io/pages/maintenance/p1/mnt-upcoming</link><guid isPermaLink="false">mnt-upcoming</guid>` +
    `<pubDate>${w.postedAt.toUTCString()}</pubDate></item></channel></rss>`
  );
}

/** The Status.io public status API with the same maintenance listed as upcoming, all operational. */
export function statusioStatusUpcoming(now: Date, region = 'US-EAST-04A'): unknown {
  const w = upcomingWindow(now);
  return {
    result: {
      status_overall: { status: 'Operational', status_code: 100, updated: w.postedAt.toISOString() },
      status: [],
      maintenance: {
        active: [],
        upcoming: [
          {
            _id: 'mnt-upcoming',
            name: `Scheduled Network Maintenance - ${region}`,
            datetime_open: w.postedAt.toISOString(),
            datetime_planned_start: w.start.toISOString(),
            datetime_planned_end: w.end.toISOString(),
            messages: [{ details: 'Scheduled network maintenance.', datetime: w.postedAt.toISOString(), state: 100 }],
            components_affected: [{ _id: 'c1', name: 'Network' }],
            containers_affected: [{ _id: 'k1', name: region }],
          },
        ],
      },
    },
  };
}

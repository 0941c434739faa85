import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Incident } from '../../../../../shared/domain';
import { MalformedResponseError, ThrottledError } from '../../types';
import { parseStatusioStamp, readStatusio, readStatuspage, type FeedTarget } from './index';
import { statusioRssUpcoming, statusioStatusUpcoming, statuspageUpcoming, upcomingWindow } from './testing/upcoming';

const fixtures = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(fixtures + name, 'utf8');
const REGION = /\b[A-Z]{2}-[A-Z]+-\d{2}[A-Z]?\b/g;
const target: FeedTarget = { account: 'cw', cloud: 'coreweave', idPrefix: 'status', regionPattern: REGION };

/** Loopback emulator: path -> [status, body]. */
let server: Server;
let base = '';
const routes = new Map<string, [number, string]>();
beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) return void res.writeHead(404).end('not found');
    if (route[0] === 429) res.setHeader('retry-after', '7');
    res.writeHead(route[0]).end(route[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
const signal = new AbortController().signal;

describe('Status.io (CoreWeave)', () => {
  it('parses status stamps as UTC', () => {
    expect(parseStatusioStamp('September 1, 2026 1:14AM UTC')).toBe('2026-09-01T01:14:00.000Z');
    expect(parseStatusioStamp('August 28, 2026 12:05PM UTC')).toBe('2026-08-28T12:05:00.000Z');
    expect(parseStatusioStamp('August 28, 2026 12:05AM UTC')).toBe('2026-08-28T00:05:00.000Z');
  });

  it('reads the RSS feed and the status API from an emulator', async () => {
    routes.set('/pages/p1/rss', [200, fixture('coreweave_statusio_rss_2026-09-02_trimmed.xml')]);
    routes.set(
      '/1.0/status/p1',
      [
        200,
        JSON.stringify({
          result: {
            status_overall: { status: 'Partial Service Disruption', status_code: 400, updated: '2026-09-02T16:00:00.000Z' },
            status: [
              { id: 'c1', name: 'Kubernetes', status: 'Operational', status_code: 100, containers: [{ name: 'US-EAST-04', status_code: 100 }] },
              {
                id: 'c2',
                name: 'Object Storage',
                status: 'Partial Service Disruption',
                status_code: 400,
                updated: '2026-09-02T16:00:00.000Z',
                containers: [{ name: 'US-WEST-01A', status_code: 400 }, { name: 'US-EAST-04A', status_code: 100 }],
              },
            ],
          },
        }),
      ],
    );
    const incidents = await readStatusio(
      { rssUrl: `${base}/pages/p1/rss`, statusApiUrl: `${base}/1.0/status/p1` },
      target,
      signal,
      new Date('2026-09-02T17:10:00Z'),
    );
    for (const i of incidents) Incident.parse(i);
    expect(incidents).toHaveLength(7);
    const ib = incidents.find((i) => i.id === 'status:6a9626e8892d7304f2747918');
    // The window announced on September 1: 17:00-19:00 UTC on September 2 (its end is the scheduled end).
    expect(ib).toMatchObject({ source: 'maintenance', severity: 'maintenance', status: 'active', regions: ['US-EAST-02B'], endedAt: '2026-09-02T19:00:00.000Z', startedAt: '2026-09-02T17:00:00.000Z' });
    // Announced August 19 for August 24 13:00 UTC, though it went active a day late: the window opened first.
    expect(incidents.find((i) => i.id === 'status:6a85c13dcfac4447738b2ede')).toMatchObject({ startedAt: '2026-08-24T13:00:00.000Z', endedAt: '2026-09-04T21:00:00.000Z' });
    const storage = incidents.find((i) => i.id === 'status:6a91d8ddf6933c04d812da67');
    expect(storage).toMatchObject({ source: 'status-page', status: 'resolved', endedAt: '2026-08-28T21:04:00.000Z', startedAt: '2026-08-28T18:52:00.000Z', regions: ['US-EAST-13A'] });
    expect(storage?.updates.map((u) => u.status)).toEqual(['investigating', 'identified', 'monitoring', 'resolved']);
    // Updates of the re-opened object storage incident stay in time order.
    const west = incidents.find((i) => i.id === 'status:6a8fb0f16f989604d7b0842f');
    expect(west?.updates.map((u) => u.at)).toEqual([...(west?.updates.map((u) => u.at) ?? [])].sort());
    const comp = incidents.find((i) => i.id === 'status:component:c2');
    expect(comp).toMatchObject({ severity: 'minor', regions: ['US-WEST-01A'], endedAt: null, services: ['Object Storage'] });
  });

  it('an RSS item posted days ahead starts at its window, not at its post date', async () => {
    const now = new Date();
    const w = upcomingWindow(now);
    routes.set('/pages/ahead/rss', [200, statusioRssUpcoming(now)]);
    const [item] = await readStatusio({ rssUrl: `${base}/pages/ahead/rss` }, target, signal, now);
    expect(item).toMatchObject({ source: 'maintenance', status: 'scheduled', regions: ['US-EAST-04A'], startedAt: w.start.toISOString(), endedAt: w.end.toISOString() });
  });

  it('the status API window wins over the RSS text for the same maintenance', async () => {
    const now = new Date();
    const w = upcomingWindow(now);
    // The RSS prose says one hour later than the API: the structured window is kept.
    routes.set('/pages/both/rss', [200, statusioRssUpcoming(new Date(now.getTime() + 3_600_000))]);
    routes.set('/1.0/status/both', [200, JSON.stringify(statusioStatusUpcoming(now))]);
    const incidents = await readStatusio({ rssUrl: `${base}/pages/both/rss`, statusApiUrl: `${base}/1.0/status/both` }, target, signal, now);
    for (const i of incidents) Incident.parse(i);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ id: 'status:mnt-upcoming', startedAt: w.start.toISOString(), endedAt: w.end.toISOString(), url: expect.stringContaining('/pages/maintenance/') });
  });

  it('throws typed errors for throttling and for a body that is not RSS', async () => {
    routes.set('/pages/slow/rss', [429, '']);
    await expect(readStatusio({ rssUrl: `${base}/pages/slow/rss` }, target, signal, new Date())).rejects.toBeInstanceOf(ThrottledError);
    routes.set('/pages/html/rss', [200, '<html>maintenance</html>']);
    await expect(readStatusio({ rssUrl: `${base}/pages/html/rss` }, target, signal, new Date())).rejects.toBeInstanceOf(MalformedResponseError);
  });
});

describe('Atlassian Statuspage v2', () => {
  it('reads summary, incidents and maintenance and keeps the newest copy of each incident', async () => {
    routes.set('/gh/api/v2/summary.json', [200, fixture('github_summary_2026-07-24_critical_incident.json')]);
    routes.set('/gh/api/v2/incidents.json', [200, fixture('github_incidents_2024-09-17.json')]);
    routes.set('/gh/api/v2/scheduled-maintenances.json', [200, fixture('discord_scheduled_maintenances_2022-02-15.json')]);
    const incidents = await readStatuspage(`${base}/gh/`, { account: 'gh', cloud: 'other', idPrefix: 'gh' }, signal);
    for (const i of incidents) Incident.parse(i);
    const open = incidents.filter((i) => i.endedAt === null);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ severity: 'critical', source: 'status-page', status: 'investigating' });
    expect(open[0]?.services).toContain('Pull Requests');
    const maint = incidents.filter((i) => i.source === 'maintenance');
    expect(maint).toHaveLength(1);
    expect(maint[0]?.endedAt).not.toBeNull();
    // Discord's local offsets become UTC.
    expect(maint[0]?.startedAt.endsWith('Z')).toBe(true);
    expect(incidents.filter((i) => i.source === 'status-page' && i.endedAt !== null)).toHaveLength(2);
  });

  it('maintenance starts at scheduled_for, not at started_at (set when it was posted)', async () => {
    routes.set('/cf/api/v2/summary.json', [200, fixture('cloudflare_summary_2026-07-29_groups_trimmed.json')]);
    const incidents = await readStatuspage(`${base}/cf`, { account: 'cf', cloud: 'other', idPrefix: 'cf' }, signal);
    expect(incidents.find((i) => i.id === 'cf:gg374l1rfnrm')).toMatchObject({
      source: 'maintenance',
      status: 'scheduled',
      startedAt: '2026-07-29T23:00:00.000Z',
      endedAt: '2026-07-30T07:00:00.000Z',
    });
    // In progress: the window's scheduled end.
    expect(incidents.find((i) => i.id === 'cf:vyf946q1zvsc')).toMatchObject({ status: 'in_progress', startedAt: '2026-07-29T11:00:00.000Z', endedAt: '2026-07-30T06:00:00.000Z' });
  });

  it('maintenance announced days ahead, with optional fields absent', async () => {
    const now = new Date();
    const w = upcomingWindow(now);
    routes.set('/up/api/v2/summary.json', [200, JSON.stringify(statuspageUpcoming(now))]);
    const incidents = await readStatuspage(`${base}/up`, { account: 'up', cloud: 'other', idPrefix: 'up' }, signal);
    for (const i of incidents) Incident.parse(i);
    expect(incidents.find((i) => i.id === 'up:mnt-us-east-1')).toMatchObject({ startedAt: w.start.toISOString(), endedAt: w.end.toISOString(), services: ['Compute us-east-1'] });
    // scheduled_until null: starts with its window, no end known.
    expect(incidents.find((i) => i.id === 'up:mnt-open-end')).toMatchObject({ startedAt: w.start.toISOString(), endedAt: null, services: [] });
    for (const i of incidents) expect(Date.parse(i.startedAt)).toBeGreaterThan(now.getTime());
  });

  it('accepts the incident.io variant that has only summary.json', async () => {
    routes.set('/oa/api/v2/summary.json', [200, fixture('openai_incidentio_statuspage_compat_summary_2026-07-22.json')]);
    const incidents = await readStatuspage(`${base}/oa`, { account: 'oa', cloud: 'other', idPrefix: 'oa' }, signal);
    expect(incidents.length).toBeGreaterThan(0);
    for (const i of incidents) Incident.parse(i);
  });

  it('rejects an address with no summary', async () => {
    await expect(readStatuspage(`${base}/none`, target, signal)).rejects.toBeInstanceOf(MalformedResponseError);
  });
});

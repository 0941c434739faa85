import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountConfigBase } from '../../../../shared/config';
import { Incident } from '../../../../shared/domain';
import { kubernetesProvider } from '../kubernetes/provider';
import { buildFleet, fleetNodes, fleetPods } from '../kubernetes/testing/fleet';
import { startK8sEmulator, type K8sEmulator } from '../kubernetes/testing/k8s-emulator';
import { statusioStatusUpcoming, upcomingWindow } from '../common/status-feed/testing/upcoming';
import { coreweaveProvider } from './index';
import { withParentRegions } from './map';

const rss = readFileSync(fileURLToPath(new URL('../common/status-feed/testing/fixtures/coreweave_statusio_rss_2026-09-02_trimmed.xml', import.meta.url)), 'utf8');
// The registry wires the two providers together the same way.
const coreweave = coreweaveProvider(kubernetesProvider);
const signal = new AbortController().signal;
const NOW = new Date(Date.UTC(2026, 8, 2, 17, 10));
let emu: K8sEmulator;
let status: Server;
let statusUrl = '';

beforeAll(async () => {
  const fleet = buildFleet(Date.UTC(2026, 8, 2, 17), 20);
  emu = await startK8sEmulator(fleetNodes(fleet), fleetPods(fleet));
  status = createServer((req, res) => {
    if (req.url === '/pages/cw/rss') return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss);
    // All operational, with maintenance announced days ahead of the test's now (emulators serve future windows by default).
    if (req.url === '/1.0/status/cw') return void res.writeHead(200).end(JSON.stringify(statusioStatusUpcoming(NOW, 'US-EAST-04A')));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => status.listen(0, '127.0.0.1', resolve));
  statusUrl = `http://127.0.0.1:${(status.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await emu.close();
  await new Promise<void>((resolve) => status.close(() => resolve()));
});

const account = (extra: Record<string, unknown> = {}) =>
  AccountConfigBase.parse({ name: 'cw', provider: 'coreweave', kubeconfig: emu.kubeconfigPath, statusFeed: { rssUrl: `${statusUrl}/pages/cw/rss`, statusApiUrl: `${statusUrl}/1.0/status/cw` }, ...extra });

describe('coreweave provider', () => {
  it('puts every node under CoreWeave and defaults the status feed to CoreWeave Status.io', async () => {
    const cfg = coreweave.parseConfig(AccountConfigBase.parse({ name: 'cw', provider: 'coreweave' }));
    expect(cfg.statusFeed.rssUrl).toBe('https://status.coreweave.com/pages/5e126e998f2f032e1f8f0f4b/rss');
    expect(cfg.cloud).toBe('coreweave');
    const c = await coreweave.create(coreweave.parseConfig(account()));
    const resources: Array<{ cloud: string }> = [];
    for await (const b of c.inventory({ signal, now: new Date() })) resources.push(...b);
    expect(resources).toHaveLength(buildFleet(Date.UTC(2026, 8, 2, 17), 20).nodes.length);
    expect(new Set(resources.map((r) => r.cloud))).toEqual(new Set(['coreweave']));
    expect(c.clouds).toEqual(['coreweave']);
  });

  it('reads node-down incidents and the Status.io feed, with AZ and region codes', async () => {
    const c = await coreweave.create(coreweave.parseConfig(account()));
    const incidents: Incident[] = [];
    for await (const b of c.incidents({ signal, now: NOW, resources: [] })) incidents.push(...b);
    for (const i of incidents) Incident.parse(i);
    const feed = incidents.filter((i) => i.id.startsWith('coreweave-status:'));
    expect(feed).toHaveLength(7);
    // The upcoming maintenance starts at its planned window, days after now.
    expect(feed.find((i) => i.id === 'coreweave-status:mnt-upcoming')).toMatchObject({
      source: 'maintenance',
      startedAt: upcomingWindow(NOW).start.toISOString(),
      endedAt: upcomingWindow(NOW).end.toISOString(),
    });
    expect(feed.find((i) => i.id === 'coreweave-status:mnt-upcoming')?.regions).toContain('US-EAST-04A');
    expect(feed.find((i) => i.title.includes('US-EAST-02B'))?.regions).toEqual(['US-EAST-02B', 'US-EAST-02']);
  });

  it('rejects an unknown status feed field', () => {
    expect(() => coreweave.parseConfig(account({ statusFeed: { rss: 'x' } }))).toThrow(/statusFeed/);
  });

  it('adds parent regions of availability zones', () => {
    const base = { id: 'x', account: 'a', cloud: 'coreweave', source: 'status-page', severity: 'minor', title: 't', summary: '', status: 's', regions: ['US-WEST-01A', 'ORD1'], services: [], resourceIds: [], startedAt: '2026-01-01T00:00:00Z', endedAt: null, updatedAt: '2026-01-01T00:00:00Z', url: null, updates: [], demo: false } satisfies Incident;
    expect(withParentRegions(base).regions).toEqual(['US-WEST-01A', 'ORD1', 'US-WEST-01']);
  });
});

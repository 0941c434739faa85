import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetFilter, MachineSortKey, ResourceRow } from '../../../../shared/contract';
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { openStore } from '../index';
import type { FleetStore } from '../types';
import type { MachineWindowQuery } from './types';
import { account, batchesOf, minutes, resource, run, tempDataDir } from '../test-support';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;
const REGIONS = ['eastus', 'westeurope', 'southcentralus'];
const MODELS = ['H100 80GB', 'A100 80GB', 'a10'];

/** A generated fleet of 2 x 37 machines: repeated names across accounts, equal values, gaps and silences. */
function fleet(acct: string): GpuResource[] {
  return Array.from({ length: 37 }, (_, i) => {
    const gpuCount = [1, 2, 4, 8][i % 4]!;
    return resource(`${acct}-vm-${String(i).padStart(3, '0')}`, {
      account: acct,
      // Names repeat within and across accounts: ties the order must still break the same way every time.
      name: `Node-${String(i % 13).padStart(2, '0')}`,
      region: REGIONS[i % 3]!,
      gpuModel: MODELS[i % 3]!,
      gpuCount,
      hourlyPrice: i % 7 === 0 ? null : `${(i % 5) * 10}.50`,
      powerState: i % 11 === 0 ? 'stopped' : 'running',
      health: i % 9 === 0 ? 'degraded' : 'ok',
      tags: i % 4 === 0 ? { team: `Vision-${acct}` } : {},
      ...(i === 5 ? { coverageGaps: [{ kind: 'placement' as const, reason: 'physical GPU count unknown' }] } : {}),
    });
  });
}

function samplesOf(machines: readonly GpuResource[]): GpuSample[] {
  return machines.flatMap((m, i) =>
    Array.from({ length: m.gpuCount }, (_, g) => g).flatMap((g) =>
      // Every fifth machine is silent; the rest report a utilisation with many equal values.
      i % 5 === 0 ? [] : minutes(m.id, g, ASOF - 20 * MIN, ASOF + MIN, ((i * 7 + g) % 4) * 25),
    ),
  );
}

type Value = string | number | null;
function valueOf(r: ResourceRow, key: MachineSortKey): Value {
  switch (key) {
    case 'name':
    case 'region':
    case 'instanceType':
    case 'gpuModel':
      return r[key].toLowerCase();
    case 'gpuCount':
      return r.gpuCount;
    case 'states':
      return r.states.unhealthy * 1e6 + r.states.unknown * 1e4 + r.states.idle * 1e2 + r.states.stopped;
    case 'utilisation30m':
      return r.utilisation30m;
    case 'hourlyPrice':
      return r.hourlyPrice === null ? null : Number(r.hourlyPrice);
    case 'health':
      return { unavailable: 0, degraded: 1, unknown: 2, ok: 3 }[r.health];
    case 'coverage':
      return r.coverageGaps.length === 0 ? null : r.coverageGaps.length;
  }
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** The order the table promises, computed in memory from fleet:resources: NULL last, then name, account, id. */
function expectedOrder(all: readonly ResourceRow[], key: MachineSortKey, direction: 'ascending' | 'descending'): string[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...all]
    .sort((a, b) => {
      const va = valueOf(a, key);
      const vb = valueOf(b, key);
      if (va !== vb) {
        if (va === null) return 1;
        if (vb === null) return -1;
        const c = cmp(va, vb);
        if (c !== 0) return sign * c;
      }
      return cmp(a.name.toLowerCase(), b.name.toLowerCase()) || cmp(a.name, b.name) || cmp(a.account, b.account) || cmp(a.id, b.id);
    })
    .map((r) => r.id);
}

describe('machine table window (fleet:machines)', () => {
  let cleanup: () => Promise<void>;
  let store: FleetStore;
  let everything: ResourceRow[];

  const query = (over: Partial<MachineWindowQuery> = {}): MachineWindowQuery => ({
    filter: ALL,
    text: '',
    sort: { key: 'name', direction: 'ascending' },
    offset: 0,
    limit: 500,
    ...over,
  });
  const ids = async (over: Partial<MachineWindowQuery>): Promise<string[]> =>
    (await store.machineWindow(new Date(ASOF), query(over))).rows.map((r) => r.id);

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDataDir());
    store = await openStore(dir, { now: () => new Date(ASOF) });
    await store.upsertAccounts([account('acct'), account('lab', { provider: 'kubernetes' })]);
    const acct = fleet('acct');
    const lab = fleet('lab').map((m) => ({ ...m, cloud: 'other' as const, site: 'Frankfurt lab' }));
    await store.writeInventory(run('acct', 'inventory'), batchesOf(acct));
    await store.writeInventory(run('lab', 'inventory'), batchesOf(lab));
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(samplesOf(acct)));
    await store.writeMetrics(run('lab', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(samplesOf(lab)));
    everything = (await store.resourceRows(new Date(ASOF), ALL)).resources;
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  const KEYS: MachineSortKey[] = ['name', 'region', 'instanceType', 'gpuModel', 'gpuCount', 'states', 'utilisation30m', 'hourlyPrice', 'health', 'coverage'];
  for (const key of KEYS) {
    for (const direction of ['ascending', 'descending'] as const) {
      it(`sorts by ${key} ${direction} in SQL as the table always has (unmeasured last, ties by name, account, id)`, async () => {
        expect(await ids({ sort: { key, direction } })).toEqual(expectedOrder(everything, key, direction));
      });
    }
  }

  it('answers each machine exactly as fleet:resources does', async () => {
    const window = await store.machineWindow(new Date(ASOF), query({ sort: { key: 'utilisation30m', direction: 'descending' } }));
    const byId = new Map(everything.map((r) => [r.id, r]));
    expect(window.rows).toHaveLength(74);
    for (const row of window.rows) expect(row).toEqual(byId.get(row.id));
    // The generated fleet exercises what the order depends on.
    expect(window.rows.some((r) => r.utilisation30m === null)).toBe(true);
    expect(window.rows.some((r) => r.coverageGaps.some((g) => g.kind === 'placement'))).toBe(true);
  });

  it('pages through ties with no machine twice and none skipped, and counts them all', async () => {
    const sort = { key: 'gpuModel', direction: 'descending' } as const;
    const pages: string[] = [];
    for (let offset = 0; offset < 74; offset += 10) {
      const w = await store.machineWindow(new Date(ASOF), query({ sort, offset, limit: 10 }));
      expect(w).toMatchObject({ total: 74, offset });
      expect(w.rows.length).toBe(Math.min(10, 74 - offset));
      pages.push(...w.rows.map((r) => r.id));
    }
    expect(pages).toEqual(expectedOrder(everything, 'gpuModel', 'descending'));
    expect(new Set(pages).size).toBe(74);
  });

  it('pages through a state-sorted table (its order kept between windows) in the same order as one window', async () => {
    for (const key of ['utilisation30m', 'states', 'coverage'] as const) {
      const pages: string[] = [];
      for (let offset = 0; offset < 80; offset += 7) pages.push(...(await ids({ sort: { key, direction: 'descending' }, offset, limit: 7 })));
      expect(pages, key).toEqual(expectedOrder(everything, key, 'descending'));
    }
  });

  it('answers an offset at or past the end with no rows and the true count', async () => {
    const gpus = everything.reduce((n, r) => n + r.gpuCount, 0);
    for (const offset of [74, 75, 10_000]) {
      const w = await store.machineWindow(new Date(ASOF), query({ offset, limit: 50 }));
      expect(w).toMatchObject({ total: 74, gpus, offset, rows: [] });
    }
    const last = await store.machineWindow(new Date(ASOF), query({ offset: 73, limit: 50 }));
    expect(last.rows.map((r) => r.id)).toEqual(expectedOrder(everything, 'name', 'ascending').slice(73));
  });

  it('filters by text in name, id, region, GPU model or tag, ignoring case and matching % literally', async () => {
    const byText = async (text: string): Promise<string[]> => (await ids({ text })).sort();
    const where = (test: (r: ResourceRow) => boolean): string[] => everything.filter(test).map((r) => r.id).sort();
    expect(await byText('NODE-03')).toEqual(where((r) => r.name === 'Node-03'));
    expect(await byText('lab-vm-01')).toEqual(where((r) => r.id.startsWith('lab-vm-01')));
    expect(await byText('WestEurope')).toEqual(where((r) => r.region === 'westeurope'));
    expect(await byText('a100')).toEqual(where((r) => r.gpuModel === 'A100 80GB'));
    expect(await byText('vision-lab')).toEqual(['lab-vm-000', 'lab-vm-004', 'lab-vm-008', 'lab-vm-012', 'lab-vm-016', 'lab-vm-020', 'lab-vm-024', 'lab-vm-028', 'lab-vm-032', 'lab-vm-036']);
    expect(await byText('  ')).toHaveLength(74);
    expect(await byText('%')).toEqual([]);
    expect(await byText("o'brien")).toEqual([]);
    const w = await store.machineWindow(new Date(ASOF), query({ text: 'no-such-machine' }));
    expect(w).toMatchObject({ total: 0, gpus: 0, rows: [] });
  });

  it('combines the text with the fleet filter and one overview entry', async () => {
    const filtered = await store.machineWindow(
      new Date(ASOF),
      query({ filter: { ...ALL, regions: ['eastus'], gpuModels: ['H100 80GB'] }, cloudKey: 'other:Frankfurt lab', text: 'node' }),
    );
    const expected = everything.filter((r) => r.cloudKey === 'other:Frankfurt lab' && r.region === 'eastus' && r.gpuModel === 'H100 80GB');
    expect(expected.length).toBeGreaterThan(0);
    expect(filtered.total).toBe(expected.length);
    expect(filtered.rows.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id).sort());
    expect((await store.machineWindow(new Date(ASOF), query({ cloudKey: 'azure' }))).rows.every((r) => r.account === 'acct')).toBe(true);
    expect((await store.machineWindow(new Date(ASOF), query({ cloudKey: 'other:lab' }))).total).toBe(0);
  });
});

/**
 * An inventory snapshot writes only the rows that changed, came or left (issue 16: a steady fleet's
 * inventory was rewritten whole each sync). What the pane reads must be what a full rewrite gives:
 * the reference store has its rows all removed first (an empty snapshot), so it writes every row anew.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, resource, run, sample, tempDataDir } from '../test-support';
import type { FleetStore } from '../types';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const MIN = 60_000;
const FIRST = Date.parse('2026-11-25T12:00:00Z');
const SECOND = FIRST + 5 * MIN;

/** A fleet that fills every column a resource row has, nulls included. */
function fleet(): GpuResource[] {
  return [
    resource('vm-1', { gpuCount: 8, zone: 'eastus-2', tags: { team: 'ml', 'cost-centre': 'r&d "gpu"' }, site: 'dc-1', hourlyPrice: '98.3200' }),
    resource('vm-2', { gpuCount: 2, gpuMemoryGiB: null, hourlyPrice: null, coverageGaps: [{ kind: 'price', reason: 'no list price for this size' }] }),
    resource('vm-3', { health: 'degraded', healthReason: 'XID 79', powerState: 'running', gpuUuids: [null, 'GPU-b'], gpuCount: 2 }),
    resource('node-4', { kind: 'node', cloud: 'coreweave', region: 'us-east-04', hourlyPrice: '0.0000001234', demo: true }),
  ];
}

function samples(ids: readonly string[]): GpuSample[] {
  const out: GpuSample[] = [];
  for (let t = FIRST - 30 * MIN; t < SECOND; t += MIN) for (const id of ids) out.push(sample(id, 0, t, id === 'vm-2' ? 2 : 60));
  return out;
}

interface Opened {
  store: FleetStore;
  dir: string;
  setNow(ms: number): void;
}

describe('an inventory snapshot writes only what changed', () => {
  const opened: { store: FleetStore; cleanup: () => Promise<void> }[] = [];
  let differential: Opened;
  let rewritten: Opened;

  async function open(): Promise<Opened> {
    const { dir, cleanup } = await tempDataDir();
    let now = FIRST;
    const store = await openStore(dir, { now: () => new Date(now), cacheOverview: false });
    opened.push({ store, cleanup });
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory', new Date(FIRST)), batchesOf(fleet()));
    await store.writeMetrics(run('acct', 'metrics'), { from: FIRST - 30 * MIN, to: SECOND }, batchesOf(samples(fleet().map((r) => r.id))));
    return { store, dir, setNow: (ms) => (now = ms) };
  }

  beforeEach(async () => {
    differential = await open();
    rewritten = await open();
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.store.close().catch(() => undefined);
      await o.cleanup();
    }
  });

  /** Writes `snapshot` at SECOND: to `differential` as it is, to `rewritten` after an empty snapshot. */
  async function writeBoth(snapshot: GpuResource[]): Promise<void> {
    differential.setNow(SECOND);
    await differential.store.writeInventory(run('acct', 'inventory', new Date(SECOND)), batchesOf(snapshot));
    rewritten.setNow(SECOND - MIN);
    await rewritten.store.writeInventory(run('acct', 'inventory', new Date(SECOND - MIN)), batchesOf([]));
    rewritten.setNow(SECOND);
    await rewritten.store.writeInventory(run('acct', 'inventory', new Date(SECOND)), batchesOf(snapshot));
  }

  /** What the pane reads: the overview, the machine list and table, resources and freshness. */
  async function pane(store: FleetStore): Promise<unknown> {
    const asOf = new Date(SECOND);
    const machines = await store.machineWindow(asOf, { filter: ALL, text: '', sort: { key: 'name', direction: 'ascending' }, offset: 0, limit: 100 });
    const accounts = await store.accounts(asOf);
    return {
      overview: await store.overview(asOf, ALL),
      machines,
      rows: await store.resourceRows(asOf, ALL),
      coverage: await store.coverage(asOf, ALL),
      resources: await store.resources('acct'),
      freshness: accounts,
    };
  }

  /** resource id -> synced_at (epoch ms) as stored; closes the store to read its file. */
  async function syncedAt(o: Opened): Promise<Map<string, number>> {
    await o.store.close();
    const instance = await DuckDBInstance.create(join(o.dir, STORE_FILE));
    const conn = await instance.connect();
    try {
      const rows = (await conn.runAndReadAll('SELECT id, epoch_ms(synced_at)::DOUBLE FROM resource ORDER BY id')).getRowsJS();
      return new Map(rows.map(([id, ms]) => [String(id), Number(ms)]));
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }

  it('leaves the rows of an unchanged snapshot, while the pane shows what a full rewrite shows and freshness advances', async () => {
    await writeBoth(fleet());
    const shown = await pane(differential.store);
    expect(shown).toEqual(await pane(rewritten.store));
    const runs = await differential.store.syncRuns('acct', 10);
    expect(runs.filter((r) => r.stream === 'inventory').map((r) => [r.status, r.rows, Date.parse(r.finishedAt ?? '')])).toEqual([
      ['ok', 4, SECOND],
      ['ok', 4, FIRST],
    ]);
    expect([...(await syncedAt(differential)).values()]).toEqual([FIRST, FIRST, FIRST, FIRST]);
  });

  it('writes a changed field, an added and a removed machine, and the pane shows what a full rewrite shows', async () => {
    const [vm1, vm2, vm3] = fleet();
    const changed = [{ ...vm1!, health: 'unavailable' as const, healthReason: 'host maintenance' }, vm2!, vm3!, resource('vm-5', { gpuCount: 4, region: 'westus' })];
    await writeBoth(changed);
    const shown = (await pane(differential.store)) as { resources: GpuResource[] };
    expect(shown).toEqual(await pane(rewritten.store));
    expect(shown.resources.map((r) => r.id).sort()).toEqual(['vm-1', 'vm-2', 'vm-3', 'vm-5']);
    expect(shown.resources.find((r) => r.id === 'vm-1')).toMatchObject({ health: 'unavailable', healthReason: 'host maintenance' });
    expect(Object.fromEntries(await syncedAt(differential))).toEqual({ 'vm-1': SECOND, 'vm-2': FIRST, 'vm-3': FIRST, 'vm-5': SECOND });
  });

  it('writes a machine whose tags or coverage alone changed', async () => {
    const [vm1, vm2, vm3, node4] = fleet();
    await writeBoth([{ ...vm1!, tags: { team: 'infra', 'cost-centre': 'r&d "gpu"' } }, { ...vm2!, coverageGaps: [] }, vm3!, node4!]);
    expect(await pane(differential.store)).toEqual(await pane(rewritten.store));
    expect(Object.fromEntries(await syncedAt(differential))).toEqual({ 'node-4': FIRST, 'vm-1': SECOND, 'vm-2': SECOND, 'vm-3': FIRST });
  });
});

/**
 * A machine that left the inventory keeps its rollups, written while it was there, but its raw
 * samples no longer count at a window's partial edges (utilisation-query.ts). The window means group
 * rollups and edges together and apply that rule to the grouped GPU; this pins it.
 */
import { describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import type { GpuSample } from '../../../../shared/domain';
import type { FleetStore } from '../types';
import { account, batchesOf, resource, run, sample } from '../test-support';
import { useTempStore } from '../testing/use-temp-store';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const MIN = 60_000;
const HOUR = 60 * MIN;
const FIVE = 5 * MIN;
const ASOF = Date.parse('2026-11-25T12:03:00Z');
const FROM = Date.parse('2026-11-25T10:00:00Z');

/** Every minute of [FROM, ASOF]: `stays` at 50 %, `leaves` at 10 % but 90 % in the minutes named. */
function samples(): GpuSample[] {
  const out: GpuSample[] = [];
  const high = new Set([Date.parse('2026-11-25T11:04:00Z'), ...[0, 1, 2, 3].map((m) => Date.parse('2026-11-25T12:00:00Z') + m * MIN)]);
  for (let t = FROM; t <= ASOF; t += MIN) {
    out.push(sample('stays', 0, t, 50));
    out.push(sample('leaves', 0, t, high.has(t) ? 90 : 10));
  }
  return out;
}

/** The mean of `values`. */
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('a machine that left the inventory', () => {
  let store: FleetStore;
  useTempStore({ now: () => new Date(ASOF), cacheOverview: false }, async (temp) => {
    store = temp.store;
    await store.upsertAccounts([account('acct')]);
  });

  it('counts its whole buckets in the 1 h and 24 h means, not its raw samples at the edges', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('stays'), resource('leaves')]));
    const all = samples();
    await store.writeMetrics(run('acct', 'metrics'), { from: FROM, to: ASOF + MIN }, batchesOf(all));
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('stays')]));

    const o = await store.overview(new Date(ASOF), ALL);
    const azure = o.clouds.find((c) => c.provider === 'azure')!;
    // Whole 5-minute buckets of (asOf - length, asOf]: [first, end).
    const expected = (length: number): number => {
      const first = Math.floor((ASOF - length) / FIVE) * FIVE + FIVE;
      const end = Math.floor(ASOF / FIVE) * FIVE;
      const stays = all.filter((s) => s.resourceId === 'stays' && s.ts > ASOF - length && s.ts <= ASOF);
      const leaves = all.filter((s) => s.resourceId === 'leaves' && s.ts >= first && s.ts < end);
      return mean([mean(stays.map((s) => s.utilisation!)), mean(leaves.map((s) => s.utilisation!))]);
    };
    expect(azure.utilisation.avg1h).toBeCloseTo(expected(HOUR), 9);
    expect(azure.utilisation.avg24h).toBeCloseTo(expected(24 * HOUR), 9);
    // The minute at 11:04 lies in a whole bucket of the 24 h window but at the 1 h window's edge.
    expect(expected(HOUR)).toBeCloseTo(30, 9);
    expect(expected(24 * HOUR)).toBeGreaterThan(30);
    // Its GPU is no longer counted in the state totals.
    expect(azure.gpus.total).toBe(1);

    // Another account's inventory write, with nothing retired of its own, leaves the rule on.
    await store.upsertAccounts([account('other')]);
    await store.writeInventory(run('other', 'inventory'), batchesOf([resource('elsewhere', { account: 'other' })]));
    const withOther = (await store.overview(new Date(ASOF), ALL)).clouds.find((c) => c.provider === 'azure')!;
    // (Its machine has no samples, so the mean is the same two GPUs'.)
    expect(withOther.utilisation.avg1h).toBeCloseTo(expected(HOUR), 9);
  });

  it('counts its raw samples at the edges again once it is back in the inventory', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('stays'), resource('leaves')]));
    const all = samples();
    await store.writeMetrics(run('acct', 'metrics'), { from: FROM, to: ASOF + MIN }, batchesOf(all));
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('stays')]));
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('stays'), resource('leaves')]));
    const azure = (await store.overview(new Date(ASOF), ALL)).clouds.find((c) => c.provider === 'azure')!;
    const inHour = (id: string): number[] => all.filter((s) => s.resourceId === id && s.ts > ASOF - HOUR && s.ts <= ASOF).map((s) => s.utilisation!);
    expect(azure.utilisation.avg1h).toBeCloseTo(mean([mean(inHour('stays')), mean(inHour('leaves'))]), 9);
    expect(azure.gpus.total).toBe(2);
  });
});

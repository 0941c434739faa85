/**
 * Each quiet GPU's last sample within the silent rule's lookback, read through the rollups
 * (last-samples.ts), must be what the stored samples say, and every GPU the rule could call silent
 * must be listed: GPUs falling silent in the newest minutes, earlier in the last
 * hour, hours ago, just inside and just outside the lookback, seconds into a minute, reporting again
 * after a gap, with samples after asOf; for a raw and a rollups-only account.
 */
import { describe, expect, it } from 'vitest';
import type { GpuSample } from '../../../../shared/domain';
import { SILENT_AFTER_MS, SILENT_LOOKBACK_MS } from '../../domain/derived-signals';
import { account, batchesOf, queryStoreFile, resource, run, sample } from '../test-support';
import { type TempStore, useTempStore } from '../testing/use-temp-store';

const MIN = 60_000;
const ASOF = Date.parse('2026-11-25T12:07:00Z');
const START = ASOF - 8 * 60 * MIN - 2 * MIN; // on the 5-minute grid, as a rollups-only window must start
const END = ASOF + 10 * MIN;

/** When each GPU's samples stop (ms before ASOF; Infinity: never), and one GPU that pauses and comes back. */
const STOPS = [Infinity, 3 * MIN, 7 * MIN + 20_000, 12 * MIN, 40 * MIN, 61 * MIN, 150 * MIN, 6 * 60 * MIN - 2 * MIN, 6 * 60 * MIN + MIN, 6 * 60 * MIN];

function samplesOf(machine: string, offsetMs: number): GpuSample[] {
  const out: GpuSample[] = [];
  STOPS.forEach((stop, g) => {
    for (let t = START; t < END; t += MIN) {
      const ts = t + (g % 3 === 1 ? offsetMs : 0);
      if (ts >= ASOF - stop && stop !== Infinity) continue;
      out.push(sample(machine, g, ts, g % 4 === 2 ? null : 50));
    }
  });
  // GPU 10 reports, pauses for two hours, and comes back for ten minutes an hour ago.
  for (let t = START; t < END; t += MIN) {
    const back = t >= ASOF - 70 * MIN && t < ASOF - 60 * MIN;
    if (t < ASOF - 4 * 60 * MIN || back) out.push(sample(machine, STOPS.length, t, 30));
  }
  return out;
}

describe('last samples for the silent rule', () => {
  let temp: TempStore;

  useTempStore({ cacheOverview: false }, async (opened) => {
    temp = opened;
    const { store } = temp;
    await store.upsertAccounts([account('acct'), account('roll')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('m-1', { gpuCount: STOPS.length + 1 })]));
    await store.writeInventory(run('roll', 'inventory'), batchesOf([resource('r-1', { account: 'roll', gpuCount: STOPS.length + 1 })]));
    const raw = samplesOf('m-1', 20_000);
    await store.writeMetrics(run('acct', 'metrics'), { from: START, to: END }, batchesOf(raw));
    const rolled = samplesOf('r-1', 20_000);
    await store.writeMetrics(run('roll', 'metrics'), { from: START, to: END }, batchesOf(rolled), 'rollups');
  });

  it('equal the newest stored sample of each GPU, raw or rollups-only', async () => {
    const instants = [ASOF, ASOF - 2 * MIN, ASOF + 3 * MIN, ASOF - 61 * MIN, ASOF - 5 * 60 * MIN];
    const got = new Map<string, string[]>();
    for (const acct of ['acct', 'roll']) {
      for (const t of instants) {
        const input = await temp.store.signalInput(acct, new Date(t));
        got.set(`${acct} ${t}`, input.lastSeen.map((s) => `${s.resourceId}/${s.gpuIndex} ${new Date(s.lastMs).toISOString()}`).sort());
      }
    }
    await temp.whileClosed(async () => {
      for (const acct of ['acct', 'roll']) {
        for (const t of instants) {
          const rows = await queryStoreFile(
            temp.dir,
            `SELECT g.resource_id || '/' || g.gpu_index || ' ' || strftime(max(l.ts), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'
             FROM (SELECT gpu_id, ts FROM gpu_sample UNION ALL SELECT gpu_id, ts FROM rollup_1m) l JOIN gpu g USING (gpu_id)
             WHERE g.account = '${acct}' AND l.ts > epoch_ms(${t - SILENT_LOOKBACK_MS}::BIGINT) AND l.ts <= epoch_ms(${t}::BIGINT)
             GROUP BY g.resource_id, g.gpu_index`,
          );
          const at = `${acct} ${new Date(t).toISOString()}`;
          const every = rows.map((r) => String(r[0]));
          // Every GPU listed has its newest stored sample; every GPU quiet for SILENT_AFTER_MS is listed.
          const listed = got.get(`${acct} ${t}`)!;
          expect(listed.filter((row) => !every.includes(row)), at).toEqual([]);
          const silent = every.filter((row) => Date.parse(row.split(' ')[1]!) <= t - SILENT_AFTER_MS).sort();
          expect(silent.length, at).toBeGreaterThan(2);
          expect(listed.filter((row) => Date.parse(row.split(' ')[1]!) <= t - SILENT_AFTER_MS), at).toEqual(silent);
          // GPUs that reported in the newest minutes are left out.
          expect(listed.length, at).toBeLessThan(every.length);
        }
      }
    });
  });
});

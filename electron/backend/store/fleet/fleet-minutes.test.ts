/**
 * The fleet-wide 1-hour chart reads fleet_1m (schema v15): per group and minute, the sum of GPU
 * minute means. It must give what the raw samples give: raw and rollups-only accounts, windows off the
 * minute grid, samples seconds into a minute and after asOf within its minute, a GPU seen twice a
 * minute, an account whose machine left the inventory (read from raw samples, as before), and a store
 * upgraded to v15, which fills only its newest hour and reads raw samples for ranges before it.
 */
import { describe, expect, it } from 'vitest';
import type { FleetFilter, Series, TimeRange } from '../../../../shared/contract';
import type { GpuSample } from '../../../../shared/domain';
import { account, batchesOf, queryStoreFile, reapplyMigration, resource, run, sample } from '../test-support';
import { type TempStore, useTempStore } from '../testing/use-temp-store';

const MIN = 60_000;
const ASOF = Date.parse('2026-11-25T12:07:00Z');
const FROM = ASOF - 92 * MIN; // on the 5-minute grid, as a rollups-only window must start
const TO = ASOF + 3 * MIN;
const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };

const MACHINES = {
  acct: [resource('a-1', { gpuCount: 4 }), resource('a-2', { gpuCount: 2, cloud: 'gcp', region: 'us-central1' })],
  roll: [resource('r-1', { account: 'roll', gpuCount: 2, gpuModel: 'A100 80GB' })],
  gone: [resource('g-1', { account: 'gone', gpuCount: 2 }), resource('g-2', { account: 'gone', region: 'westeurope' })],
};

/** Deterministic 0..1 from integers. */
function noise(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) h = Math.imul(h ^ (x | 0), 16777619) >>> 0;
  return (h % 10_000) / 10_000;
}

/** Each GPU's samples of [FROM, TO): some seconds into the minute, some twice, some missing or without utilisation. */
function samplesOf(machines: typeof MACHINES.acct): GpuSample[] {
  const out: GpuSample[] = [];
  machines.forEach((m, mi) => {
    for (let g = 0; g < m.gpuCount; g++) {
      for (let t = FROM; t < TO; t += MIN) {
        const n = (k: number): number => noise(m.id.charCodeAt(0), mi, g, t / MIN, k);
        if (n(1) < 0.05) continue;
        const ts = n(2) < 0.3 ? t + 20_000 : t;
        out.push(sample(m.id, g, ts, n(3) < 0.08 ? null : Math.round(n(4) * 1000) / 10));
        if (n(5) < 0.1) out.push(sample(m.id, g, ts + 5_000, Math.round(n(6) * 1000) / 10));
      }
    }
  });
  return out;
}

describe('the fleet-wide 1-hour chart from fleet_1m', () => {
  let temp: TempStore;

  useTempStore({ cacheOverview: false }, async (opened) => {
    temp = opened;
    const { store } = temp;
    await store.upsertAccounts([account('acct'), account('roll'), account('gone')]);
    for (const [name, machines] of Object.entries(MACHINES)) await store.writeInventory(run(name, 'inventory'), batchesOf(machines));
    // Raw accounts in windows off the minute grid; the rollups-only one from the 5-minute grid.
    for (const name of ['acct', 'gone'] as const) {
      const all = samplesOf(MACHINES[name]);
      for (const [from, to] of [[FROM, ASOF - 20 * MIN + 30_000], [ASOF - 20 * MIN + 30_000, ASOF - 4 * MIN + 10_000], [ASOF - 4 * MIN + 10_000, TO]] as const) {
        const inWindow = all.filter((s) => s.ts >= from && s.ts < to);
        expect(await store.writeMetrics(run(name, 'metrics'), { from, to }, batchesOf(inWindow))).toBe(inWindow.length);
      }
    }
    const rolled = samplesOf(MACHINES.roll);
    await store.writeMetrics(run('roll', 'metrics'), { from: FROM, to: TO }, batchesOf(rolled), 'rollups');
    // g-2 leaves: the raw samples of its minutes are no longer counted, so neither may fleet_1m's be.
    await store.writeInventory(run('gone', 'inventory'), batchesOf(MACHINES.gone.slice(0, 1)));
  });

  /** Runs `sql` on the closed store, then opens it again. */
  const onStore = (sql: string): Promise<unknown[][]> => temp.whileClosed(() => queryStoreFile(temp.dir, sql));

  const askedAt = [ASOF, ASOF + 20_000, ASOF - 10 * MIN, ASOF + 2 * MIN];
  const charts = async (): Promise<Series[][]> => {
    const out: Series[][] = [];
    for (const t of askedAt) {
      out.push((await temp.store.utilisationSeries(new Date(t), '1h' satisfies TimeRange, ALL, 'cloud')).series);
      out.push((await temp.store.utilisationSeries(new Date(t), '1h', { ...ALL, clouds: ['azure'] }, 'none')).series);
    }
    return out;
  };
  /** The charts read from raw samples alone: fleet_1m said to start after every range. */
  const rawCharts = async (): Promise<Series[][]> => {
    const coverage = await onStore('SELECT from_ts::VARCHAR FROM fleet_1m_coverage');
    await onStore(`DELETE FROM fleet_1m_coverage; INSERT INTO fleet_1m_coverage VALUES ('2100-01-01')`);
    const raw = await charts();
    await onStore(`DELETE FROM fleet_1m_coverage; ${coverage.map((r) => `INSERT INTO fleet_1m_coverage VALUES ('${String(r[0])}');`).join('')}`);
    return raw;
  };
  const expectSame = (actual: Series[][], expected: Series[][]): void => {
    expect(actual.map((c) => c.map((s) => s.key))).toEqual(expected.map((c) => c.map((s) => s.key)));
    actual.forEach((chart, c) =>
      chart.forEach((s, i) =>
        s.points.forEach((p, j) => {
          const e = expected[c]![i]!.points[j]!;
          expect(p.t).toBe(e.t);
          if (e.value === null) expect(p.value, `${c} ${s.key} ${new Date(p.t).toISOString()}`).toBeNull();
          else expect(p.value, `${c} ${s.key} ${new Date(p.t).toISOString()}`).toBeCloseTo(e.value, 9);
        }),
      ),
    );
  };

  it('gives what the raw samples give', async () => {
    const fromMinutes = await charts();
    const raw = await rawCharts();
    expect(raw.flat().flatMap((s) => s.points).filter((p) => p.value !== null).length).toBeGreaterThan(300);
    expectSame(fromMinutes, raw);
    // The chart did read fleet_1m: without its rows, the minutes of the accounts it answers for are gone.
    await onStore('DELETE FROM fleet_1m');
    const without = (await charts())[0]!.find((s) => s.key === 'azure')!.points;
    const azure = fromMinutes[0]!.find((s) => s.key === 'azure')!.points;
    expect(without.filter((p, i) => p.value !== azure[i]!.value).length).toBeGreaterThan(55);
  });

  it('reads raw samples before the minute v15 filled fleet_1m from, and fleet_1m after it', async () => {
    const written = await onStore('SELECT account, cloud, region, gpu_model, bucket::VARCHAR, round(gpu_mean_sum, 9), gpus FROM fleet_1m ORDER BY ALL');
    const raw = await rawCharts();
    expect(await temp.whileClosed(() => reapplyMigration(temp.dir, 15, 'DROP TABLE fleet_1m; DROP TABLE fleet_1m_coverage'))).toEqual([15]);
    // The newest sample is 20 s into the minute of TO - 1 minute: its hour is filled as the writes had it.
    const [[from]] = (await onStore('SELECT epoch_ms(from_ts) FROM fleet_1m_coverage')) as [[number]];
    expect(Number(from)).toBe(TO - MIN - 60 * MIN);
    const filled = await onStore(
      `SELECT account, cloud, region, gpu_model, bucket::VARCHAR, round(gpu_mean_sum, 9), gpus FROM fleet_1m ORDER BY ALL`,
    );
    expect(filled.length).toBeGreaterThan(100);
    expect(filled).toEqual(written.filter((r) => Date.parse(`${String(r[4])}Z`) >= Number(from)));
    // Ranges starting before that minute (asOf up to TO - 2 minutes) read raw samples; later ones fleet_1m.
    expectSame(await charts(), raw);
  });
});

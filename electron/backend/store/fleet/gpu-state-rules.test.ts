import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { fleetMean, fleetMeanOfSumsSql, fleetMeanSql, gpuMean, gpuMeanSql } from '../../domain/fleet-utilisation';
import { gpuState, gpuStateCaseSql, type GpuStateFacts } from '../../domain/gpu-state';
import { exec, rows, sqlString } from '../db';

async function withDuckDb<T>(body: (conn: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return await body(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('the domain rules the store runs as SQL', () => {
  it('gives each GPU the same state in SQL as in TypeScript, for every combination of facts', async () => {
    const facts: GpuStateFacts[] = [];
    for (const powerState of ['running', 'stopped', 'starting'])
      for (const health of ['ok', 'degraded', 'unavailable', 'unknown'])
        for (const xidErrors of [0, 2])
          for (const fault of [false, true])
            for (const [samples, meanUtilisation] of [[0, null], [30, 0], [30, 4.99], [30, 5], [30, 87.5]] as const)
              facts.push({ powerState, health, xidErrors, fault, samples, meanUtilisation });
    const sql = gpuStateCaseSql({ powerState: 'p', health: 'h', xidErrors: 'x', fault: 'f', samples: 'n', meanUtilisation: 'u' });
    const got = await withDuckDb(async (conn) => {
      await exec(conn, 'CREATE TABLE facts (i INTEGER, p VARCHAR, h VARCHAR, x INTEGER, f BOOLEAN, n INTEGER, u DOUBLE)');
      for (const [i, f] of facts.entries()) {
        await exec(
          conn,
          `INSERT INTO facts VALUES (${i}, ${sqlString(f.powerState)}, ${sqlString(f.health)}, ${f.xidErrors}, ${f.fault}, ${f.samples}, ${f.meanUtilisation ?? 'NULL'})`,
        );
      }
      // A GPU with no sample row at all reads NULL for xid, fault and samples (the store's LEFT JOIN).
      await exec(conn, `INSERT INTO facts VALUES (${facts.length}, 'running', 'ok', NULL, NULL, NULL, NULL)`);
      return rows<{ i: number; state: string }>(conn, `SELECT i, ${sql} AS state FROM facts ORDER BY i`);
    });
    const expected = [...facts.map(gpuState), gpuState({ powerState: 'running', health: 'ok', xidErrors: 0, fault: false, samples: 0, meanUtilisation: null })];
    expect(got.map((r) => r.state)).toEqual(expected);
    expect(new Set(expected)).toEqual(new Set(['stopped', 'unhealthy', 'unknown', 'busy', 'idle']));
  });

  it('averages the fleet over GPUs in SQL as in TypeScript, from raw samples and from partial sums', async () => {
    const samples: Record<string, (number | null)[]> = {
      'gpu-a': Array.from({ length: 60 }, (_, i) => (i % 3) * 45),
      'gpu-b': [10],
      'gpu-c': [null, null],
      'gpu-d': [99.5, 0.5, 50, null],
    };
    const expected = fleetMean(Object.values(samples).map(gpuMean));
    const got = await withDuckDb(async (conn) => {
      await exec(conn, 'CREATE TABLE s (gpu VARCHAR, part INTEGER, util DOUBLE)');
      for (const [gpu, list] of Object.entries(samples)) {
        for (const [i, u] of list.entries()) await exec(conn, `INSERT INTO s VALUES (${sqlString(gpu)}, ${i % 2}, ${u ?? 'NULL'})`);
      }
      // Per GPU from two partial sums (as the store reads rollups and raw edges), then over GPUs.
      const parts = `SELECT gpu, part, sum(util) AS util_sum, count(util) AS util_count FROM s GROUP BY gpu, part HAVING count(util) > 0`;
      const perGpu = `SELECT gpu, ${gpuMeanSql('util_sum', 'util_count')} AS m FROM (${parts}) GROUP BY gpu`;
      const [fromMeans] = await rows<{ v: number }>(conn, `SELECT ${fleetMeanSql('m')} AS v FROM (${perGpu})`);
      // From fleet sums per group (as fleet_5m holds them): the GPUs split into two groups.
      const groups = `SELECT gpu < 'gpu-c' AS grp, sum(m) AS gpu_mean_sum, count(*) AS gpus FROM (${perGpu}) GROUP BY grp`;
      const [fromSums] = await rows<{ v: number }>(conn, `SELECT ${fleetMeanOfSumsSql('gpu_mean_sum', 'gpus')} AS v FROM (${groups})`);
      return [fromMeans?.v, fromSums?.v];
    });
    expect(expected).not.toBeNull();
    expect(got[0]).toBeCloseTo(expected ?? Number.NaN, 9);
    expect(got[1]).toBeCloseTo(expected ?? Number.NaN, 9);
  });
});

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from './db';

describe('rows() of a large result', () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => instance.closeSync());

  it('makes its objects a chunk at a time, with turns of the event loop between chunks', async () => {
    const conn = await instance.connect();
    // The shape a metrics write reads for every GPU of an account: text keys and integers.
    const sql = `SELECT 'cluster-' || (i // 8) AS resource_id, (i % 8)::INTEGER AS gpu_index, i::INTEGER AS gpu_id,
                        'azure' AS cloud, 'eastus' AS region, 'H100 80GB' AS gpu_model
                 FROM range(120000) t(i)`;
    let last = performance.now();
    let longestGap = 0;
    let watching = true;
    const watch = (): void => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      if (watching) setImmediate(watch);
    };
    const start = performance.now();
    setImmediate(watch);
    const found = await rows<{ resource_id: string; gpu_index: number; gpu_id: number }>(conn, sql);
    const total = performance.now() - start;
    // One more turn, so the gap that ends with the read's last piece of work is counted too.
    await new Promise((resolve) => setImmediate(resolve));
    watching = false;
    expect(found).toHaveLength(120_000);
    expect(found[120_000 - 1]).toEqual({ resource_id: 'cluster-14999', gpu_index: 7, gpu_id: 119_999, cloud: 'azure', region: 'eastus', gpu_model: 'H100 80GB' });
    // Made all at once, the objects take most of the read in one go; a chunk (2,048 of 120,000 rows) is a small part.
    expect(longestGap).toBeLessThan(total / 4);
    conn.closeSync();
  });

  it('gives an empty list for no rows, and keeps the column names as written', async () => {
    const conn = await instance.connect();
    expect(await rows(conn, 'SELECT 1 AS "Odd Name" WHERE false')).toEqual([]);
    expect(await rows(conn, `SELECT 1::INTEGER AS "Odd Name", $v AS v`, { v: 'é"' })).toEqual([{ 'Odd Name': 1, v: 'é"' }]);
    conn.closeSync();
  });
});

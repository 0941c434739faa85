import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ESTIMATE_TAG } from '../../../../shared/contract-spend';
import { formatDecimal } from '../../../../shared/decimal';
import type { FocusCostRow } from '../../../../shared/domain';
import { openStore, STORE_FILE } from '../index';
import { costRow, tempDataDir } from '../test-support';
import { CostChunkWriter, FLUSH_ROWS } from './cost-chunk-writer';

/** Row i of the stream: the store's cost row with what this test varies (names, credits, estimates). */
const row = (i: number): FocusCostRow =>
  costRow({
    BillingAccountName: i % 2 === 0 ? 'Research' : null,
    // Credits every tenth row, and amounts past a double's exact range.
    BilledCost: i % 10 === 0 ? '-0.0000000001' : '12345678901234567.0000000001',
    EffectiveCost: '1.10',
    BillingPeriodStart: '2026-11-01T00:00:00.000Z',
    BillingPeriodEnd: '2026-12-01T00:00:00.000Z',
    ChargePeriodStart: new Date(Date.UTC(2026, 10, 2) + (i % 24) * 3_600_000).toISOString(),
    ChargePeriodEnd: new Date(Date.UTC(2026, 10, 2) + ((i % 24) + 1) * 3_600_000).toISOString(),
    ChargeDescription: `gpu hour ${i}`,
    RegionName: 'eastus',
    ResourceId: `vm-${i}`,
    ConsumedQuantity: null,
    ConsumedUnit: null,
    Tags: i % 3 === 0 ? { team: 'ml', [ESTIMATE_TAG]: 'true' } : { team: 'ml' },
  });

describe('cost rows written in chunks', () => {
  let instance: DuckDBInstance;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    await (await openStore(temp.dir)).close();
    instance = await DuckDBInstance.create(join(temp.dir, STORE_FILE));
  });
  afterEach(async () => {
    instance.closeSync();
    await cleanup();
  });

  it('hands rows to the transaction every FLUSH_ROWS rows, not once at the end, and stores every value exactly', async () => {
    const conn = await instance.connect();
    const n = 2 * FLUSH_ROWS + 5;
    await conn.run('BEGIN TRANSACTION');
    const appender = await conn.createAppender('cost_row');
    let flushes = 0;
    const flushSync = appender.flushSync.bind(appender);
    appender.flushSync = () => {
      flushes++;
      flushSync();
    };
    const writer = new CostChunkWriter(appender);
    for (let i = 0; i < n; i++) writer.add('acct', 'run-1', row(i));
    // The appender's own buffer is outside DuckDB's memory limit: it must not hold the whole stream.
    expect(flushes).toBe(2);
    writer.finish();
    appender.closeSync();
    await conn.run('COMMIT');

    const got = (
      await conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, sum(BilledCost)::VARCHAR AS billed, sum(EffectiveCost)::VARCHAR AS effective,
           count(*) FILTER (WHERE is_estimate)::INTEGER AS estimates, count(BillingAccountName)::INTEGER AS named,
           count(ListCost)::INTEGER AS listed, count(*) FILTER (WHERE extra IS NULL)::INTEGER AS no_extra,
           min(ChargePeriodStart)::VARCHAR AS first, max(ChargePeriodEnd)::VARCHAR AS last
         FROM cost_row`,
      )
    ).getRowObjectsJS()[0];
    const credits = Math.ceil(n / 10);
    const units = BigInt(n - credits) * 123456789012345670000000001n - BigInt(credits);
    // Expected sums in exact units of 10^-10, never through a float, as DuckDB prints DECIMAL(38,10).
    const scale10 = (units: bigint): string => formatDecimal({ units, scale: 10 });
    expect(got).toEqual({
      n,
      billed: scale10(units),
      effective: scale10(BigInt(n) * 11_000_000_000n),
      estimates: Math.ceil(n / 3),
      named: Math.ceil(n / 2),
      listed: 0,
      no_extra: n,
      first: '2026-11-02 00:00:00',
      last: '2026-11-03 00:00:00',
    });
    const one = (await conn.runAndReadAll(`SELECT account, source, ResourceId, Tags::VARCHAR AS tags FROM cost_row WHERE ResourceId = 'vm-7'`)).getRowObjectsJS();
    expect(one).toEqual([{ account: 'acct', source: 'run-1', ResourceId: 'vm-7', tags: '{"team":"ml"}' }]);
    conn.closeSync();
  });
});

import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ESTIMATE_TAG } from '../../../../shared/contract-spend';
import { formatDecimal } from '../../../../shared/decimal';
import type { FocusCostRow } from '../../../../shared/domain';
import { openStore, STORE_FILE } from '../index';
import { costRow, countTurns, tempDataDir } from '../test-support';
import { costRowFunction, CostRowInserter, INSERT_ROWS } from './cost-row-inserter';

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

describe('cost rows inserted in batches', () => {
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

  it('inserts INSERT_ROWS rows at a time into the open transaction, and stores every value exactly', async () => {
    const conn = await instance.connect();
    const n = 2 * INSERT_ROWS + 5;
    // Registered before the transaction begins, as the spend writer does: the transaction would not see it.
    const rowFunction = await costRowFunction(instance);
    await conn.run('BEGIN TRANSACTION');
    const inserter = new CostRowInserter(rowFunction, conn, 'acct', 'run-1');
    for (let i = 0; i < n; i++) inserter.add(row(i));
    await inserter.insertFull();
    // Whole INSERTs only: the rest waits for the next batch or the end of the stream.
    expect(inserter.waiting).toBe(5);
    expect((await conn.runAndReadAll('SELECT count(*)::INTEGER FROM cost_row')).getRows()).toEqual([[2 * INSERT_ROWS]]);
    await inserter.finish();
    expect(inserter.waiting).toBe(0);
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

  it('answers the event loop while rows go in: DuckDB writes them, the JS thread only fills chunks', async () => {
    const conn = await instance.connect();
    // Registered before the transaction begins, as the spend writer does: the transaction would not see it.
    const rowFunction = await costRowFunction(instance);
    await conn.run('BEGIN TRANSACTION');
    const inserter = new CostRowInserter(rowFunction, conn, 'acct', 'run-1');
    for (let i = 0; i < 3 * INSERT_ROWS; i++) inserter.add(row(i));
    const turns = countTurns();
    await inserter.finish();
    turns.stop();
    await conn.run('COMMIT');
    // An appender's flush writes the same rows in one synchronous call: no turn at all until it returns.
    expect(turns.count()).toBeGreaterThan(10);
    expect((await conn.runAndReadAll('SELECT count(*)::INTEGER FROM cost_row')).getRows()).toEqual([[3 * INSERT_ROWS]]);
    conn.closeSync();
  });

  it('fails the write, not hangs it, when a row cannot be stored, and another store keeps its own rows apart', async () => {
    const conn = await instance.connect();
    // Registered before the transaction begins, as the spend writer does: the transaction would not see it.
    const rowFunction = await costRowFunction(instance);
    await conn.run('BEGIN TRANSACTION');
    const inserter = new CostRowInserter(rowFunction, conn, 'acct', 'run-1');
    inserter.add(row(1));
    inserter.add({ ...row(2), ChargePeriodStart: 'yesterday' });
    await expect(inserter.finish()).rejects.toThrow(/not an ISO timestamp/);
    await conn.run('ROLLBACK');
    expect((await conn.runAndReadAll('SELECT count(*)::INTEGER FROM cost_row')).getRows()).toEqual([[0]]);

    // A second store open in the same process registers its own function, reading its own rows.
    const other = await tempDataDir();
    try {
      await (await openStore(other.dir)).close();
      const otherInstance = await DuckDBInstance.create(join(other.dir, STORE_FILE));
      const otherConn = await otherInstance.connect();
      const inOther = new CostRowInserter(await costRowFunction(otherInstance), otherConn, 'other', 'run-9');
      inOther.add(row(3));
      await inOther.finish();
      const mine = new CostRowInserter(rowFunction, conn, 'acct', 'run-2');
      mine.add(row(4));
      await mine.finish();
      expect((await otherConn.runAndReadAll('SELECT account, source, ResourceId FROM cost_row')).getRows()).toEqual([['other', 'run-9', 'vm-3']]);
      expect((await conn.runAndReadAll('SELECT account, source, ResourceId FROM cost_row')).getRows()).toEqual([['acct', 'run-2', 'vm-4']]);
      otherConn.closeSync();
      otherInstance.closeSync();
    } finally {
      await other.cleanup();
    }
    conn.closeSync();
  });
});

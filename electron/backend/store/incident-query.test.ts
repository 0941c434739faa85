/**
 * The fleet, whole and folded, comes back from DuckDB as one JSON text (jsonRows): its rows must be the rows the engine
 * computed, field for field, with money exact (text, never a float) and ids as they were written.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionPool } from './db';
import { loadFleet, loadFleetFolded } from './incident-query';
import { openStore, STORE_FILE } from './index';
import { account, batchesOf, resource, run, tempDataDir } from './test-support';

const NAMED = 'vm-"ünïcode" \\ named';

describe('the fleet folded for incident matching', () => {
  let instance: DuckDBInstance;
  let pool: ConnectionPool;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    const store = await openStore(temp.dir, { now: () => new Date('2026-11-25T12:00:00Z') });
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([
        // Alike: folded, their prices summed exactly (0.1 + 0.2 is not 0.3 in a float).
        resource('a', { gpuCount: 8, hourlyPrice: '0.1' }),
        resource('b', { gpuCount: 4, hourlyPrice: '0.2' }),
        resource('c', { gpuCount: 2, hourlyPrice: '12345678901234567.0000000001' }),
        resource('no-price', { gpuCount: 1, hourlyPrice: null, region: 'westus' }),
        resource(NAMED, { gpuCount: 2, hourlyPrice: '7.25' }),
      ]),
    );
    await store.close();
    instance = await DuckDBInstance.create(join(temp.dir, STORE_FILE));
    pool = await ConnectionPool.create(instance, 1);
  });
  afterEach(async () => {
    await pool.close();
    instance.closeSync();
    await cleanup();
  });

  it('keeps named machines apart and sums the others exactly, as text', async () => {
    const folded = await loadFleetFolded(pool, [NAMED]);
    const byId = new Map(folded.map((m) => [`${m.region} ${m.id}`, m]));
    const eastus = byId.get('eastus folded');
    expect(eastus).toMatchObject({ account: 'acct', gpuCount: 14, hourlyPrice: '12345678901234567.3000000001', demo: false });
    expect(byId.get('westus folded')).toMatchObject({ gpuCount: 1, hourlyPrice: null });
    const named = byId.get(`eastus ${NAMED}`);
    expect(named).toMatchObject({ gpuCount: 2, hourlyPrice: '7.2500000000' });
    expect(folded).toHaveLength(3);
    // Every field as the row-by-row read gives it (same keys, same types).
    const plain = (await loadFleet(pool)).find((m) => m.id === NAMED);
    expect(named).toEqual(plain);
  });

  it('gives the folded rows an id no named machine has, even one named like them', async () => {
    await pool.rows(`UPDATE resource SET id = 'folded' WHERE id = 'c'`);
    await pool.rows(`UPDATE resource SET id = 'folded**' WHERE id = 'no-price'`);
    const folded = await loadFleetFolded(pool, ['folded', 'folded**', 'elsewhere']);
    const apart = folded.filter((m) => m.id === 'folded' || m.id === 'folded**');
    expect(new Map(apart.map((m) => [m.id, m.gpuCount]))).toEqual(new Map([['folded', 2], ['folded**', 1]]));
    const rest = folded.filter((m) => !apart.includes(m));
    expect(new Set(rest.map((m) => m.id))).toEqual(new Set(['folded********']));
    expect(rest.reduce((n, m) => n + m.gpuCount, 0)).toBe(14);
  });

  it('reads the whole fleet exactly as a read value by value gives it', async () => {
    const byValue = await pool.rows<{ id: string }>(
      `SELECT account, id, cloud, region, gpu_model AS "gpuModel", gpu_count::INTEGER AS "gpuCount",
              power_state AS "powerState", hourly_price::VARCHAR AS "hourlyPrice", currency, demo FROM resource`,
    );
    const byId = (list: readonly { id: unknown }[]) => [...list].sort((x, y) => String(x.id).localeCompare(String(y.id)));
    const fleet = await loadFleet(pool);
    expect(byId(fleet)).toEqual(byId(byValue));
    expect(fleet.find((m) => m.id === 'c')).toMatchObject({ gpuCount: 2, hourlyPrice: '12345678901234567.0000000001' });
  });

  it('gives an empty list for an empty fleet', async () => {
    await pool.rows('DELETE FROM resource');
    expect(await loadFleetFolded(pool, [])).toEqual([]);
    expect(await loadFleet(pool)).toEqual([]);
  });
});

import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionPool, rows } from './db';
import { StoreClosedError } from './errors';

describe('the read pool closing', () => {
  let instance: DuckDBInstance;
  beforeEach(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterEach(() => instance.closeSync());

  it('lets the read running finish, refuses the one waiting and any later, then closes', async () => {
    const pool = await ConnectionPool.create(instance, 1);
    const events: string[] = [];
    let startQuery!: () => void;
    const queryMayStart = new Promise<void>((resolve) => (startQuery = resolve));
    const running = pool.use(async (conn) => {
      // The read's query starts only after close() was asked: closing must wait for it.
      await queryMayStart;
      const answer = await rows<{ n: number }>(conn, 'SELECT 42 AS n');
      events.push('read finished');
      return answer;
    });
    const waiting = pool.use((conn) => rows(conn, 'SELECT 1 AS n')).then(() => 'lent', (error: unknown) => error);
    const closing = pool.close().then(() => events.push('closed'));
    startQuery();
    expect(await running).toEqual([{ n: 42 }]);
    expect(await waiting).toBeInstanceOf(StoreClosedError);
    await closing;
    expect(events).toEqual(['read finished', 'closed']);
    await expect(pool.rows('SELECT 1')).rejects.toBeInstanceOf(StoreClosedError);
  });
});

/** The spend area: its reads on the reader pool and its writes through the store's write(). */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ConnectionPool } from '../db';
import type { Write } from '../write';
import { createSpendReader } from './reader';
import type { SpendArea } from './types';
import { createSpendWriter } from './writer';

export type { CostAccount, SpendArea, SpendReader, SpendWriter } from './types';

export function createSpendArea(instance: DuckDBInstance, pool: ConnectionPool, write: Write, now: () => Date): SpendArea {
  return { ...createSpendReader(pool, now), ...createSpendWriter(instance, write, now) };
}

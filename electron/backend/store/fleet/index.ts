/** The fleet area: its reader on the reader pool and its writer through the store's write(). */
import type { DuckDBInstance } from '@duckdb/node-api';
import { methodsOf } from '../compose';
import type { ConnectionPool } from '../db';
import type { Write } from '../write';
import { DuckFleetReader } from './reader';
import { keptInventoryReads } from './resource-rows';
import type { FleetArea, FleetReader, FleetWriter } from './types';
import { DuckFleetWriter } from './writer';

export type { FleetArea, FleetReader, FleetWriter } from './types';

export function createFleetArea(instance: DuckDBInstance, pool: ConnectionPool, write: Write, now: () => Date): FleetArea {
  const writer = new DuckFleetWriter(instance, write, now);
  return {
    ...methodsOf<FleetReader>(new DuckFleetReader(pool, now, keptInventoryReads(pool, () => writer.inventoryChanges()))),
    ...methodsOf<FleetWriter>(writer),
  };
}

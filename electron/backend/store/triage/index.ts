/** The triage area: its reader on the reader pool and its writer through the store's write(). */
import { methodsOf } from '../compose';
import type { ConnectionPool } from '../db';
import type { InventoryOf } from '../fleet/resource-rows';
import type { Write } from '../write';
import { createTriageReader } from './reader';
import type { TriageArea, TriageWriter } from './types';
import { DuckTriageWriter } from './writer';

export type { DerivedChanges, TriageArea, TriageReader, TriageWriter } from './types';

/** The triage area; `inventoryOf` reads an account's inventory for the derived signals. */
export function createTriageArea(
  pool: ConnectionPool,
  write: Write,
  now: () => Date,
  inventoryOf: InventoryOf,
): TriageArea {
  return { ...createTriageReader(pool, inventoryOf), ...methodsOf<TriageWriter>(new DuckTriageWriter(pool, write, now)) };
}

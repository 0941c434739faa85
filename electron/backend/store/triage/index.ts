/** The triage area: its reader on the reader pool and its writer through the store's write(). */
import { methodsOf } from '../compose';
import type { ConnectionPool } from '../db';
import type { Write } from '../write';
import { createTriageReader } from './reader';
import type { TriageArea, TriageWriter } from './types';
import { DuckTriageWriter } from './writer';

export type { DerivedChanges, TriageArea, TriageReader, TriageWriter } from './types';

export function createTriageArea(pool: ConnectionPool, write: Write, now: () => Date): TriageArea {
  return { ...createTriageReader(pool), ...methodsOf<TriageWriter>(new DuckTriageWriter(pool, write, now)) };
}

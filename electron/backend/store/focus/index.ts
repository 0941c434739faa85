/** The FOCUS area: export on the reader pool, import through the store's write() and cost-write queue. */
import type { DuckDBInstance } from '@duckdb/node-api';
import { queueCostWrite } from '../cost-write-queue';
import type { ConnectionPool } from '../db';
import type { Write } from '../write';
import { exportFocusCsv } from './export';
import { importFocusFiles } from './import';
import type { FocusArea } from './types';

export type { FocusArea, FocusReader, FocusWriter } from './types';
export {
  FocusImportError,
  FocusImportTooLargeError,
  type FocusImportLimits,
  type FocusImportOptions,
  type FocusImportProgress,
  type FocusImportResult,
} from './import';

export function createFocusArea(instance: DuckDBInstance, pool: ConnectionPool, write: Write, now: () => Date): FocusArea {
  return {
    exportFocusCsv: (query, file) => pool.use((conn) => exportFocusCsv(conn, query, file)),
    // Queued with every other cost write of this store, so two imports of one file never both insert.
    importFocus: (files, account, onProgress, options) =>
      queueCostWrite(instance, () => importFocusFiles(write, files, account, now(), onProgress, options)),
  };
}

/** The FOCUS area of the store: FOCUS files in (import, a write) and out (export, a read). */
import type { CostReportQuery } from '../../../../shared/contract-spend';
import type { FocusImportOptions, FocusImportProgress, FocusImportResult } from './import';

/** FOCUS export: reads cost rows into a file. */
export interface FocusReader {
  /** Writes the FOCUS CSV of the query's period and filter; returns the rows written. */
  exportFocusCsv(query: CostReportQuery, file: string): Promise<number>;
}

/** FOCUS import: one transaction replacing the billing periods the files hold. */
export interface FocusWriter {
  /**
   * Validates and imports FOCUS files into `account`; replaces the billing periods they hold. With
   * `options.sync` the files are a connector's export and the sync run is recorded with them.
   */
  importFocus(
    files: readonly string[],
    account: string,
    onProgress?: (p: FocusImportProgress) => void,
    options?: FocusImportOptions,
  ): Promise<FocusImportResult>;
}

export interface FocusArea extends FocusReader, FocusWriter {}

/**
 * Handlers of the spend channels (shared/contract-spend.ts): cost reports, filter options, GPU-hour
 * prices, budgets, exports in every format, FOCUS import with progress events, saved reports.
 */
import { basename } from 'node:path';
import { ApiError, type ApiHandlers, type AppEvent } from '../../../shared/contract';
import type { FocusImportSummary, spendChannels } from '../../../shared/contract-spend';
import type { PdfPrinter } from '../reports/pdf';
import { renderReport } from '../reports/render';
import { FocusImportError, FocusImportTooLargeError, type FocusImportLimits } from '../store/focus/import';
import { importAccountRefusal, type AccountNamesSource } from './imported-accounts';

/** A file refused only for passing an import limit (serve answers 413, not 400). */
export class FocusTooLargeApiError extends ApiError {
  constructor(message: string) {
    super('bad-request', message);
    this.name = 'FocusTooLargeApiError';
  }
}
import type { FleetStore } from '../store/types';

export type SpendHandlers = Pick<ApiHandlers, keyof typeof spendChannels>;

export interface SpendApiOptions {
  store: FleetStore;
  now: () => Date;
  /** Prints PDF reports (Chromium in serve mode, printToPDF in the app); absent: PDF is refused. */
  printPdf?: PdfPrinter;
  /** Where FOCUS import progress goes (the app's event stream). */
  emit?: (event: AppEvent) => void;
  /** The configured and imported accounts an import's account name is checked against (imported-accounts.ts). */
  accountNames: AccountNamesSource;
}

/** Builds the spend handlers. */
export function createSpendHandlers(options: SpendApiOptions): SpendHandlers {
  const { store, now, printPdf, emit, accountNames } = options;
  return {
    'spend:report': (query) => store.costReport(query),
    'spend:filter-options': () => store.spendFilterOptions(),
    'spend:gpu-hour-prices': async (req) => ({
      prices: await store.gpuHourPrices(req.from, req.to, req.filter ?? { clouds: [], accounts: [], regions: [], services: [], gpuModels: [], tags: {} }),
    }),
    'spend:budgets': async (req) => ({ budgets: await store.budgets(req.asOf === undefined ? now() : new Date(req.asOf)) }),
    'spend:budget-save': async (budget) => {
      await store.saveBudget(budget);
      return { id: budget.id };
    },
    'spend:budget-delete': async (req) => ({ deleted: await store.deleteBudget(req.id) }),
    'spend:export': async (req) => {
      if (req.format === 'pdf' && printPdf === undefined) {
        throw new ApiError('bad-request', 'PDF export is not available in this backend (no printer); export CSV or XLSX');
      }
      const rendered = await renderReport(store, req.query, req.format, printPdf);
      return { fileName: rendered.fileName, mimeType: rendered.mimeType, base64: rendered.bytes.toString('base64') };
    },
    'spend:import-focus': async (req) => {
      // The same rule as serve's upload: the account ends up configured or listed (and removable) as imported.
      const refusal = await importAccountRefusal(req.account, accountNames);
      if (refusal !== null) throw new ApiError('bad-request', refusal);
      return importFocusWithEvents(store, req.files, req.account, emit);
    },
    'reports:list': async () => ({ reports: await store.reportDefinitions() }),
    'reports:save': async (definition) => {
      if (definition.schedule !== 'none' && definition.folder === null) {
        throw new ApiError('bad-request', 'a scheduled report needs a folder to write into');
      }
      await store.saveReportDefinition(definition);
      return { id: definition.id };
    },
    'reports:delete': async (req) => ({ deleted: await store.deleteReportDefinition(req.id) }),
  };
}

/**
 * Imports FOCUS files into the store, sending progress (files named by their base name only, so no
 * folder of the backend host reaches a browser) and data-changed; a refused file becomes ApiError
 * bad-request with the importer's message (file, row, column). Used by the channel and by serve's upload.
 */
export async function importFocusWithEvents(
  store: FleetStore,
  files: readonly string[],
  account: string,
  emit?: (event: AppEvent) => void,
  limits?: FocusImportLimits,
): Promise<FocusImportSummary> {
  try {
    const result = await store.importFocus(
      [...files],
      account,
      (p) => emit?.({ type: 'focus-import-progress', account, file: basename(p.file), phase: p.phase, rows: p.rows, totalRows: p.totalRows }),
      limits,
    );
    emit?.({ type: 'data-changed', account, streams: ['costs'] });
    return result;
  } catch (error) {
    if (error instanceof FocusImportError) {
      emit?.({ type: 'focus-import-progress', account, file: basename(error.file), phase: 'failed', rows: 0, totalRows: 0 });
      if (error instanceof FocusImportTooLargeError) throw new FocusTooLargeApiError(error.message);
      throw new ApiError('bad-request', error.message);
    }
    throw error;
  }
}

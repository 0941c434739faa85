/** The spend side of the API tests' fake store: small fixed answers that satisfy the contract. */
import type { CostReport, CostReportQuery } from '../../../../shared/contract-spend';
import type { FocusArea, SpendArea } from '../../store/types';

/** A fake of the store's spend and FOCUS areas (a cost sync's writeCosts aside); `record` notes every call. */
export function fakeSpend(record: (method: string, args: unknown[]) => void): Omit<SpendArea, 'writeCosts'> & FocusArea {
  const report = (query: CostReportQuery): CostReport => {
    const amounts = { currency: 'USD', billed: '1000.00', effective: '950.00', estimated: '0.00', rows: 3 };
    return {
      query,
      title: `Cloud spend ${query.from} to ${query.to}`,
      generatedAt: '2026-11-25T12:00:00.000Z',
      totals: [amounts],
      groupings: query.groupBy.map((key) => ({ key, label: key, rows: [{ ...amounts, keys: ['azure'] }] })),
      groups: [{ ...amounts, keys: query.groupBy.map(() => 'azure') }],
      daily: [{ day: query.from, currency: 'USD', billed: '1000.00', estimated: '0.00' }],
      demo: true,
    };
  };
  return {
    async importFocus(files, account) {
      record('importFocus', [files, account]);
      return { account, files: [], rows: 0, replacedRows: 0 };
    },
    async costReport(query) {
      record('costReport', [query]);
      return report(query);
    },
    async spendFilterOptions() {
      return { accounts: ['demo'], regions: ['eastus'], services: ['Virtual Machines'], gpuModels: ['H100'], tagKeys: ['team'], firstDay: '2026-11-01', lastDay: '2026-11-25' };
    },
    async exportFocusCsv(query, file) {
      record('exportFocusCsv', [query, file]);
      return 0;
    },
    async gpuHourPrices() {
      return [];
    },
    async budgets() {
      return [];
    },
    async saveBudget(budget) {
      record('saveBudget', [budget]);
    },
    async deleteBudget() {
      return false;
    },
    async reportDefinitions() {
      return [];
    },
    async saveReportDefinition(definition) {
      record('saveReportDefinition', [definition]);
    },
    async deleteReportDefinition() {
      return false;
    },
    async recordReportRun() {},
    async costAccounts() {
      record('costAccounts', []);
      return [];
    },
  };
}

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../shared/contract-spend';
import type { FleetStore } from '../store/types';
import { batchesOf, run } from '../store/test-support';
import { useTempStore } from '../store/testing/use-temp-store';

const ORACLE = join(fileURLToPath(new URL('./testing/fixtures/', import.meta.url)), 'focus_1.0_sample_oracle.csv');
const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const query = CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['account'] });

describe('concurrent FOCUS imports into one store', () => {
  let store: FleetStore;

  useTempStore({ now: fixedNow, cacheOverview: false }, (temp) => {
    ({ store } = temp);
  });

  const billed = async (): Promise<string[]> => (await store.costReport(query)).totals.map((t) => `${t.currency} ${t.billed} ${t.rows}`);

  it('four imports of the same file at once: all succeed and the bill counts once', async () => {
    await store.importFocus([ORACLE], 'oci-reference');
    const once = await billed();
    await store.removeAccount('oci-reference');

    const results = await Promise.allSettled([1, 2, 3, 4].map(() => store.importFocus([ORACLE], 'oci-billing')));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(await billed()).toEqual(once);
    // Each later import replaced the earlier one's 7 rows.
    const replaced = results.map((r) => (r.status === 'fulfilled' ? r.value.replacedRows : -1)).sort();
    expect(replaced).toEqual([0, 7, 7, 7]);
  });

  it('with the rows already there, four re-imports at once all replace and none fails', async () => {
    await store.importFocus([ORACLE], 'oci-billing');
    const once = await billed();
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => store.importFocus([ORACLE], 'oci-billing')));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.replacedRows : String(r.reason)))).toEqual([7, 7, 7, 7]);
    expect(await billed()).toEqual(once);
  });

  it("a connector's cost sync of the same account at the same time never fails the import", async () => {
    await store.importFocus([ORACLE], 'oci-billing');
    const sync = store.writeCosts(run('oci-billing', 'costs'), { from: Date.parse('2024-09-01T00:00:00Z'), to: Date.parse('2024-09-02T00:00:00Z') }, batchesOf([]));
    const imports = [1, 2].map(() => store.importFocus([ORACLE], 'oci-billing'));
    const results = await Promise.allSettled([sync, ...imports]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect((await billed())[0]).toMatch(/ 7$/);
  });
});

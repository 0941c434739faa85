import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { CloudId, ProviderId } from '../../../../shared/domain';
import { cloudOfCostRow } from '../../domain/cost-row-cloud';
import { COST_VIEW_SQL } from './cost-report-query';
import { exec, rows, sqlString } from '../db';

/** Accounts as the store may hold them: a connector (or none, for an imported FOCUS file) and inventory clouds. */
const ACCOUNTS: { name: string; provider: ProviderId | null; inventory: CloudId[] }[] = [
  { name: 'k8s-on-coreweave', provider: 'kubernetes', inventory: ['coreweave'] },
  { name: 'azure-and-gcp', provider: 'azure', inventory: ['azure', 'gcp'] },
  { name: 'azure-empty', provider: 'azure', inventory: [] },
  { name: 'oci-empty', provider: 'oci', inventory: [] },
  { name: 'k8s-empty', provider: 'kubernetes', inventory: [] },
  { name: 'demo', provider: 'demo', inventory: ['azure'] },
  { name: 'imported', provider: null, inventory: [] },
];

const PROVIDER_NAMES = [
  'Microsoft',
  'MICROSOFT AZURE',
  'Google Cloud',
  'GCP reseller',
  'Oracle',
  'OCI',
  'CoreWeave',
  'Amazon Web Services',
  'AWS',
  'Lambda Labs',
  '',
];

describe('the cloud of a cost row', () => {
  it('is the same in TypeScript (overview, spend) and in the SQL of reports and budgets, on every row', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      // The columns COST_VIEW_SQL reads, nothing more.
      await exec(
        conn,
        `CREATE TABLE account (name VARCHAR, provider VARCHAR);
         CREATE TABLE resource (account VARCHAR, id VARCHAR, cloud VARCHAR, gpu_model VARCHAR, gpu_count INTEGER,
                                hourly_price DECIMAL(38,10), currency VARCHAR, demo BOOLEAN);
         CREATE TABLE cost_row (account VARCHAR, row_id INTEGER, ProviderName VARCHAR, ResourceId VARCHAR,
                                ChargePeriodStart TIMESTAMP, ChargePeriodEnd TIMESTAMP, is_estimate BOOLEAN);
         CREATE TABLE cost_day (account VARCHAR, is_estimate BOOLEAN, last_end TIMESTAMP);`,
      );
      const expected = new Map<number, CloudId>();
      let rowId = 0;
      for (const a of ACCOUNTS) {
        if (a.provider) await exec(conn, `INSERT INTO account VALUES (${sqlString(a.name)}, ${sqlString(a.provider)})`);
        for (const [i, cloud] of a.inventory.entries()) {
          await exec(conn, `INSERT INTO resource VALUES (${sqlString(a.name)}, 'vm-${i}', ${sqlString(cloud)}, NULL, 1, NULL, 'USD', false)`);
        }
        for (const name of PROVIDER_NAMES) {
          rowId++;
          await exec(
            conn,
            `INSERT INTO cost_row VALUES (${sqlString(a.name)}, ${rowId}, ${sqlString(name)}, NULL,
               TIMESTAMP '2026-11-24 00:00:00', TIMESTAMP '2026-11-24 01:00:00', false)`,
          );
          expected.set(rowId, cloudOfCostRow(a.inventory, name, a.provider ?? undefined));
        }
      }
      // The day sums' columns the view reads (each account's last billed instant), as the cost writes keep them.
      await exec(conn, 'INSERT INTO cost_day SELECT account, is_estimate, max(ChargePeriodEnd) FROM cost_row GROUP BY ALL');
      const got = await rows<{ row_id: number; cloud: string }>(conn, `SELECT row_id, cloud FROM (${COST_VIEW_SQL}) ORDER BY row_id`);
      expect(got).toHaveLength(expected.size);
      expect(Object.fromEntries(got.map((r) => [r.row_id, r.cloud]))).toEqual(Object.fromEntries(expected));
      // The cases above reach every branch of the rule.
      expect(new Set(expected.values())).toEqual(new Set(['coreweave', 'azure', 'gcp', 'oci', 'aws', 'other']));
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

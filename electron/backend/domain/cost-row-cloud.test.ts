import { describe, expect, it } from 'vitest';
import { cloudOfCostRow, cloudOfProvider, cloudOfProviderName, costRowCloudSql } from './cost-row-cloud';

describe('the cloud of a cost row', () => {
  it('goes to the only cloud of its account inventory first', () => {
    expect(cloudOfCostRow(['coreweave'], 'Microsoft', 'kubernetes')).toBe('coreweave');
  });
  it('then by ProviderName, ignoring case', () => {
    expect(cloudOfCostRow(['azure', 'gcp'], 'Google Cloud', 'azure')).toBe('gcp');
    expect(cloudOfProviderName('MICROSOFT')).toBe('azure');
    expect(cloudOfProviderName('Amazon Web Services')).toBe('aws');
    expect(cloudOfProviderName('Lambda Labs')).toBeNull();
  });
  it("then by the account's connector, else other", () => {
    expect(cloudOfCostRow(undefined, 'Lambda Labs', 'oci')).toBe('oci');
    expect(cloudOfCostRow([], 'Lambda Labs', 'kubernetes')).toBe('other');
    expect(cloudOfCostRow(undefined, '', undefined)).toBe('other');
    expect(cloudOfProvider('demo')).toBeNull();
  });
  it('writes the same rule as one SQL expression over the given columns', () => {
    const sql = costRowCloudSql({ onlyCloud: 'ac.only_cloud', providerName: 'c.ProviderName', provider: 'a.provider' });
    expect(sql).toMatch(/^coalesce\(ac\.only_cloud, CASE WHEN regexp_matches\(c\.ProviderName, '\(\?i\)microsoft\|azure'\) THEN 'azure'/);
    expect(sql).toContain("CASE a.provider WHEN 'azure' THEN 'azure'");
    expect(sql).toMatch(/'other'\)$/);
  });
});

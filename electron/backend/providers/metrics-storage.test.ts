/**
 * `storage` on an account's metrics source: "raw" by default, "rollups" where the source is
 * Prometheus-compatible and the connector can answer a machine's minutes, refused with the reason
 * elsewhere; the error names the field.
 */
import { describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../shared/config';
import { createConnector, parseAccountConfig } from './registry';
import { ConfigIssuesError } from './types';

const parse = (raw: Record<string, unknown>): AccountConfigBase => parseAccountConfig({ name: 'acct', ...raw } as unknown as AccountConfigBase);

function issues(raw: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parse(raw);
  } catch (err) {
    if (err instanceof ConfigIssuesError) return [...err.issues];
    throw err;
  }
  return [];
}

const k8s = (prometheus: Record<string, unknown>) => ({ provider: 'kubernetes', prometheus: { url: 'http://127.0.0.1:9090', ...prometheus } });
const azure = (prometheus: Record<string, unknown>) => ({
  provider: 'azure',
  prometheus: { queryEndpoint: 'https://ws-1.eastus.prometheus.monitor.azure.com', ...prometheus },
});
const amp = (prometheus: Record<string, unknown>) => ({
  provider: 'aws',
  metrics: { prometheus: { url: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1', region: 'us-east-1', ...prometheus } },
});

describe('metrics storage in the account config', () => {
  it('is "raw" unless the Prometheus-compatible source says "rollups", and the connector tells the sync engine', async () => {
    for (const make of [k8s, azure, amp]) {
      expect((await createConnector(parse(make({})))).metricsStorage).toBe('raw');
      const rollups = await createConnector(parse(make({ storage: 'rollups' })));
      expect(rollups.metricsStorage).toBe('rollups');
      expect(typeof rollups.machineSeries).toBe('function');
    }
    expect((await createConnector(parse({ provider: 'coreweave', prometheus: { url: 'http://127.0.0.1:9090', storage: 'rollups' } }))).metricsStorage).toBe('rollups');
  });

  it('names the field and the values it takes when the value is wrong', () => {
    expect(issues(k8s({ storage: 'rollup' }))).toEqual([
      { path: 'prometheus.storage', message: 'expected "raw" (keep every minute here) or "rollups" (keep 5-minute rollups here, minutes stay in the source)' },
    ]);
    expect(issues(azure({ storage: 5 }))[0]?.path).toBe('prometheus.storage');
    expect(issues(amp({ storage: 'rollup' }))[0]?.path).toBe('metrics.prometheus.storage');
  });

  it('refuses "rollups" where the source cannot answer a machine\'s minutes, saying why', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ provider: 'aws', metrics: { cloudwatch: { storage: 'rollups' } } }, 'metrics.cloudwatch.storage', /CloudWatch/],
      [{ provider: 'gcp', monitoring: { storage: 'rollups' } }, 'monitoring.storage', /Cloud Monitoring/],
      [{ provider: 'oci', monitoring: { storage: 'rollups' } }, 'monitoring.storage', /OCI Monitoring/],
    ];
    for (const [raw, path, why] of cases) {
      const found = issues(raw).find((i) => i.path === path);
      expect(found, path).toBeDefined();
      expect(found!.message).toMatch(/"rollups" needs a Prometheus-compatible source/);
      expect(found!.message).toMatch(why);
    }
    // "raw" spelled out stays valid there.
    expect(issues({ provider: 'gcp', monitoring: { storage: 'raw' } }).filter((i) => i.path.endsWith('storage'))).toEqual([]);
  });
});

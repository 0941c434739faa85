import { describe, expect, it } from 'vitest';
import { parseAccountConfig } from '../registry';
import { nearestField } from './config-issues';
import { ConfigIssuesError } from '../types';

function issuesOf(entry: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parseAccountConfig(entry as Parameters<typeof parseAccountConfig>[0]);
  } catch (error) {
    if (error instanceof ConfigIssuesError) return [...error.issues];
    throw error;
  }
  throw new Error('accepted');
}

describe('account entries are strict, and a typo gets the field it probably meant', () => {
  it.each([
    [{ name: 'gpu-cluster', provider: 'kubernetes', kubconfig: '/etc/k.yaml' }, 'kubconfig', 'kubeconfig'],
    [{ name: 'lab', provider: 'demo', enable: false }, 'enable', 'enabled'],
    [{ name: 'train', provider: 'gcp', projectID: ['p-1'] }, 'projectID', 'projectIds'],
    [{ name: 'prod', provider: 'azure', subscriptionId: ['00000000-0000-0000-0000-000000000000'] }, 'subscriptionId', 'subscriptionIds'],
    [{ name: 'oci-a', provider: 'oci', regoins: ['us-ashburn-1'] }, 'regoins', 'regions'],
    [{ name: 'cw', provider: 'coreweave', statusFed: { enabled: false } }, 'statusFed', 'statusFeed'],
  ])('%o', (entry, typed, meant) => {
    expect(issuesOf(entry)).toContainEqual({ path: typed, message: `unknown field (did you mean "${meant}"?)` });
  });

  it('names the path of a nested unknown field', () => {
    expect(issuesOf({ name: 'gpu-cluster', provider: 'kubernetes', prometheus: { urll: 'http://127.0.0.1:9090' } })).toContainEqual({
      path: 'prometheus.urll',
      message: 'unknown field (did you mean "url"?)',
    });
  });

  it('suggests nothing for a name far from every field', () => {
    expect(nearestField('colour', ['kubeconfig', 'context', 'endpoint'])).toBeNull();
    expect(issuesOf({ name: 'lab', provider: 'demo', colour: 'blue' })).toEqual([{ path: 'colour', message: 'unknown field' }]);
  });
});

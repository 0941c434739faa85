import { describe, expect, it } from 'vitest';
import { formatHash, parentPage, parseHash } from './route';

describe('hash routes', () => {
  it('parses the three pages, decoding resource ids that contain slashes', () => {
    expect(parseHash('').page).toEqual({ name: 'overview' });
    expect(parseHash('#/').page).toEqual({ name: 'overview' });
    expect(parseHash('#/cloud/azure').page).toEqual({ name: 'cloud', cloud: 'azure' });
    // An on-premises cluster is its own entry, keyed by its site or account.
    expect(parseHash(formatHash({ name: 'cloud', cloud: 'other:Frankfurt lab' })).page).toEqual({ name: 'cloud', cloud: 'other:Frankfurt lab' });
    expect(parseHash('#/cloud/other').page.name).toBe('not-found');
    const id = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm 1';
    expect(parseHash(`#/resource/prod/${encodeURIComponent(id)}`).page).toEqual({ name: 'resource', account: 'prod', id });
    expect(parseHash('#/cloud/mars').page.name).toBe('not-found');
    expect(parseHash('#/resource/prod/%E0%A4%A').page.name).toBe('not-found');
  });

  it('parses the machine table of every cloud, and its unlinked whole-fleet variant', () => {
    expect(parseHash('#/machines').page).toEqual({ name: 'machines', wholeFleet: false });
    expect(parseHash('#/machines?region=eastus').params.filter.regions).toEqual(['eastus']);
    expect(parseHash('#/machines?rows=all').page).toEqual({ name: 'machines', wholeFleet: true });
    expect(parseHash(formatHash({ name: 'machines', wholeFleet: false })).page).toEqual({ name: 'machines', wholeFleet: false });
    expect(parentPage({ name: 'machines', wholeFleet: false })).toEqual({ name: 'overview' });
  });

  it('round-trips filters, range and asOf through the query string', () => {
    const params = {
      filter: { clouds: ['gcp' as const], regions: ['us-central1', 'europe-west4'], gpuModels: ['NVIDIA L4'] },
      range: '7d' as const,
      asOf: '2026-11-25T14:05:00Z',
    };
    const hash = formatHash({ name: 'cloud', cloud: 'gcp' }, params);
    expect(hash.startsWith('#/cloud/gcp?')).toBe(true);
    expect(parseHash(hash)).toEqual({ page: { name: 'cloud', cloud: 'gcp' }, params });
    expect(formatHash({ name: 'overview' })).toBe('#/');
  });

  it('ignores unknown clouds and ranges in the query string', () => {
    const { params } = parseHash('#/?cloud=azure&cloud=mars&range=2y');
    expect(params.filter.clouds).toEqual(['azure']);
    expect(params.range).toBe('24h');
  });

  it('goes up from a resource to its cloud, and from a cloud to the fleet', () => {
    expect(parentPage({ name: 'resource', account: 'a', id: 'x' }, 'oci')).toEqual({ name: 'cloud', cloud: 'oci' });
    expect(parentPage({ name: 'cloud', cloud: 'oci' })).toEqual({ name: 'overview' });
    expect(parentPage({ name: 'overview' })).toBeNull();
  });
});

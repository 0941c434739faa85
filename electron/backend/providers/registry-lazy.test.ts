/**
 * The registry loads a provider's SDK only with the first connector of that provider: validating
 * accounts and building a demo (or any one cloud's) connector must not load every cloud's SDK, which
 * together hold about 180 MB of heap.
 */
import { describe, expect, it, vi } from 'vitest';
import { AccountConfigBase } from '../../../shared/config';
import { ConfigIssuesError } from './types';

const loaded = vi.hoisted(() => new Set<string>());

// Each mock records the SDK's first import and hands back the real module.
vi.mock('@aws-sdk/client-ec2', async (real) => (loaded.add('aws'), await real()));
vi.mock('@azure/arm-compute', async (real) => (loaded.add('azure'), await real()));
vi.mock('@google-cloud/compute', async (real) => (loaded.add('gcp'), await real()));
vi.mock('oci-core', async (real) => (loaded.add('oci'), await real()));
vi.mock('@kubernetes/client-node', async (real) => (loaded.add('kubernetes'), await real()));

/** Each provider's template for the accounts screen, as an account entry. */
async function accountTemplates(): Promise<AccountConfigBase[]> {
  const { providers } = await import('./registry');
  return providers.info().map((p) => AccountConfigBase.parse(p.template));
}

function templateOf(templates: readonly AccountConfigBase[], provider: string): AccountConfigBase {
  const template = templates.find((t) => t.provider === provider);
  if (!template) throw new Error(`no template for ${provider}`);
  return template;
}

describe('provider registry loading', () => {
  it('validates every provider and builds a demo connector without loading any cloud SDK', async () => {
    const { createConnector, parseAccountConfig } = await import('./registry');
    const templates = await accountTemplates();
    expect(templates.map((t) => t.provider)).toEqual(expect.arrayContaining(['demo', 'aws', 'azure', 'gcp', 'oci', 'kubernetes', 'coreweave']));
    for (const template of templates) {
      // A template's placeholders may not pass its provider's schema: validating is what counts here.
      try {
        parseAccountConfig(template);
      } catch (error) {
        if (!(error instanceof ConfigIssuesError)) throw error;
      }
    }
    expect((await createConnector(templateOf(templates, 'demo'))).provider).toBe('demo');
    expect([...loaded]).toEqual([]);
  });

  it("loads a provider's SDK with its first connector, and only that one", async () => {
    const { createConnector } = await import('./registry');
    const templates = await accountTemplates();
    // CoreWeave is a Kubernetes cluster: its connector is the cluster provider's.
    expect((await createConnector(templateOf(templates, 'coreweave'))).provider).toBe('coreweave');
    expect([...loaded]).toEqual(['kubernetes']);
    expect((await createConnector(templateOf(templates, 'gcp'))).provider).toBe('gcp');
    expect([...loaded].sort()).toEqual(['gcp', 'kubernetes']);
  });
});

import { describe, expect, it } from 'vitest';
import { AccountConfigBase } from '../../../shared/config';
import { availableProviders, connectorFactories, createConnector, parseAccountConfig } from './registry';

describe('provider registry', () => {
  it('builds a demo connector from a config, with the provider defaults filled in', async () => {
    const config = AccountConfigBase.parse({ name: 'demo', provider: 'demo', seed: 3 });
    expect(parseAccountConfig(config)).toMatchObject({ name: 'demo', provider: 'demo', seed: 3, scale: 1 });
    const connector = createConnector(config);
    expect(connector.provider).toBe('demo');
    expect(connector.account).toBe('demo');
    expect(connector.clouds).toEqual(['azure', 'gcp', 'oci', 'coreweave']);
    const first = await connector.inventory({ signal: new AbortController().signal, now: new Date('2026-11-25T12:00:00Z') })[Symbol.asyncIterator]().next();
    expect(first.done).toBe(false);
  });

  it('names the known providers when a provider is not available', () => {
    const missing = Object.entries(connectorFactories).find(([, f]) => f === undefined)?.[0];
    if (missing === undefined) {
      console.info('every provider is registered; only the unknown-provider case applies');
    } else {
      expect(() => createConnector(AccountConfigBase.parse({ name: 'x', provider: missing }))).toThrow(
        `provider "${missing}" is not available; known: ${availableProviders().join(', ')}`,
      );
    }
    const unknown = { ...AccountConfigBase.parse({ name: 'x', provider: 'demo' }), provider: 'aws' } as unknown as AccountConfigBase;
    expect(() => createConnector(unknown)).toThrow(/provider "aws" is not available; known: .*demo/);
  });

  it('rejects invalid provider fields through the provider schema', () => {
    expect(() => parseAccountConfig(AccountConfigBase.parse({ name: 'd', provider: 'demo', scale: 0 }))).toThrow(/scale/);
  });
});

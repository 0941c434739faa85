import { describe, expect, it } from 'vitest';
import { AccountConfigBase } from '../../../shared/config';
import { ProviderId } from '../../../shared/domain';
import { createProviderSet } from './provider-set';
import { createConnector, parseAccountConfig, providers } from './registry';
import { ConfigIssuesError, type ProviderDescriptor } from './types';

/** Placeholders in angle brackets (`<subscription id>`) filled with a value of the field's usual form. */
function filled(value: unknown): unknown {
  if (typeof value === 'string') return /^<.*>$/.test(value) ? 'filled-in' : value;
  if (Array.isArray(value)) return value.map(filled);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, filled(v)]));
  return value;
}

function issuesOf(run: () => unknown): readonly { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigIssuesError) return error.issues;
    throw error;
  }
  throw new Error('accepted');
}

/**
 * A second account of each provider: what changes the account (not its name). Every provider of the
 * registry needs a row here, so a new provider's identity is tested when it is added.
 */
const anotherAccount: Record<string, Record<string, unknown>> = {
  demo: { seed: 3 },
  azure: { subscriptionIds: ['11111111-1111-4111-8111-111111111111'] },
  gcp: { projectIds: ['another-project'] },
  oci: { credential: { type: 'configFile', profile: 'ANOTHER' } },
  kubernetes: { context: 'staging' },
  coreweave: { context: 'coreweave-2' },
  aws: { profile: 'another-profile' },
};

describe('provider registry', () => {
  it('builds a demo connector from a config, with the provider defaults filled in', async () => {
    const config = AccountConfigBase.parse({ name: 'demo', provider: 'demo', seed: 3 });
    expect(parseAccountConfig(config)).toMatchObject({ name: 'demo', provider: 'demo', seed: 3, scale: 1 });
    const connector = await createConnector(config);
    expect(connector.provider).toBe('demo');
    expect(connector.account).toBe('demo');
    expect(connector.clouds).toEqual(['azure', 'gcp', 'oci', 'coreweave']);
    const first = await connector.inventory({ signal: new AbortController().signal, now: new Date('2026-11-25T12:00:00Z') })[Symbol.asyncIterator]().next();
    expect(first.done).toBe(false);
  });

  it('lists each provider once, with an id the config accepts and a label', () => {
    expect(providers.ids).toEqual(['demo', 'azure', 'gcp', 'oci', 'kubernetes', 'coreweave', 'aws']);
    for (const p of providers.info()) {
      expect(ProviderId.safeParse(p.id).success, p.id).toBe(true);
      expect(p.label.length, p.id).toBeGreaterThan(0);
    }
  });

  it("gives every provider a template its own parseConfig accepts once the placeholders are filled", () => {
    for (const p of providers.info()) {
      expect(p.template.provider, p.id).toBe(p.id);
      const entry = AccountConfigBase.parse(filled(p.template));
      expect(() => parseAccountConfig(entry), p.id).not.toThrow();
    }
  });

  it('tells two accounts of each provider apart by identity, whatever their names', () => {
    for (const { id, template } of providers.info()) {
      const variant = anotherAccount[id];
      expect(variant, `anotherAccount needs a row for ${id}`).toBeDefined();
      const one = filled(template) as Record<string, unknown>;
      const two = { ...one, ...variant };
      // The second account is valid, so the keys compare real entries.
      expect(() => parseAccountConfig(AccountConfigBase.parse(two)), id).not.toThrow();
      expect(providers.identityKey(two), id).not.toEqual(providers.identityKey(one));
      // The demo fleet is generated from its name, so for the demo the name is part of the account.
      if (id !== 'demo') expect(providers.identityKey({ ...one, name: 'renamed' }), id).toEqual(providers.identityKey(one));
    }
  });

  it('keeps the same fields of two providers apart (a coreweave and a kubernetes entry of one context)', () => {
    const context = { name: 'x', context: 'shared' };
    expect(providers.identityKey({ ...context, provider: 'coreweave' })).not.toEqual(providers.identityKey({ ...context, provider: 'kubernetes' }));
  });

  it("names the field, never the value, in every provider's issues", () => {
    for (const { id, template } of providers.info()) {
      const entry = AccountConfigBase.parse({ ...(filled(template) as Record<string, unknown>), tokne: 'S3CRET-VALUE' });
      const issues = issuesOf(() => parseAccountConfig(entry));
      expect(issues.map((i) => i.path), id).toContain('tokne');
      expect(JSON.stringify(issues), id).not.toContain('S3CRET');
    }
  });

  it('refuses an unknown provider with a structured issue that names the known ones', async () => {
    const entry = AccountConfigBase.parse({ name: 'x', provider: 'aws-next' });
    const issues = [{ path: 'provider', message: `unknown provider "aws-next"; known: ${providers.ids.join(', ')}` }];
    expect(issuesOf(() => parseAccountConfig(entry))).toEqual(issues);
    const refused = await createConnector(entry).then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigIssuesError);
    expect((refused as ConfigIssuesError).issues).toEqual(issues);
  });

  it('accepts any well-formed provider id in the shared config, so a new provider edits no shared file', () => {
    expect(AccountConfigBase.safeParse({ name: 'x', provider: 'lambda-labs' }).success).toBe(true);
    expect(AccountConfigBase.safeParse({ name: 'x', provider: 'Not An Id' }).success).toBe(false);
  });

  it('rejects invalid provider fields through the provider schema, as structured issues', () => {
    expect(issuesOf(() => parseAccountConfig(AccountConfigBase.parse({ name: 'd', provider: 'demo', scale: 0 })))).toEqual([
      { path: 'scale', message: expect.any(String) },
    ]);
  });

  it('derives everything from the list: a set of one fake provider knows that one only', async () => {
    const fake: ProviderDescriptor = {
      id: 'fake',
      label: 'Fake',
      clouds: ['other'],
      parseConfig: (raw) => ({ ...raw, extra: true }),
      create: async (config) => ({ provider: config.provider, account: config.name, clouds: ['other'], async *inventory() {}, async *metrics() {}, async *costs() {}, async *incidents() {} }),
      discover: async () => ({ provider: 'fake', source: 'nowhere', found: [], problems: [] }),
      identityKey: (entry) => [entry.region ?? null],
      template: { name: 'fake-1', provider: 'fake' },
    };
    const set = createProviderSet([fake]);
    expect(set.ids).toEqual(['fake']);
    expect(set.info()).toEqual([{ id: 'fake', label: 'Fake', template: { name: 'fake-1', provider: 'fake' } }]);
    expect(set.parseAccountConfig(AccountConfigBase.parse({ name: 'f', provider: 'fake' }))).toMatchObject({ extra: true });
    expect((await set.createConnector(AccountConfigBase.parse({ name: 'f', provider: 'fake' }))).account).toBe('f');
    expect(set.identityKey({ name: 'f', provider: 'fake', region: 'r1' })).toEqual(['fake', 'r1']);
    expect(set.discoverers).toHaveLength(1);
    expect(issuesOf(() => set.parseAccountConfig(AccountConfigBase.parse({ name: 'd', provider: 'demo' })))[0]?.message).toBe('unknown provider "demo"; known: fake');
    expect(() => createProviderSet([fake, fake])).toThrow(/listed twice/);
  });

  it('refuses credentials in a URL for every provider, as a structured issue', () => {
    const entry = AccountConfigBase.parse({ name: 'k', provider: 'kubernetes', prometheus: { url: 'https://alice:hunter2@prom.example.com' } });
    const issues = issuesOf(() => parseAccountConfig(entry));
    expect(issues.map((i) => i.path)).toEqual(['prometheus.url']);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });
});

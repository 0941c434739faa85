import { describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../shared/config';
import type { ConnectorDiagnostics } from '../../../shared/connector-diagnostics';
import { accountsChannels } from '../../../shared/contract-accounts';
import { AccountsService } from '../accounts/accounts-service';
import { EnvironmentOnlyVault } from '../accounts/secret-vault';
import { ociDiagnostics } from '../providers/oci/diagnostics';
import { createProviderSet } from '../providers/provider-set';
import { ConfigIssuesError, type Connector, type ProviderDescriptor } from '../providers/types';
import type { SyncEngine } from '../sync/engine';
import { createAccountsHandlers } from './accounts-handlers';
import { createFakeStore } from './testing/fake-store';

const now = () => new Date('2026-11-25T12:00:00.000Z');

function connector(extra: Partial<Connector> = {}): Connector {
  return {
    provider: 'oci',
    account: 'oci-prod',
    clouds: ['oci'],
    async *inventory() {
      yield [];
    },
    async *metrics() {},
    async *costs() {},
    async *incidents() {},
    ...extra,
  };
}

/** A provider whose entries pass as they are and whose connectors are the test's. */
function fakeProvider(id: string, label: string, connectors: Record<string, Connector>): ProviderDescriptor {
  return {
    id,
    label,
    clouds: ['oci'],
    parseConfig: (raw: AccountConfigBase) => raw,
    create: async (config: AccountConfigBase) => connectors[config.name] ?? connector(),
    identityKey: (entry) => [entry.name ?? null],
    template: { name: `${id}-prod`, provider: id, credential: { env: 'FLEETPANE_SECRET_X' } },
  };
}

function handlersWith(connectors: Record<string, Connector>, log: string[] = []) {
  const store = createFakeStore();
  const engine = { connectorOf: (name: string) => connectors[name], nextSyncAt: () => null } as unknown as SyncEngine;
  const service = new AccountsService({
    store,
    engine,
    configFile: null,
    entries: [
      { name: 'demo', provider: 'demo' },
      { name: 'oci-prod', provider: 'oci' },
    ],
    manageRefusal: 'read-only in this test',
    vault: new EnvironmentOnlyVault('not here', {}),
    providers: createProviderSet([fakeProvider('demo', 'Demo fleet', connectors), fakeProvider('oci', 'Oracle Cloud', connectors)]),
    discoveryContext: () => {
      throw new Error('no discovery in this test');
    },
    now,
    log: (line) => log.push(line),
  });
  return createAccountsHandlers({ store, now, service });
}

const diagnostics: ConnectorDiagnostics = ociDiagnostics(
  [{ compartmentId: 'ocid1.compartment.oc1..b', compartment: 'research', region: 'eu-frankfurt-1', operation: 'ListInstances', status: 'denied', message: 'NotAuthorizedOrNotFound', policy: 'Allow group <your-group> to read instance-family in compartment research', at: now().toISOString() }],
  [],
  { ListInstances: 3 },
);

describe('accounts:state diagnostics', () => {
  it('carries each running connector\'s diagnostics, and null where the connector has none', async () => {
    const handlers = handlersWith({ 'oci-prod': connector({ diagnostics: () => diagnostics }), demo: connector({ provider: 'demo', account: 'demo' }) });
    const state = accountsChannels['accounts:state'].response.parse(await handlers['accounts:state']({}));
    const byName = new Map(state.accounts.map((a) => [a.name, a]));
    expect(byName.get('oci-prod')?.diagnostics).toEqual(diagnostics);
    expect(byName.get('oci-prod')?.diagnostics?.access[0]?.fix).toMatch(/^Allow group/);
    expect(byName.get('demo')?.diagnostics).toBeNull();
  });

  it('derives the budget list from the diagnostics budget', async () => {
    const withBudget: ConnectorDiagnostics = { ...diagnostics, budget: [{ scope: 'ARM reads, subscription s', remaining: 11_000, observedAt: null, pacedRequests: 0 }] };
    const handlers = handlersWith({ 'oci-prod': connector({ diagnostics: () => withBudget }) });
    const state = await handlers['accounts:state']({});
    expect(state.accounts.find((a) => a.name === 'oci-prod')?.budget).toEqual([{ scope: 'ARM reads, subscription s', remaining: 11_000, observedAt: null }]);
  });

  it('drops diagnostics that break their schema or throw, and logs why', async () => {
    const log: string[] = [];
    const handlers = handlersWith({ 'oci-prod': connector({ diagnostics: () => ({ budget: 'lots' }) as unknown as ConnectorDiagnostics }), demo: connector({ diagnostics: () => { throw new Error('boom'); } }) }, log);
    const state = accountsChannels['accounts:state'].response.parse(await handlers['accounts:state']({}));
    expect(state.accounts.map((a) => a.diagnostics)).toEqual([null, null]);
    expect(log.join('\n')).toMatch(/oci-prod.*schema/);
    expect(log.join('\n')).toMatch(/demo.*boom/);
  });
});

describe('accounts:test identity', () => {
  it('shows the whoami identity of the connector', async () => {
    const handlers = handlersWith({
      'oci-prod': connector({ identity: async () => ({ name: 'ocid1.user.oc1..alice', kind: 'user (API signing key)', details: [{ label: 'key fingerprint', value: 'aa:bb' }], source: 'profile [DEFAULT]' }) }),
    });
    const result = accountsChannels['accounts:test'].response.parse(await handlers['accounts:test']({ name: 'oci-prod', secrets: {} }));
    expect(result.ok).toBe(true);
    expect(result.identity).toBe('ocid1.user.oc1..alice (user (API signing key); key fingerprint aa:bb)');
    expect(result.whoami?.name).toBe('ocid1.user.oc1..alice');
  });

  it('keeps the credential description when the whoami fails', async () => {
    const handlers = handlersWith({ 'oci-prod': connector({ identity: async () => { throw new Error('no'); } }) });
    const result = await handlers['accounts:test']({ name: 'oci-prod', secrets: {} });
    expect(result.whoami).toBeNull();
    expect(result.identity).toBe('OCI config profile DEFAULT');
  });
});

describe('accounts:providers', () => {
  it('lists each provider of the set with its label and template, in order', async () => {
    const handlers = handlersWith({});
    const reply = accountsChannels['accounts:providers'].response.parse(await handlers['accounts:providers']({}));
    expect(reply.providers).toEqual([
      { id: 'demo', label: 'Demo fleet', template: { name: 'demo-prod', provider: 'demo', credential: { env: 'FLEETPANE_SECRET_X' } } },
      { id: 'oci', label: 'Oracle Cloud', template: { name: 'oci-prod', provider: 'oci', credential: { env: 'FLEETPANE_SECRET_X' } } },
    ]);
  });

  it('hands out copies: a caller that edits a template does not change the next answer', async () => {
    const handlers = handlersWith({});
    const first = await handlers['accounts:providers']({});
    (first.providers[0]!.template as Record<string, unknown>).name = 'changed';
    const second = await handlers['accounts:providers']({});
    expect(second.providers[0]!.template.name).toBe('demo-prod');
  });

  it('is refused as read-only where no accounts service runs (nothing can be added there)', async () => {
    const handlers = createAccountsHandlers({ store: createFakeStore(), now });
    await expect(handlers['accounts:providers']({})).rejects.toMatchObject({ code: 'read-only' });
  });
});

describe('accounts from the provider descriptors', () => {
  /** A service over one fake provider whose parseConfig and discovery the test writes. */
  function service(provider: Partial<ProviderDescriptor>, entries: Record<string, unknown>[] = []) {
    const descriptor: ProviderDescriptor = { ...fakeProvider('fake', 'Fake', {}), ...provider };
    return new AccountsService({
      store: createFakeStore(),
      // Never written: discovery and validation only read.
      configFile: '/nonexistent/fleetpane-config.json',
      entries,
      manageRefusal: null,
      vault: new EnvironmentOnlyVault('not here', {}),
      providers: createProviderSet([descriptor]),
      discoveryContext: () => ({ home: '/nowhere', env: {}, platform: 'linux', signal: new AbortController().signal, now: now() }),
      now,
    });
  }

  it("validates with structured issues only: the provider's ConfigIssuesError as is, any other error as one issue of the entry", () => {
    const structured = service({
      parseConfig: (raw) => {
        throw new ConfigIssuesError(raw.name, 'fake', [{ path: 'region', message: 'unknown region; known: r1, r2' }, { path: 'auth.token', message: 'Required' }]);
      },
    });
    expect(structured.validate({ name: 'f', provider: 'fake' })).toEqual([
      { path: 'region', message: 'unknown region; known: r1, r2' },
      { path: 'auth.token', message: 'Required' },
    ]);
    // Text that looks like "path: message" pairs is not parsed back into fields.
    const plain = service({
      parseConfig: () => {
        throw new Error('account "f" (fake): region: bad; auth.token: missing');
      },
    });
    expect(plain.validate({ name: 'f', provider: 'fake' })).toEqual([{ path: '(entry)', message: 'account "f" (fake): region: bad; auth.token: missing' }]);
  });

  it('names the known providers for an unknown one', () => {
    expect(service({}).validate({ name: 'x', provider: 'nope' })).toEqual([{ path: 'provider', message: 'unknown provider "nope"; known: fake' }]);
  });

  it("runs each descriptor's discovery and leaves out what is configured by the descriptor's identity, whatever its name", async () => {
    const found = (name: string, region: string) => ({ name, provider: 'fake', label: region, identity: null, config: { name, provider: 'fake', region }, notes: [] });
    const s = service(
      {
        identityKey: (entry) => [entry.region ?? null],
        discover: async () => ({ provider: 'fake', source: 'fake login', found: [found('fake-r1', 'r1'), found('fake-r2', 'r2')], problems: [] }),
      },
      [{ name: 'my-own-name', provider: 'fake', region: 'r1' }],
    );
    const [result] = await s.discover();
    expect(result?.source).toBe('fake login');
    expect(result?.found.map((f) => f.name)).toEqual(['fake-r2']);
  });
});

import { describe, expect, it } from 'vitest';
import { ConnectorDiagnostics } from '../../../../shared/connector-diagnostics';
import { azureDiagnostics } from './diagnostics';
import { identityFromAccessToken } from './identity';

const jwt = (claims: Record<string, unknown>): string =>
  ['{"alg":"RS256","typ":"JWT"}', JSON.stringify(claims)].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.c2lnbmF0dXJl';

describe('azureDiagnostics', () => {
  it('maps each subscription read budget, sorted, with time and paced requests', () => {
    const d = azureDiagnostics([
      { subscriptionId: 'bbbb', remainingReads: 11_950, observedAt: Date.UTC(2026, 10, 25, 12), pacedRequests: 3 },
      { subscriptionId: 'aaaa', remainingReads: null, observedAt: null, pacedRequests: 0 },
    ]);
    expect(ConnectorDiagnostics.parse(d)).toEqual(d);
    expect(d.budget).toEqual([
      { scope: 'ARM reads, subscription aaaa', remaining: null, observedAt: null, pacedRequests: 0 },
      { scope: 'ARM reads, subscription bbbb', remaining: 11_950, observedAt: '2026-11-25T12:00:00.000Z', pacedRequests: 3 },
    ]);
    expect(d.access).toEqual([]);
    expect(d.unmeasured).toEqual([]);
  });

  it('passes on the failed optional calls and the unmeasured machines, sorted by region and name, in the shared shape', () => {
    const u = (name: string, region: string) => ({ resourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`, name, region, scope: 'rg', reason: `no DCGM series with Hostname = ${name}` });
    const access = [{ scope: 'subscription s', operation: 'Compute resourceSkus.list', status: 'denied' as const, message: 'Compute resourceSkus.list: Azure answered 500', fix: null, at: '2026-11-20T12:00:00.000Z' }];
    const d = azureDiagnostics([], { access, unmeasured: [u('b', 'westeurope'), u('z', 'eastus'), u('a', 'westeurope')] });
    expect(ConnectorDiagnostics.parse(d)).toEqual(d);
    expect(d.access).toEqual(access);
    expect(d.unmeasured.map((m) => m.name)).toEqual(['z', 'a', 'b']);
  });

  it('is empty before any call', () => {
    expect(azureDiagnostics([])).toEqual({ budget: [], access: [], unmeasured: [], calls: [] });
  });
});

describe('identityFromAccessToken', () => {
  it('names a user by upn with object id and tenant', () => {
    const id = identityFromAccessToken(jwt({ upn: 'alice@contoso.com', oid: 'oid-1', tid: 'tid-1', appid: '04b07795-cli', idtyp: 'user' }));
    expect(id).toEqual({
      name: 'alice@contoso.com',
      kind: 'user',
      details: [{ label: 'object id', value: 'oid-1' }, { label: 'tenant', value: 'tid-1' }],
      source: 'access token claims (decoded locally)',
    });
  });

  it('names a service principal by its app id when the token is an app token', () => {
    const id = identityFromAccessToken(jwt({ appid: 'app-9', oid: 'oid-9', tid: 'tid-1', idtyp: 'app' }));
    expect(id.kind).toBe('service principal');
    expect(id.name).toBe('app-9');
    expect(id.details).toContainEqual({ label: 'object id', value: 'oid-9' });
  });

  it('recognises a managed identity and prefers the app display name', () => {
    const id = identityFromAccessToken(jwt({ appid: 'app-7', app_displayname: 'gpu-collector', oid: 'oid-7', xms_mirid: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gpu' }));
    expect(id).toMatchObject({ name: 'gpu-collector', kind: 'managed identity' });
    expect(id.details).toContainEqual({ label: 'application id', value: 'app-7' });
  });

  it('never returns token contents beyond names and ids', () => {
    const token = jwt({ upn: 'bob@contoso.com', oid: 'o', tid: 't', secretish: 'PLANTED-CLAIM', nonce: 'n0nce' });
    const text = JSON.stringify(identityFromAccessToken(token));
    expect(text).not.toContain('PLANTED-CLAIM');
    expect(text).not.toContain(token.split('.')[1]);
  });

  it('refuses an opaque token with a clear reason', () => {
    expect(() => identityFromAccessToken('opaque-token-without-dots')).toThrow(/no readable claims/);
  });
});

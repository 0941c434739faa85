import type { GoogleAuth } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { GcpAccountConfig } from './config';
import { gcpIdentity, gcpIdentityOf } from './identity';

describe('gcpIdentityOf', () => {
  it('names a service account by its client_email', () => {
    expect(gcpIdentityOf({ clientEmail: 'collector@proj.iam.gserviceaccount.com', tokenInfo: null, credentialType: 'keyFile' })).toEqual({
      name: 'collector@proj.iam.gserviceaccount.com',
      kind: 'service account',
      details: [],
      source: "the credential's client_email",
    });
  });

  it('names a user from the token info with subject and scopes', () => {
    const id = gcpIdentityOf({ clientEmail: null, tokenInfo: { email: 'alice@example.com', sub: '1234', scopes: ['openid', 'https://www.googleapis.com/auth/cloud-platform'] }, credentialType: 'adc' });
    expect(id).toMatchObject({ name: 'alice@example.com', kind: 'user', source: 'token info' });
    expect(id.details).toContainEqual({ label: 'subject id', value: '1234' });
  });

  it('refuses when nothing names the account', () => {
    expect(() => gcpIdentityOf({ clientEmail: null, tokenInfo: {}, credentialType: 'token' })).toThrow(/names no account/);
  });
});

describe('gcpIdentity', () => {
  const config = GcpAccountConfig.parse({ name: 'g', provider: 'gcp', projectIds: ['gpu-prod'], costSource: 'focus-export', credential: { type: 'token', env: 'FLEETPANE_SECRET_GCP' } });

  it('asks the token info only when the credential has no client_email, and never returns the token', async () => {
    const seen: string[] = [];
    const auth = {
      getCredentials: async () => ({}),
      getClient: async () => ({ getAccessToken: async () => ({ token: 'PLANTED-ACCESS-TOKEN' }) }),
    } as unknown as GoogleAuth;
    const id = await gcpIdentity(config, auth, async (token) => {
      seen.push(token);
      return { email: 'ops@example.com', sub: '42' };
    });
    expect(seen).toEqual(['PLANTED-ACCESS-TOKEN']);
    expect(id.name).toBe('ops@example.com');
    expect(JSON.stringify(id)).not.toContain('PLANTED');
  });
});

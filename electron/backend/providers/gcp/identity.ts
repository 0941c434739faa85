/**
 * Who a Google credential is: the service account's client_email where the credential has one (read
 * locally), else the token's info (one tokeninfo call, which answers with the account's email).
 * Only the email and ids leave this file, never the token.
 */
import { OAuth2Client, type GoogleAuth } from 'google-auth-library';
import type { ConnectorIdentity } from '../../../../shared/connector-diagnostics';
import { AuthError } from '../types';
import type { GcpAccountConfig } from './config';

/** The part of Google's token info the identity uses. */
export interface GcpTokenInfo {
  email?: string | undefined;
  sub?: string | undefined;
  azp?: string | undefined;
  scopes?: readonly string[] | undefined;
}

/** What the credential itself and the token info say; either may be missing. */
export interface GcpIdentitySources {
  clientEmail: string | null;
  tokenInfo: GcpTokenInfo | null;
  credentialType: GcpAccountConfig['credential']['type'];
}

/** Maps the credential's client_email or the token info to an identity. */
export function gcpIdentityOf(sources: GcpIdentitySources): ConnectorIdentity {
  const kindOf = (email: string): string => (email.endsWith('.gserviceaccount.com') ? 'service account' : 'user');
  if (sources.clientEmail) {
    return { name: sources.clientEmail, kind: kindOf(sources.clientEmail), details: [], source: 'the credential\'s client_email' };
  }
  const info = sources.tokenInfo;
  if (info?.email) {
    const details: ConnectorIdentity['details'] = [];
    if (info.sub) details.push({ label: 'subject id', value: info.sub });
    if (info.scopes && info.scopes.length > 0) details.push({ label: 'scopes', value: info.scopes.join(' ') });
    return { name: info.email, kind: kindOf(info.email), details, source: 'token info' };
  }
  if (info?.sub || info?.azp) {
    return { name: info.sub ?? info.azp ?? '', kind: 'principal without an email (no email scope)', details: info.azp ? [{ label: 'client id', value: info.azp }] : [], source: 'token info' };
  }
  throw new AuthError(`the ${sources.credentialType} credential names no account (no client_email, and the token info gave no email)`);
}

/** Reads the identity through `auth`: client_email first, token info only when there is none. */
export async function gcpIdentity(
  config: GcpAccountConfig,
  auth: GoogleAuth,
  tokenInfo: (accessToken: string) => Promise<GcpTokenInfo> = (token) => new OAuth2Client().getTokenInfo(token),
): Promise<ConnectorIdentity> {
  let clientEmail: string | null = null;
  if (config.credential.type !== 'token') {
    try {
      clientEmail = (await auth.getCredentials()).client_email ?? null;
    } catch {
      clientEmail = null; // user credentials have none: fall through to the token info
    }
  }
  if (clientEmail) return gcpIdentityOf({ clientEmail, tokenInfo: null, credentialType: config.credential.type });
  let info: GcpTokenInfo;
  try {
    const token = (await (await auth.getClient()).getAccessToken()).token;
    if (!token) throw new Error('no access token');
    info = await tokenInfo(token);
  } catch (err) {
    throw new AuthError(`cannot tell who the Google credential is: ${(err as Error).message}`, { cause: err });
  }
  return gcpIdentityOf({ clientEmail: null, tokenInfo: info, credentialType: config.credential.type });
}

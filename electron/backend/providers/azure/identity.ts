/**
 * Who an Azure credential is, from the claims of the ARM access token it already holds, decoded
 * locally (no extra call). Only names and ids leave this function, never the token.
 */
import { z } from 'zod';
import type { ConnectorIdentity } from '../../../../shared/connector-diagnostics';
import { AuthError } from '../types';

const Claims = z.looseObject({
  upn: z.string().optional(),
  unique_name: z.string().optional(),
  preferred_username: z.string().optional(),
  app_displayname: z.string().optional(),
  appid: z.string().optional(),
  azp: z.string().optional(),
  oid: z.string().optional(),
  tid: z.string().optional(),
  idtyp: z.string().optional(),
  xms_mirid: z.string().optional(),
});

/** The identity an ARM access token (a JWT) names: user, service principal or managed identity. */
export function identityFromAccessToken(token: string): ConnectorIdentity {
  const payload = token.split('.')[1];
  let raw: unknown = null;
  try {
    raw = payload ? JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) : null;
  } catch {
    raw = null;
  }
  const parsed = Claims.safeParse(raw);
  // Opaque tokens (some static tokens) carry no claims: say so rather than guess.
  if (!parsed.success) throw new AuthError('the access token carries no readable claims, so the identity is unknown');
  const c = parsed.data;
  const appId = c.appid ?? c.azp;
  const user = c.upn ?? c.unique_name ?? c.preferred_username;
  const kind = c.xms_mirid ? 'managed identity' : c.idtyp === 'app' || (user === undefined && appId !== undefined) ? 'service principal' : 'user';
  const name = (kind === 'user' ? user : c.app_displayname ?? appId) ?? c.oid;
  if (name === undefined) throw new AuthError('the access token names no user, application or object id');
  const details: ConnectorIdentity['details'] = [];
  if (kind !== 'user' && appId !== undefined && appId !== name) details.push({ label: 'application id', value: appId });
  if (c.oid !== undefined && c.oid !== name) details.push({ label: 'object id', value: c.oid });
  if (c.tid !== undefined) details.push({ label: 'tenant', value: c.tid });
  return { name, kind, details, source: 'access token claims (decoded locally)' };
}

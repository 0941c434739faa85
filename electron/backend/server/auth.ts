/**
 * Serve mode's authentication: one secret token, shown once in the start URL. A request that carries
 * it in `?token=` gets a session cookie; later requests send the cookie or `Authorization: Bearer`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE_PREFIX } from '../../../shared/bridge';

/** 32 random bytes, base64url: the token printed in the start URL. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

export type AuthResult =
  | { ok: true; via: 'query' | 'cookie' | 'bearer' }
  | { ok: false; reason: string };

export interface Authenticator {
  /** Checks the request's query token, cookie or bearer header. */
  check(req: IncomingMessage, url: URL): AuthResult;
  /** The Set-Cookie value that lets this browser in without the token. */
  sessionCookie(): string;
  /** This process's cookie name (`fleetpane_session_<instance id>`). */
  readonly cookieName: string;
}

/** Builds the authenticator for one token. */
export function createAuthenticator(token: string): Authenticator {
  // The session is random and lives only in this process's memory: a cookie seen by another local
  // server (cookies do not isolate ports) or kept from an earlier run (--token-file keeps the token)
  // opens nothing once this process ends. The name carries a random instance id, so two serve
  // processes on one host do not overwrite each other's cookie and log each other out.
  const session = randomBytes(32).toString('base64url');
  const cookieName = `${SESSION_COOKIE_PREFIX}${randomBytes(6).toString('hex')}`;
  return {
    cookieName,
    check(req, url) {
      const queryToken = url.searchParams.get('token');
      if (queryToken !== null) {
        return secretsEqual(queryToken, token) ? { ok: true, via: 'query' } : { ok: false, reason: 'wrong token' };
      }
      const auth = req.headers.authorization;
      if (auth !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
        if (match?.[1] !== undefined && secretsEqual(match[1], token)) return { ok: true, via: 'bearer' };
        return { ok: false, reason: 'wrong bearer token' };
      }
      const cookie = readCookie(req.headers.cookie, cookieName);
      if (cookie !== undefined) {
        return secretsEqual(cookie, session) ? { ok: true, via: 'cookie' } : { ok: false, reason: 'stale session cookie' };
      }
      // Another (or an earlier) Fleetpane's cookie: say so, since the fix is to open this URL.
      if (cookieNames(req.headers.cookie).some((name) => name.startsWith(SESSION_COOKIE_PREFIX))) return { ok: false, reason: 'session of another Fleetpane server' };
      return { ok: false, reason: 'no token' };
    },
    sessionCookie() {
      return `${cookieName}=${session}; Path=/; HttpOnly; SameSite=Strict`;
    },
  };
}

function cookieNames(cookies: string | undefined): string[] {
  return (cookies ?? '').split(';').map((part) => part.slice(0, Math.max(0, part.indexOf('='))).trim());
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

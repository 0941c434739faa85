/**
 * Serve mode's authentication: one secret token, shown once in the start URL. A request that carries
 * it in `?token=` gets a session cookie; later requests send the cookie or `Authorization: Bearer`.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE } from '../../../shared/bridge';

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
}

/** Builds the authenticator for one token. */
export function createAuthenticator(token: string): Authenticator {
  // The cookie carries a value derived from the token, not the token itself, so a leaked cookie
  // jar does not reveal the URL secret (it still grants the same access until the token changes).
  const session = createHmac('sha256', token).update('fleetpane-session-v1').digest('base64url');
  return {
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
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (cookie !== undefined) {
        return secretsEqual(cookie, session) ? { ok: true, via: 'cookie' } : { ok: false, reason: 'stale session cookie' };
      }
      return { ok: false, reason: 'no token' };
    },
    sessionCookie() {
      return `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict`;
    },
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

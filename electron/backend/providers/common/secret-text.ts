/**
 * Checks on secrets read from a file or an environment variable before they are used. A file that
 * is not one token (a key, /proc/self/environ, /etc/shadow) would otherwise reach an HTTP header or
 * a parser, whose error messages quote it; these errors say which file and what is wrong, never the
 * content.
 */
import { readFile } from 'node:fs/promises';
import { describeJsonError } from '../../../../shared/redact';
import { ConfigError } from '../types';

/** Longest bearer token accepted (JWTs with many claims stay well under this). */
const MAX_TOKEN_CHARS = 16 * 1024;

/** A token as read (trailing newline dropped), or a ConfigError naming `source` and what is wrong with it. */
export function checkBearerToken(text: string, source: string): string {
  const token = text.trim();
  if (token === '') throw new ConfigError(`${source} holds no token`);
  if (token.length > MAX_TOKEN_CHARS) throw new ConfigError(`${source} is not one token: ${token.length} characters, more than ${MAX_TOKEN_CHARS}`);
  // Token characters of RFC 6750 plus the rest of visible ASCII; no spaces, newlines or control bytes.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    const line = token.includes('\n') ? ' (it has more than one line)' : '';
    throw new ConfigError(`${source} is not one token: it holds spaces, control or non-ASCII characters${line}`);
  }
  return token;
}

/** Why a file could not be read, by its error code (the message adds nothing but the path we name). */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return code ?? 'unreadable';
}

/** Reads a JSON credential file (a service-account key); errors name the file and the line, never the content. */
export async function readJsonCredentialFile(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the ${what} ${path} (${fileErrorReason(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`the ${what} ${path} is ${describeJsonError(text)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`the ${what} ${path} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

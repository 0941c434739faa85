import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../types';
import { AnyEnvVariableName, readSecret, secretRef, type SecretReadOptions } from './secret-ref';
import { z } from 'zod';

const dir = mkdtempSync(join(tmpdir(), 'fleetpane-secret-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALUE = 'planted-secret-value-5f2c';
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const token: SecretReadOptions = { account: 'lab', field: 'prometheus.auth.token', kind: 'token', env: {} };

/** The refusal of a read: a ConfigError whose message is returned for checks. */
async function refusal(promise: Promise<string>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('secretRef: the config block', () => {
  const Ref = secretRef({ what: 'token' });

  it('accepts exactly one of env or file, never the secret itself', () => {
    expect(Ref.parse({ env: 'LAB_TOKEN' })).toEqual({ env: 'LAB_TOKEN' });
    expect(Ref.parse({ file: '/run/secrets/lab' })).toEqual({ file: '/run/secrets/lab' });
    for (const bad of [{}, { env: 'A', file: '/b' }, { value: VALUE }, { env: 'NOT-A-NAME' }, { file: '' }]) {
      const parsed = Ref.safeParse(bad);
      expect(parsed.success, JSON.stringify(bad)).toBe(false);
      expect(JSON.stringify(parsed.error?.issues)).not.toContain(VALUE);
    }
    expect(JSON.stringify(Ref.safeParse({}).error?.issues)).toContain('give exactly one of \\"env\\" or \\"file\\" for the token (never the token itself)');
  });

  it('carries the fields of the shape it sits in, and the variable-name rule a provider always had', () => {
    const Gcp = secretRef({ what: 'token', extra: { type: z.literal('token') } });
    expect(Gcp.parse({ type: 'token', env: 'GCP_TOKEN' })).toEqual({ type: 'token', env: 'GCP_TOKEN' });
    expect(Gcp.safeParse({ env: 'GCP_TOKEN' }).success).toBe(false);
    const Kubernetes = secretRef({ what: 'secret', envName: AnyEnvVariableName });
    expect(Kubernetes.parse({ env: 'my-token' })).toEqual({ env: 'my-token' });
  });
});

describe('readSecret: one reader, one error', () => {
  it('reads a token from a variable or a file, trimming the whitespace around it', async () => {
    expect(await readSecret({ env: 'LAB_TOKEN' }, { ...token, env: { LAB_TOKEN: `  ${VALUE}\n` } })).toBe(VALUE);
    expect(await readSecret({ file: file('token', `${VALUE}\r\n`) }, token)).toBe(VALUE);
  });

  it('keeps a password or passphrase as written but for its trailing newline', async () => {
    const password = { ...token, kind: 'password' as const };
    expect(await readSecret({ file: file('password', ' two words \n') }, password)).toBe(' two words ');
    expect(await readSecret({ env: 'PASS' }, { ...password, kind: 'passphrase', env: { PASS: 'a b' } })).toBe('a b');
  });

  it('a missing or empty variable names the account, the field and the variable', async () => {
    expect(await refusal(readSecret({ env: 'LAB_TOKEN' }, token))).toBe('account lab, field prometheus.auth.token: environment variable LAB_TOKEN is not set');
    expect(await refusal(readSecret({ env: 'LAB_TOKEN' }, { ...token, env: { LAB_TOKEN: '' } }))).toBe('account lab, field prometheus.auth.token: environment variable LAB_TOKEN is not set');
    expect(await refusal(readSecret({ env: 'LAB_TOKEN' }, { ...token, env: { LAB_TOKEN: ' \n ' } }))).toBe('account lab, field prometheus.auth.token: environment variable LAB_TOKEN holds no token');
  });

  it('an empty or whitespace-only file holds no secret', async () => {
    const empty = file('empty', '');
    expect(await refusal(readSecret({ file: empty }, token))).toBe(`account lab, field prometheus.auth.token: file ${empty} holds no token`);
    const blank = file('blank', '\n');
    expect(await refusal(readSecret({ file: blank }, { ...token, kind: 'password' }))).toBe(`account lab, field prometheus.auth.token: file ${blank} holds no password`);
  });

  it('a missing, unreadable or folder path says why, by the file name only', async () => {
    const missing = join(dir, 'absent');
    expect(await refusal(readSecret({ file: missing }, token))).toBe(`account lab, field prometheus.auth.token: file ${missing} cannot be read (no such file)`);
    expect(await refusal(readSecret({ file: dir }, token))).toBe(`account lab, field prometheus.auth.token: file ${dir} cannot be read (it is a folder)`);
    const locked = file('locked', VALUE);
    chmodSync(locked, 0o000);
    try {
      // Root reads any file: the refusal is only checked where permissions hold.
      if (process.getuid?.() !== 0) {
        expect(await refusal(readSecret({ file: locked }, token))).toBe(`account lab, field prometheus.auth.token: file ${locked} cannot be read (permission denied)`);
      }
    } finally {
      chmodSync(locked, 0o600);
    }
  });

  it('never puts the value in a refusal: a file that is not one token, a multi-line password', async () => {
    const messages = [
      await refusal(readSecret({ file: file('environ', `HOME=/root\0SECRET=${VALUE}\0`) }, token)),
      await refusal(readSecret({ env: 'SPACED' }, { ...token, env: { SPACED: `token is ${VALUE} here` } })),
      await refusal(readSecret({ file: file('shadow', `root:$6$${VALUE}:1\ndaemon:*:1\n`) }, { ...token, kind: 'password' })),
      await refusal(readSecret({ env: 'LINES' }, { ...token, kind: 'passphrase', env: { LINES: `${VALUE}\n${VALUE}` } })),
    ];
    for (const message of messages) {
      expect(message).not.toContain(VALUE);
      expect(message).toMatch(/^account lab, field prometheus\.auth\.token: (file \/|environment variable [A-Z]+ )/);
    }
    expect(messages[0]).toContain('is not one token');
    expect(messages[2]).toContain('is not one password (more than one line)');
  });
});

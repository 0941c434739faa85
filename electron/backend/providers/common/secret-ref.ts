/**
 * Secret references: a secret is read at sync time from an environment variable or a file, never
 * written in the config. One set of zod building blocks for every provider's schema and one reader,
 * so a missing variable, an empty or unreadable file or a file that is not one token is refused the
 * same way everywhere: a ConfigError (the fix is in the config or the host, not at the provider)
 * that names the account, the config field and the variable or file, never the value.
 *
 * The config file is a public contract: each provider keeps the field names it always had
 * (`{ env | file }`, GCP's `{ type: 'token', env | file }`, Azure's `tokenFile.path` and
 * `tokenEnv.variable`); they are all built from these blocks and all read through `readSecret`.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../types';
import { checkBearerToken, fileErrorReason } from './secret-text';

/** A variable name as a shell writes it. */
export const EnvVariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

/**
 * Any non-empty variable name: the Kubernetes and CoreWeave `SecretRef` always accepted these, and
 * old config files must keep loading.
 */
export const AnyEnvVariableName = z.string().min(1);

/** The path of a file holding a secret. */
export const SecretFilePath = z.string().min(1);

/**
 * `{ "env": "VAR" }` or `{ "file": "/path" }`, exactly one, plus the `extra` fields of the shape it
 * sits in (GCP's `type: 'token'`). `what` names the secret in the refusal ("token", "passphrase").
 */
export function secretRef<Extra extends z.ZodRawShape = Record<never, never>>(options: { what: string; envName?: z.ZodString; extra?: Extra }) {
  const envName = options.envName ?? EnvVariableName;
  return z
    .object({ ...(options.extra ?? ({} as Extra)), env: envName.optional(), file: SecretFilePath.optional() })
    .strict()
    // The generic shape hides env and file from the checker; they are there, from the object above.
    .refine((ref) => exactlyOneSource(ref as SecretSource), {
      message: `give exactly one of "env" or "file" for the ${options.what} (never the ${options.what} itself)`,
    });
}

/** Where one secret is read from (what `secretRef` parses to, or Azure's `path`/`variable` mapped onto it). */
export interface SecretSource {
  env?: string | undefined;
  file?: string | undefined;
}

/** What is being read, for the checks and for the error's wording. */
export interface SecretReadOptions {
  /** The account whose config holds the reference. */
  account: string;
  /** The config field holding the reference, dotted: `credential`, `token`, `prometheus.auth.password`. */
  field: string;
  /**
   * `token`: one bearer token (surrounding whitespace trimmed, then checked: it goes into an HTTP
   * header whose errors would quote it). `password` and `passphrase`: any one line, kept as written
   * but for a trailing newline (spaces may be part of it).
   */
  kind: 'token' | 'password' | 'passphrase';
  /** The environment to read variables from (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Whether a reference names exactly one place: a variable or a file. */
export function exactlyOneSource(source: SecretSource): boolean {
  return (source.env === undefined) !== (source.file === undefined);
}

/** The secret's value, or a ConfigError naming the account, the field and the variable or file. */
export async function readSecret(source: SecretSource, options: SecretReadOptions): Promise<string> {
  const where = sourceName(source);
  const prefix = `account ${options.account}, field ${options.field}: ${where}`;
  let raw: string;
  if (source.env !== undefined) {
    const value = (options.env ?? process.env)[source.env];
    if (value === undefined || value === '') throw new ConfigError(`${prefix} is not set`);
    raw = value;
  } else if (source.file !== undefined) {
    try {
      raw = await readFile(source.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${prefix} cannot be read (${fileErrorReason(error)})`);
    }
  } else {
    throw new ConfigError(`account ${options.account}, field ${options.field}: give exactly one of "env" or "file"`);
  }
  if (options.kind === 'token') return checkBearerToken(raw, prefix);
  const line = raw.replace(/\r?\n$/, '');
  if (line.trim() === '') throw new ConfigError(`${prefix} holds no ${options.kind}`);
  if (/[\r\n\0]/.test(line)) throw new ConfigError(`${prefix} is not one ${options.kind} (more than one line)`);
  return line;
}

/** "environment variable X" or "file /path", as every refusal names it. */
export function sourceName(source: SecretSource): string {
  return source.env !== undefined ? `environment variable ${source.env}` : `file ${source.file ?? ''}`;
}

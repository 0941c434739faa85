/**
 * Secrets the user types in the accounts screen (a token, a key passphrase, a basic-auth password).
 * The config file references each one by name (`{ "env": "FLEETPANE_SECRET_..." }`); the value is
 * kept encrypted by the desktop shell (Electron safeStorage, behind SecretCipher) in a file of its
 * own and put in this process's environment, where the connectors read it, so the config file stays
 * the format `fleetpane sync --config` reads. Serve mode has no cipher: there, secrets come from
 * environment variables or files named in the config, never from a request or the command line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SECRET_NAME_PATTERN } from '../../../shared/contract-accounts';

/** Encrypts and decrypts with the OS keychain (the desktop shell's safeStorage). */
export interface SecretCipher {
  /** Null when secrets can be stored safely; otherwise the reason they cannot (e.g. plaintext backend). */
  unavailableReason(): Promise<string | null>;
  /** Ciphertext as base64. */
  encrypt(plainText: string): Promise<string>;
  decrypt(cipherText: string): Promise<string>;
}

/** Where secrets the user typed are kept and how they reach the connectors. */
export interface SecretVault {
  /** Null when typed secrets can be stored; otherwise why not (shown on the screen). */
  unavailableReason(): Promise<string | null>;
  /** Encrypts and keeps `value` under `name`, and makes it available to connectors. */
  put(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** Whether a value for `name` is available to the connectors (stored here or set in the environment). */
  has(name: string): boolean;
}

const VaultFile = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.string()) });

/** The desktop vault: an owner-only file of safeStorage ciphertexts; values decrypted into `env` at load. */
export class EncryptedFileVault implements SecretVault {
  private readonly cipherTexts = new Map<string, string>();
  /** Secrets stored here that this keychain could not decrypt. */
  readonly undecryptable = new Set<string>();

  private constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
    private readonly env: Record<string, string | undefined>,
  ) {}

  /** Opens the vault file (if any) and decrypts every secret into `env`. */
  static async open(file: string, cipher: SecretCipher, env: Record<string, string | undefined> = process.env): Promise<EncryptedFileVault> {
    const vault = new EncryptedFileVault(file, cipher, env);
    if (existsSync(file)) {
      const parsed = VaultFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) throw new Error(`secrets file ${file} is not in the format this Fleetpane writes`);
      for (const [name, cipherText] of Object.entries(parsed.data.secrets)) {
        if (!SECRET_NAME_PATTERN.test(name)) continue;
        vault.cipherTexts.set(name, cipherText);
        try {
          env[name] = await cipher.decrypt(cipherText);
        } catch {
          // A keychain that changed (new OS user, reset keyring) cannot decrypt it: the screen shows
          // the secret as unavailable, so the user types it again. Only the name is ever reported.
          vault.undecryptable.add(name);
        }
      }
    }
    return vault;
  }

  unavailableReason(): Promise<string | null> {
    return this.cipher.unavailableReason();
  }

  async put(name: string, value: string): Promise<void> {
    if (!SECRET_NAME_PATTERN.test(name)) throw new Error(`"${name}" is not a secret name`);
    const reason = await this.cipher.unavailableReason();
    if (reason !== null) throw new Error(reason);
    this.cipherTexts.set(name, await this.cipher.encrypt(value));
    this.undecryptable.delete(name);
    await this.persist();
    this.env[name] = value;
  }

  async delete(name: string): Promise<void> {
    if (!this.cipherTexts.delete(name)) return;
    await this.persist();
    delete this.env[name];
  }

  has(name: string): boolean {
    return (this.cipherTexts.has(name) && !this.undecryptable.has(name)) || (this.env[name] ?? '').length > 0;
  }

  private async persist(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, secrets: Object.fromEntries(this.cipherTexts) }, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

/** Serve mode and the CLI: nothing typed is stored; secrets come from the environment or files. */
export class EnvironmentOnlyVault implements SecretVault {
  constructor(
    private readonly reason: string,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  async unavailableReason(): Promise<string | null> {
    return this.reason;
  }

  async put(): Promise<void> {
    throw new Error(this.reason);
  }

  async delete(): Promise<void> {}

  has(name: string): boolean {
    return (this.env[name] ?? '').length > 0;
  }
}

/** Why serve mode stores no typed secret. */
export const SERVE_SECRETS_REASON =
  'serve mode stores no secret typed in a browser: reference an environment variable ({ "env": NAME }) or a file ({ "file": PATH }) in the config, set on the host';

/** Every `{ env: NAME }` / `variable: NAME` reference in an entry that names a Fleetpane secret. */
export function secretNamesIn(value: unknown): string[] {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        if ((key === 'env' || key === 'variable') && typeof inner === 'string' && SECRET_NAME_PATTERN.test(inner)) names.add(inner);
        else walk(inner);
      }
    }
  };
  walk(value);
  return [...names].sort();
}

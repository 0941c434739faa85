/**
 * Reads and validates the config file: JSON, then the shared ConfigFile schema, then each account
 * with its provider's own schema. Every failure is one line naming the file and the field path.
 * Shared by the CLI and the desktop backend host.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AccountConfigBase, ConfigFile } from '../../../shared/config';
import { describeZodError } from '../../../shared/format';
import { describeJsonError } from '../../../shared/redact';
import { defaultConfigPath, userDataDir } from '../paths';
import { ConfigIssuesError } from '../providers/types';
import { CliError } from './errors';

/** The demo fleet used when no config exists anywhere. */
export const DEMO_CONFIG: ConfigFile = ConfigFile.parse({ accounts: [{ name: 'demo', provider: 'demo' }] });

/** Validates one account with its provider's own schema (the registry's parseConfig). */
export type ParseAccount = (account: AccountConfigBase) => AccountConfigBase;

export interface LoadedConfig {
  /** The file read, or null for the built-in demo fleet. */
  file: string | null;
  accounts: AccountConfigBase[];
  /** True when this is the built-in demo fleet. */
  demo: boolean;
}

/** Reads, parses and validates a config file; throws CliError with one line on any problem. */
export function loadConfigFile(file: string, parseAccount: ParseAccount): LoadedConfig {
  return validateConfig(readConfigJson(file), file, parseAccount);
}

/**
 * Reads the file and checks it against the shared schema only: a missing file, bad JSON or a bad
 * field of the file's own shape fails in one line before any provider SDK is loaded (loading them
 * all takes tens of seconds on a busy machine). Each account's provider fields are checked later.
 */
export function preflightConfigFile(file: string): void {
  const parsed = ConfigFile.safeParse(readConfigJson(file));
  if (!parsed.success) throw new CliError(describeZodError(parsed.error, `config file ${file}`));
}

/** The config file `resolveConfig` would read: the given one, else the user data folder's, else none (the demo fleet). */
export function configFileInUse(configFile: string | undefined, dataFolder: string = userDataDir()): string | null {
  if (configFile !== undefined) return configFile;
  const fallback = defaultConfigPath(dataFolder);
  return existsSync(fallback) ? fallback : null;
}

function readConfigJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `config file ${file} does not exist` : `config file ${file} cannot be read (${code ?? 'error'})`);
  }
  // Windows editors (Notepad) save UTF-8 with a byte order mark; it is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse quotes the start of the text: the first bytes of whatever file --config named.
    throw new CliError(`config file ${file} is ${describeJsonError(text)}`);
  }
}

/** Validates an already-parsed config object (`where` names it in errors). */
export function validateConfig(raw: unknown, where: string, parseAccount: ParseAccount): LoadedConfig {
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) throw new CliError(describeZodError(parsed.error, `config file ${where}`));
  const accounts = parsed.data.accounts.map((account, index) => {
    try {
      return parseAccount(account);
    } catch (error) {
      throw new CliError(describeAccountError(error, where, index, account.name));
    }
  });
  return { file: where, accounts, demo: false };
}

/** The built-in demo fleet, validated like any other config. */
export function demoConfig(parseAccount: ParseAccount): LoadedConfig {
  return { file: null, accounts: DEMO_CONFIG.accounts.map((a) => parseAccount(a)), demo: true };
}

/**
 * Which config to use: the given file; else the config file in the user data folder if there is
 * one; else the demo fleet (callers label it as such).
 */
export function resolveConfig(configFile: string | undefined, parseAccount: ParseAccount, dataFolder: string = userDataDir()): LoadedConfig {
  if (configFile !== undefined) return loadConfigFile(configFile, parseAccount);
  const fallback = defaultConfigPath(dataFolder);
  if (existsSync(fallback)) return loadConfigFile(fallback, parseAccount);
  return demoConfig(parseAccount);
}

/** The store folder: the given one; else the user data folder (its `demo` subfolder for the demo fleet). */
export function resolveDataDir(dataDir: string | undefined, demo: boolean, dataFolder: string = userDataDir()): string {
  if (dataDir !== undefined) return dataDir;
  // Keeps simulated numbers out of the store that holds a real fleet.
  return demo ? join(dataFolder, 'demo') : dataFolder;
}

function describeAccountError(error: unknown, file: string, index: number, name: string): string {
  const where = `config file ${file}`;
  if (error instanceof z.ZodError) {
    const prefixed = new z.ZodError(error.issues.map((issue) => ({ ...issue, path: ['accounts', index, ...issue.path] })));
    return describeZodError(prefixed, where);
  }
  if (error instanceof ConfigIssuesError) {
    // Each field by its path in the file, and the account by name.
    const issues = error.issues.slice(0, 5).map((i) => `accounts.${index}${i.path === '(entry)' ? '' : `.${i.path}`}: ${i.message}`);
    return `${where}: account "${name}" (${error.provider}): ${issues.join('; ')}${error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : ''}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${where}: accounts.${index} ("${name}"): ${firstLine(message)}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * The store a reader opens when no --data-dir is given: the one the desktop app and a config-less
 * `fleetpane sync` write to (the demo subfolder while no config file exists).
 */
export function defaultStoreDir(dataFolder: string = userDataDir()): string {
  return resolveDataDir(undefined, !existsSync(defaultConfigPath(dataFolder)), dataFolder);
}

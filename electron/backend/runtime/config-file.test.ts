/** The config file's preflight: its own shape is checked before any provider (and SDK) is loaded. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfigPath } from '../paths';
import { configFileInUse, preflightConfigFile } from './config-file';
import { CliError } from './errors';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpane-config-'));
  folders.push(dir);
  return dir;
}

describe('preflightConfigFile', () => {
  it('passes a file of the right shape without asking any provider', () => {
    const file = join(folder(), 'config.json');
    // An unknown provider's own fields are not its business: only the shared shape is checked here.
    writeFileSync(file, JSON.stringify({ accounts: [{ name: 'lab', provider: 'demo', seed: 3 }] }));
    expect(() => preflightConfigFile(file)).not.toThrow();
  });

  it('refuses a missing file, bad JSON and a bad shape in one line each', () => {
    const dir = folder();
    const cases: [string, string | null, RegExp][] = [
      ['missing.json', null, /does not exist/],
      ['bad.json', '{ "accounts": [', /config file .*bad\.json is/],
      ['shape.json', JSON.stringify({ accounts: 'none' }), /config file .*shape\.json/],
    ];
    for (const [name, text, message] of cases) {
      const file = join(dir, name);
      if (text !== null) writeFileSync(file, text);
      let thrown: unknown;
      try {
        preflightConfigFile(file);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CliError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain('\n');
    }
  });
});

describe('configFileInUse', () => {
  it('is the given file, else the user data folder\'s config, else none (the demo fleet)', () => {
    const dir = folder();
    expect(configFileInUse('/somewhere/config.json', dir)).toBe('/somewhere/config.json');
    expect(configFileInUse(undefined, dir)).toBeNull();
    writeFileSync(defaultConfigPath(dir), '{"accounts":[]}');
    expect(configFileInUse(undefined, dir)).toBe(defaultConfigPath(dir));
  });
});

/**
 * The `fleetpane` contract under a careless user: bad input exits 2 with one line that names the
 * problem (ARCHITECTURE.md), and what the command creates is the user's alone. Runs the real command.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleetpane, type FleetpaneRun } from './testing/fleetpane-process';

// Each run loads the provider SDKs; on a shared 2-core machine that alone can take tens of seconds.
const SLOW = 150_000;

let home: string;

const fleetpane = (args: string[]): Promise<FleetpaneRun> =>
  runFleetpane(args, { ...process.env, XDG_CONFIG_HOME: join(home, 'xdg'), HOME: home, NODE_ENV: 'test' });

const expectOneLine = (text: string) => expect(text.trim().split('\n')).toHaveLength(1);

/** One account that is switched off: the sync creates the store without fetching a fleet. */
const QUIET_CONFIG = { accounts: [{ name: 'lab', provider: 'demo', enabled: false }] };

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'fleetpane-cli-input-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('data dir and store problems are bad input (exit 2)', { timeout: SLOW }, () => {
  it('a data dir that is a file', async () => {
    const config = join(home, 'quiet.json');
    await writeFile(config, JSON.stringify(QUIET_CONFIG));
    const file = join(home, 'not-a-folder');
    await writeFile(file, 'x');
    for (const args of [
      ['sync', '--config', config, '--data-dir', file],
      ['overview', '--data-dir', file, '--json'],
    ]) {
      const run = await fleetpane(args);
      expect(run.code).toBe(2);
      expectOneLine(run.stderr);
      expect(run.stderr).toContain(`data dir ${file} is a file, not a folder`);
    }
  });

  it('a store file that is damaged or not a DuckDB file, without echoing its bytes', async () => {
    const dataDir = join(home, 'corrupt');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'fleetpane.duckdb'), 'token=hunter2 '.repeat(600));
    const run = await fleetpane(['overview', '--data-dir', dataDir, '--json']);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(`store file ${join(dataDir, 'fleetpane.duckdb')} is damaged or not a Fleetpane store`);
    expect(run.stderr).not.toContain('hunter2');
  });
});

describe('config file problems', { timeout: SLOW }, () => {
  it('accepts a config saved with a UTF-8 byte order mark', async () => {
    const config = join(home, 'bom.json');
    await writeFile(config, `\uFEFF${JSON.stringify(QUIET_CONFIG)}`);
    const run = await fleetpane(['sync', '--config', config, '--data-dir', join(home, 'bom-data'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('malformed JSON is described without quoting the file', async () => {
    const config = join(home, 'secret-broken.json');
    await writeFile(config, '{ "accounts": [ { "name": "a", "token": hunter2 } ] }');
    const run = await fleetpane(['sync', '--config', config, '--data-dir', join(home, 'broken-data')]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(config);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('an unknown field in an account is refused, naming the account, the path and the field meant', async () => {
    const config = join(home, 'typo.json');
    await writeFile(config, JSON.stringify({ accounts: [QUIET_CONFIG.accounts[0], { name: 'gpu-cluster', provider: 'kubernetes', kubconfig: join(home, 'kube.yaml') }] }));
    const run = await fleetpane(['sync', '--config', config, '--data-dir', join(home, 'typo-data')]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr.trim()).toBe(`fleetpane sync: config file ${config}: account "gpu-cluster" (kubernetes): accounts.1.kubconfig: unknown field (did you mean "kubeconfig"?)`);
  });

  it('an empty accounts list says so', async () => {
    const config = join(home, 'empty.json');
    await writeFile(config, JSON.stringify({ accounts: [] }));
    const run = await fleetpane(['sync', '--config', config, '--data-dir', join(home, 'empty-data')]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(`config file ${config} lists no accounts`);
  });
});

describe('what the command creates is owner-only', { timeout: SLOW }, () => {
  it.skipIf(process.platform === 'win32')('creates the data dir 0700 and the store file 0600', async () => {
    const config = join(home, 'quiet-perms.json');
    await writeFile(config, JSON.stringify(QUIET_CONFIG));
    const dataDir = join(home, 'private', 'data');
    const run = await fleetpane(['sync', '--config', config, '--data-dir', dataDir]);
    expect(run.code).toBe(0);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, 'fleetpane.duckdb'))).mode & 0o777).toBe(0o600);
  });
});

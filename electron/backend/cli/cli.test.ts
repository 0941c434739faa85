/**
 * The `fleetpane` command run as users run it: `node bin/fleetpane.js ...` in a child process, with
 * real DuckDB files in a temporary folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Overview } from '../../../shared/overview';
import { SyncSummary } from '../sync/summary';
import { runFleetpane, startServeProcess, stopProcess, type FleetpaneRun } from './testing/fleetpane-process';

let home: string;

function childEnv(): NodeJS.ProcessEnv {
  // A private user data folder, so a developer's own config is never picked up.
  return { ...process.env, XDG_CONFIG_HOME: join(home, 'xdg'), HOME: home, NODE_ENV: 'test' };
}

const fleetpane = (args: string[]): Promise<FleetpaneRun> => runFleetpane(args, childEnv());
const serve = (args: string[]) => startServeProcess(args, childEnv());

function get(url: URL, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

const stop = stopProcess;

const expectOneLine = (text: string) => expect(text.trim().split('\n')).toHaveLength(1);

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'fleetpane-cli-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('fleetpane sync and overview on the demo fleet', () => {
  it('syncs, then prints an overview the contract accepts', async () => {
    const dataDir = join(home, 'demo-data');
    const config = join(home, 'demo.json');
    await writeFile(config, JSON.stringify({ accounts: [{ name: 'demo', provider: 'demo', metricsBackfillHours: 1 }] }));

    const sync = await fleetpane(['sync', '--config', config, '--data-dir', dataDir, '--json']);
    expect(sync.stderr).toBe('');
    expect(sync.code).toBe(0);
    const summary = SyncSummary.parse(JSON.parse(sync.stdout));
    expect(summary.ok).toBe(true);
    expect(summary.accounts.map((a) => a.account)).toEqual(['demo']);
    expect(summary.accounts[0]?.streams.inventory.rows).toBeGreaterThan(0);

    const shown = await fleetpane(['overview', '--data-dir', dataDir, '--json']);
    expect(shown.code).toBe(0);
    const overview = Overview.parse(JSON.parse(shown.stdout));
    expect(overview.demo).toBe(true);
    expect(overview.totals.gpus.total).toBeGreaterThan(1500);
    const byState = overview.totals.gpus;
    expect(byState.busy + byState.idle + byState.unhealthy + byState.unknown + byState.stopped).toBe(byState.total);

    const asOf = await fleetpane(['overview', '--data-dir', dataDir, '--json', '--as-of', '2026-11-25T12:00:00Z']);
    expect(asOf.code).toBe(0);
    expect(Overview.parse(JSON.parse(asOf.stdout)).asOf.startsWith('2026-11-25T12:00')).toBe(true);
  });
});

describe('fleetpane refuses bad input with one line and exit 2', () => {
  it('a missing config file', async () => {
    const missing = join(home, 'nope.json');
    const run = await fleetpane(['sync', '--config', missing, '--data-dir', join(home, 'd1')]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(missing);
    expect(run.stderr).toContain('does not exist');
  });

  it('malformed JSON, with its position', async () => {
    const file = join(home, 'broken.json');
    await writeFile(file, '{\n  "accounts": [\n    { "name": "a", }\n  ]\n}\n');
    const run = await fleetpane(['sync', '--config', file, '--data-dir', join(home, 'd2')]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/line 3/);
  });

  it('an unknown provider, naming the field path', async () => {
    const file = join(home, 'unknown-provider.json');
    await writeFile(file, JSON.stringify({ accounts: [{ name: 'ok', provider: 'demo' }, { name: 'x', provider: 'nimbus' }] }));
    const run = await fleetpane(['sync', '--config', file, '--data-dir', join(home, 'd3')]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain('accounts.1.provider');
  });

  it('a bad field of the shared schema', async () => {
    const file = join(home, 'bad-field.json');
    await writeFile(file, JSON.stringify({ accounts: [{ name: 'demo', provider: 'demo', metricsBackfillHours: 0 }] }));
    const run = await fleetpane(['sync', '--config', file, '--data-dir', join(home, 'd4')]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain('accounts.0.metricsBackfillHours');
  });

  it('overview of a data dir with no store yet', async () => {
    const empty = join(home, 'empty');
    const run = await fleetpane(['overview', '--data-dir', empty, '--json']);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(`no Fleetpane store in ${empty}`);
    expect(run.stdout).toBe('');
  });

  it('an unknown command or flag prints the usage', async () => {
    const command = await fleetpane(['frobnicate']);
    expect(command.code).toBe(2);
    expectOneLine(command.stderr);
    expect(command.stderr).toContain('usage: fleetpane sync');
    const flag = await fleetpane(['overview', '--colour']);
    expect(flag.code).toBe(2);
    expectOneLine(flag.stderr);
    expect(flag.stderr).toContain("'--colour'");
  });

  it('serve --allow-triage without --config or --demo is refused with one line (that store is served read-only)', async () => {
    const run = await fleetpane(['serve', '--allow-triage', '--data-dir', join(home, 'no-config'), '--port', '0']);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain('--allow-triage needs --config FILE or --demo');
  });

  it('report and import-focus refuse missing flags with one line', async () => {
    const run = await fleetpane(['report', '--format', 'csv']);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr.trim()).toMatch(/^fleetpane report: --from is required\. usage: fleetpane report --data-dir DIR /);
    const imported = await fleetpane(['import-focus', 'costs.csv']);
    expect(imported.code).toBe(2);
    expectOneLine(imported.stderr);
    expect(imported.stderr.trim()).toMatch(/^fleetpane import-focus: --account is required\. usage: fleetpane import-focus FILE\.\.\. /);
  });
});

describe('fleetpane serve', () => {
  it('holds its data dir (a second writer exits 3) and answers 401 without the token', async () => {
    const dataDir = join(home, 'serve-data');
    const config = join(home, 'serve-demo.json');
    await writeFile(config, JSON.stringify({ accounts: [{ name: 'demo', provider: 'demo', metricsBackfillHours: 1 }] }));
    const { child, url } = await serve(['--config', config, '--data-dir', dataDir, '--port', '0']);
    try {
      const locked = await fleetpane(['sync', '--config', config, '--data-dir', dataDir]);
      expect(locked.code).toBe(3);
      expectOneLine(locked.stderr);
      expect(locked.stderr).toContain(dataDir);

      const refused = await get(url, '/');
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      const withToken = await get(url, `/?token=${url.searchParams.get('token')}`);
      expect(withToken.status).toBe(303);
    } finally {
      await stop(child);
    }
  });
});

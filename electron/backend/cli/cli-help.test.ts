/** CLI conventions: --version, help, COMMAND --help with a flag per line, usage errors with the usage. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './commands';
import { runFleetpane, type FleetpaneRun } from './testing/fleetpane-process';

let home: string;
const fleetpane = (args: string[]): Promise<FleetpaneRun> =>
  runFleetpane(args, { ...process.env, XDG_CONFIG_HOME: join(home, 'xdg'), HOME: home, NODE_ENV: 'test' });

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'fleetpane-cli-help-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('every command documents every flag it accepts', () => {
  it.each(Object.entries(COMMANDS))('%s', (_name, command) => {
    const documented = command.flags.map(([flag]) => flag.split(' ')[0]);
    expect(documented.sort()).toEqual(
      [...Object.keys(command.options).map((o) => `--${o}`), ...(command.allowPositionals ? ['FILE...'] : [])].sort(),
    );
  });
});

describe('fleetpane help', { timeout: 180_000 }, () => {
  it('--version prints the package version; help lists every command on its own line', async () => {
    const version = await fleetpane(['--version']);
    expect(version.code).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);

    const help = await fleetpane(['help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    for (const name of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it('COMMAND --help and help COMMAND print its flags, one per line, on stdout with exit 0', async () => {
    for (const args of [['report', '--help'], ['help', 'report'], ['report', '--from', 'nonsense', '-h']]) {
      const run = await fleetpane(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^usage: fleetpane report /);
      expect(run.stdout).toMatch(/^ {2}--from YYYY-MM-DD +first day/m);
      expect(run.stdout).toMatch(/^ {2}--format FORMAT +csv, xlsx, pdf or focus$/m);
    }
  });

  it("a usage error shows that command's usage on the same line", async () => {
    const run = await fleetpane(['import-focus', '--account', 'lab']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('give at least one FOCUS file (CSV, CSV.GZ or Parquet). usage: fleetpane import-focus FILE... --data-dir DIR --account NAME');
  });
});

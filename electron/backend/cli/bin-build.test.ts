/**
 * bin/fleetpane.js runs the build when it is current and the source otherwise: a build older than
 * any source file must never answer (it would run code the checkout no longer has).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..', '..');
let project: string;

/** A project laid out as the real one: bin, the build's entry, the source's entry, shared code. */
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'fleetpane-bin-'));
  await mkdir(join(project, 'bin'));
  await mkdir(join(project, 'out', 'main'), { recursive: true });
  await mkdir(join(project, 'electron', 'backend'), { recursive: true });
  await mkdir(join(project, 'shared'));
  await copyFile(join(repo, 'bin', 'fleetpane.js'), join(project, 'bin', 'fleetpane.js'));
  await symlink(join(repo, 'node_modules'), join(project, 'node_modules'), 'junction');
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  const entry = (from: string) => `export async function main(args: string[]) { process.stdout.write('${from} ' + args.join(' ')); return 3; }\n`;
  await writeFile(join(project, 'electron', 'backend', 'cli.ts'), entry('source'));
  await writeFile(join(project, 'shared', 'contract.ts'), 'export const x = 1;\n');
  await writeFile(join(project, 'out', 'main', 'cli.js'), entry('build').replace(': string[]', ''));
});

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

/** Runs the copied bin; resolves with its exit code and output. */
function run(env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(project, 'bin', 'fleetpane.js'), 'serve', '--demo'], { env: { ...process.env, FLEETPANE_FROM_SOURCE: '', ...env } }, (error, stdout) => {
      resolve({ code: error && typeof error.code === 'number' ? error.code : 0, stdout });
    });
  });
}

/** Sets a file's modification time to `at` (seconds since the epoch). */
const touch = (path: string, at: number) => utimes(path, at, at);

describe('bin/fleetpane.js', { timeout: 60_000 }, () => {
  it('runs the build when it is newer than every source file, with the arguments and exit code', async () => {
    const now = Date.now() / 1000;
    await touch(join(project, 'electron', 'backend', 'cli.ts'), now - 60);
    await touch(join(project, 'shared', 'contract.ts'), now - 60);
    await touch(join(project, 'out', 'main', 'cli.js'), now);
    expect(await run()).toEqual({ code: 3, stdout: 'build serve --demo' });
  });

  it('runs the source when any source file changed after the build, in any folder', async () => {
    const now = Date.now() / 1000;
    await touch(join(project, 'out', 'main', 'cli.js'), now - 30);
    await touch(join(project, 'shared', 'contract.ts'), now);
    expect(await run()).toEqual({ code: 3, stdout: 'source serve --demo' });
    await touch(join(project, 'shared', 'contract.ts'), now - 60);
    await touch(join(project, 'electron', 'backend', 'cli.ts'), now);
    expect(await run()).toEqual({ code: 3, stdout: 'source serve --demo' });
  });

  it('runs the source when asked to, or when there is no build', async () => {
    const now = Date.now() / 1000;
    await touch(join(project, 'electron', 'backend', 'cli.ts'), now - 60);
    await touch(join(project, 'out', 'main', 'cli.js'), now);
    expect(await run({ FLEETPANE_FROM_SOURCE: '1' })).toEqual({ code: 3, stdout: 'source serve --demo' });
    await rm(join(project, 'out'), { recursive: true });
    expect(await run()).toEqual({ code: 3, stdout: 'source serve --demo' });
  });
});

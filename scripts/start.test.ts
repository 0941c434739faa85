/**
 * `npm start` where Electron's binary is missing (as on this project's CI): it must say so in one
 * paragraph and fall back to serve mode with the demo fleet, printing the URL with its token.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function electronInstalled(): boolean {
  const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = join(dir, 'path.txt');
  return existsSync(pathFile) && existsSync(join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()));
}

const hasElectron = electronInstalled();
if (hasElectron) console.warn('scripts/start.test.ts: skipped, the Electron binary is installed so npm start would open the app');

describe.skipIf(hasElectron)('npm start without the Electron binary', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'fleetpane-start-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('explains the missing binary and serves the demo fleet instead', async () => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.js'), '--port', '0'], {
      cwd: root,
      env: { ...process.env, XDG_CONFIG_HOME: join(home, 'xdg'), HOME: home, ELECTRON_OVERRIDE_DIST_PATH: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43})/.exec(stdout);
          if (match?.[1]) resolve(new URL(match[1]));
        });
        void exited.then((code) => reject(new Error(`npm start exited with ${code}: ${stderr}`)));
      });
      const paragraph = stderr.split('\n').find((line) => line.startsWith("Electron's binary is not installed"));
      expect(paragraph).toBeDefined();
      expect(paragraph).toContain('install.js');
      expect(paragraph).toContain('ELECTRON_OVERRIDE_DIST_PATH');
      expect(paragraph).toContain('serve mode');
      expect(stderr).not.toContain('Downloading Electron');
      await expect.poll(() => stderr).toContain('DEMO fleet');

      const status = await new Promise<number>((resolve, reject) => {
        request({ host: url.hostname, port: url.port, path: `/?token=${url.searchParams.get('token')}` }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(303);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

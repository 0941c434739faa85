/** Runs the `fleetpane` command the way a user's script would, for e2e setup and cross-checks. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Overview } from '../shared/overview';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'fleetpane.js');

/** Runs a fleetpane command to completion and returns its standard output. */
export async function fleetpane(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [bin, ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** `fleetpane overview --json`, parsed with the contract's schema. */
export async function overviewFromCli(dataDir: string, asOf?: string): Promise<Overview> {
  const args = ['overview', '--data-dir', dataDir, '--json'];
  if (asOf) args.push('--as-of', asOf);
  return Overview.parse(JSON.parse(await fleetpane(args)));
}

/** Starts `fleetpane serve` and resolves with the URL (token included) it prints. */
export async function startServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  return { url, child };
}

/** Runs the `fleetpane` command the way a user's script would, for e2e setup and cross-checks. */
import type { ChildProcess } from 'node:child_process';
import { runFleetpane, startServeProcess } from '../electron/backend/cli/testing/fleetpane-process';
import { Overview } from '../shared/overview';

/** Runs a fleetpane command to completion and returns its standard output; throws on a non-zero exit. */
export async function fleetpane(args: string[]): Promise<string> {
  const run = await runFleetpane(args);
  if (run.code !== 0) throw new Error(`fleetpane ${args[0] ?? ''} exited with ${run.code}: ${run.stderr}`);
  return run.stdout;
}

/** `fleetpane overview --json`, parsed with the contract's schema. */
export async function overviewFromCli(dataDir: string, asOf?: string): Promise<Overview> {
  const args = ['overview', '--data-dir', dataDir, '--json'];
  if (asOf) args.push('--as-of', asOf);
  return Overview.parse(JSON.parse(await fleetpane(args)));
}

/** Starts `fleetpane serve` and resolves with the URL (token included) it prints. */
export async function startServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const { child, url } = await startServeProcess(args);
  return { url: url.toString(), child };
}

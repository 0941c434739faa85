/**
 * Serve mode and `fleetpane report` under a careless user, against the real command: impossible or
 * reversed dates are refused naming the field (400 / exit 2, not 500), and a serve without --config
 * says it does not sync the accounts it shows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleetpane, startServeProcess, stopProcess, type FleetpaneRun } from './testing/fleetpane-process';

// Each run loads the provider SDKs; on a shared 2-core machine that alone can take tens of seconds.
const SLOW = 240_000;

let home: string;
let config: string;
let dataDir: string;

const env = (): NodeJS.ProcessEnv => ({ ...process.env, XDG_CONFIG_HOME: join(home, 'xdg'), HOME: home, NODE_ENV: 'test' });
const fleetpane = (args: string[]): Promise<FleetpaneRun> => runFleetpane(args, env());

interface Reply {
  status: number;
  body: { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };
}

/** POSTs one API channel with the serve token as a bearer header. */
function call(url: URL, channel: string, body: unknown): Promise<Reply> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `/api/${channel}`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${url.searchParams.get('token') ?? ''}` },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Reply['body'] }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'fleetpane-serve-input-'));
  config = join(home, 'fleet.json');
  dataDir = join(home, 'data');
  // One account, switched off: serve creates and registers it without fetching a fleet.
  await writeFile(config, JSON.stringify({ accounts: [{ name: 'gcp-training', provider: 'demo', enabled: false }] }));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('dates', { timeout: SLOW }, () => {
  it('serve answers 400 naming the field for an impossible date or a reversed period', async () => {
    const { child, url } = await startServeProcess(['--config', config, '--data-dir', dataDir, '--port', '0'], env(), SLOW);
    try {
      const impossible = await call(url, 'spend:report', { from: '2026-13-45', to: '2026-12-01', groupBy: ['cloud'] });
      expect(impossible.status).toBe(400);
      expect(impossible.body.error?.message).toMatch(/from: 2026-13-45 is not a calendar date/);
      const reversed = await call(url, 'spend:report', { from: '2026-12-01', to: '2026-11-01', groupBy: ['cloud'] });
      expect(reversed.status).toBe(400);
      expect(reversed.body.error?.message).toMatch(/from: 2026-12-01 is after to \(2026-11-01\)/);
      const prices = await call(url, 'spend:gpu-hour-prices', { from: '2026-11-01', to: '2026-02-30' });
      expect(prices.status).toBe(400);
      expect(prices.body.error?.message).toMatch(/to: 2026-02-30 is not a calendar date/);
      const fine = await call(url, 'spend:report', { from: '2026-11-01', to: '2026-11-30', groupBy: ['cloud'] });
      expect(fine.status).toBe(200);

      // This serve syncs its config's accounts.
      const state = await call(url, 'accounts:state', {});
      expect(state.body.data?.syncedHere).toBe(true);
    } finally {
      await stopProcess(child);
    }
  });

  it('report --from/--to refuses a day that does not exist, naming the flag', async () => {
    const run = await fleetpane(['report', '--data-dir', dataDir, '--from', '2026-02-01', '--to', '2026-02-30', '--format', 'csv', '--out', join(home, 'r.csv')]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('fleetpane report: --to: 2026-02-30 is not a calendar date (month 01-12, day within the month)');
    const reversed = await fleetpane(['report', '--data-dir', dataDir, '--from', '2026-12-01', '--to', '2026-11-01', '--format', 'csv', '--out', join(home, 'r.csv')]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr.trim()).toBe('fleetpane report: --from: 2026-12-01 is after to (2026-11-01)');
  });
});

describe('serve without --config', { timeout: SLOW }, () => {
  it('lists the stored accounts as read-only and not synced here', async () => {
    // A sync registers the account in the store (a switched-off account is never fetched).
    expect((await fleetpane(['sync', '--config', config, '--data-dir', dataDir])).code).toBe(0);
    const { child, url } = await startServeProcess(['--data-dir', dataDir, '--port', '0'], env(), SLOW);
    try {
      const state = await call(url, 'accounts:state', {});
      expect(state.status).toBe(200);
      const data = state.body.data as { accounts: { name: string }[]; syncedHere: boolean; canManage: boolean; manageRefusal: string };
      expect(data.accounts.map((a) => a.name)).toEqual(['gcp-training']);
      expect(data.syncedHere).toBe(false);
      expect(data.canManage).toBe(false);
      expect(data.manageRefusal).toMatch(/read-only/);
      const syncNow = await call(url, 'sync:now', { account: 'gcp-training' });
      expect(syncNow.status).toBe(403);
    } finally {
      await stopProcess(child);
    }
  });
});

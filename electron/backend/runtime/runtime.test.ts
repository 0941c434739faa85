/**
 * The composition root end to end on a temp data dir: the demo account synced once, the overview
 * read through the API the runtime built, PDF reports printed by the printer handed in, and a close
 * that leaves nothing running (the store's lock released, no timer of the runtime's left behind).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiReply } from '../../../shared/contract';
import { CostReportQuery } from '../../../shared/contract-spend';
import { Overview } from '../../../shared/overview';
import { EnvironmentOnlyVault } from '../accounts/secret-vault';
import { dispatch } from '../api/index';
import type { PdfPrinter } from '../reports/pdf';
import { openStore, STORE_FILE } from '../store/index';
import { tempDataDir } from '../store/test-support';
import { parseAccount } from '../sync/wiring';
import { DEMO_CONFIG, startRuntime, validateConfig, type Runtime } from './index';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir(): Promise<string> {
  const temp = await tempDataDir();
  cleanups.push(temp.cleanup);
  return temp.dir;
}

function data<T>(reply: ApiReply): T {
  if (!reply.ok) throw new Error(`API refused: ${reply.error.code}: ${reply.error.message}`);
  return reply.data as T;
}

/** Timers and handles this process holds, by kind (what a runtime left running would add to). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('startRuntime', () => {
  it('syncs the demo account once, answers the overview through its API, and closes without leaving anything running', async () => {
    const dir = await dataDir();
    const timersBefore = activeTimers();
    const runtime = await startRuntime({
      dataDir: dir,
      // The demo fleet at its smallest (one machine a pool), so one full sync stays quick.
      config: validateConfig({ accounts: [{ name: 'demo', provider: 'demo', scale: 0.01 }] }, 'test config', parseAccount),
      mode: 'desktop',
      version: 'test',
      accounts: {
        configFile: null,
        entries: DEMO_CONFIG.accounts.map((a) => ({ name: a.name, provider: a.provider })),
        manageRefusal: null,
        vault: new EnvironmentOnlyVault('no typed secrets in this test', {}),
      },
    });
    let open: Runtime | null = runtime;
    cleanups.push(async () => {
      await open?.close();
    });
    expect(existsSync(join(dir, STORE_FILE))).toBe(true);
    expect(runtime.engine?.accountNames()).toEqual(['demo']);
    expect(runtime.demo()).toBe(true);

    const summary = await runtime.engine?.syncOnce();
    expect(summary?.ok).toBe(true);

    const info = data<{ demo: boolean; version: string }>(await dispatch(runtime.api, 'app:info', {}));
    expect(info).toMatchObject({ demo: true, version: 'test' });
    const overview = Overview.parse(data(await dispatch(runtime.api, 'fleet:overview', { filter: {} })));
    expect(overview.totals.gpus.total).toBeGreaterThan(0);
    expect(overview.clouds.length).toBeGreaterThan(0);

    // Running schedules (sync and reports) stop with close(), as does everything else.
    runtime.start();
    await runtime.close();
    open = null;
    expect(runtime.closing).toBeNull();
    // close() is idempotent, and the dispose protocol is the same close.
    await runtime.close();
    await runtime[Symbol.asyncDispose]();
    // The store's lock is released: another process (here, another open) may take the folder.
    const again = await openStore(dir);
    await again.close();
    // No timer of the runtime's is still pending (sync schedules, report checks, retries).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    // Loading the provider registry (every SDK) takes a while on a loaded machine.
  }, 180_000);

  it('opens a store read-only with no sync engine and no accounts service', async () => {
    const dir = await dataDir();
    const writer = await startRuntime({ dataDir: dir, config: null });
    await writer.close();
    const reader = await startRuntime({ dataDir: dir, config: null, readOnly: true });
    try {
      expect(reader.store.readOnly).toBe(true);
      expect(reader.engine).toBeUndefined();
      expect(reader.accounts).toBeUndefined();
      const accounts = data<{ accounts: unknown[] }>(await dispatch(reader.api, 'accounts:list', {}));
      expect(accounts.accounts).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it('closes the store when building the rest fails', async () => {
    const dir = await dataDir();
    const closed = vi.fn();
    await expect(
      startRuntime({
        dataDir: dir,
        config: null,
        printer: () => {
          throw new Error('no printer today');
        },
        openStore: async (folder, options) => {
          const store = await openStore(folder, options);
          return Object.assign(Object.create(store) as typeof store, {
            close: async () => {
              closed();
              await store.close();
            },
          });
        },
      }),
    ).rejects.toThrow('no printer today');
    expect(closed).toHaveBeenCalledOnce();
  });
});

describe('PDF reports through the printer handed in', () => {
  it('spend:export in PDF is printed by the given printer, which is built over the runtime\'s store', async () => {
    const dir = await dataDir();
    const pdf = new TextEncoder().encode('%PDF-1.7 fake');
    const print = vi.fn(async (_query: CostReportQuery) => pdf);
    const built = vi.fn();
    const runtime = await startRuntime({
      dataDir: dir,
      config: null,
      version: 'test',
      printer: (parts): PdfPrinter => {
        built(parts.store === undefined ? null : parts.version);
        return { print };
      },
    });
    try {
      expect(built).toHaveBeenCalledWith('test');
      expect(runtime.printer).toBeDefined();
      const query = CostReportQuery.parse({ title: 'October', from: '2026-10-01', to: '2026-10-31', groupBy: ['cloud'] });
      const reply = data<{ fileName: string; mimeType: string; base64: string }>(await dispatch(runtime.api, 'spend:export', { query, format: 'pdf' }));
      expect(reply.mimeType).toBe('application/pdf');
      expect(reply.fileName).toBe('fleetpane-spend-2026-10-01-to-2026-10-31.pdf');
      expect(Buffer.from(reply.base64, 'base64').toString()).toBe('%PDF-1.7 fake');
      expect(print).toHaveBeenCalledOnce();
      expect(print.mock.calls[0]?.[0]).toMatchObject({ title: 'October', from: '2026-10-01', to: '2026-10-31' });
    } finally {
      await runtime.close();
    }
  });

  it('without a printer, a PDF export is refused in one line and the other formats still render', async () => {
    const dir = await dataDir();
    const runtime = await startRuntime({ dataDir: dir, config: null, version: 'test' });
    try {
      const query = CostReportQuery.parse({ from: '2026-10-01', to: '2026-10-31', groupBy: ['cloud'] });
      const refused = await dispatch(runtime.api, 'spend:export', { query, format: 'pdf' });
      expect(refused.ok).toBe(false);
      const csv = data<{ mimeType: string }>(await dispatch(runtime.api, 'spend:export', { query, format: 'csv' }));
      expect(csv.mimeType).toBe('text/csv');
    } finally {
      await runtime.close();
    }
  });
});

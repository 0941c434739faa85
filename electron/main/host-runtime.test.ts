import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract';
import { EnvironmentOnlyVault } from '../backend/accounts/secret-vault';
import { openStoreForCli } from '../backend/runtime/open-store';
import type { FleetStore } from '../backend/store/types';
import type { Logger } from '../backend/sync/logger';
import { HostRuntime } from './host-runtime';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('HostRuntime', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function startDemoOnly() {
    const userData = mkdtempSync(join(tmpdir(), 'fleetpane-host-'));
    const opened: string[] = [];
    const closed: string[] = [];
    const events: AppEvent[] = [];
    const runtime = await HostRuntime.start({
      userDataFolder: userData,
      configFile: null,
      dataDir: null,
      version: 'test',
      vault: new EnvironmentOnlyVault('no typed secrets in this test', {}),
      emit: (event) => events.push(event),
      log: quiet,
      startSyncing: false,
      openStore: async (dir): Promise<FleetStore> => {
        opened.push(dir);
        const store = await openStoreForCli(dir);
        return Object.assign(Object.create(store) as FleetStore, {
          close: async () => {
            closed.push(dir);
            await store.close();
          },
        });
      },
    });
    cleanups.push(() => rmSync(userData, { recursive: true, force: true }));
    cleanups.push(() => runtime.stop());
    return { userData, runtime, opened, closed, events };
  }

  const entry = { name: 'k8s-prod', provider: 'kubernetes', kubeconfig: '/nonexistent/kubeconfig', context: 'prod' };

  it('starts a demo-only install on the demo store', async () => {
    const { userData, runtime, opened } = await startDemoOnly();
    expect(runtime.demo).toBe(true);
    expect(runtime.dataDir).toBe(join(userData, 'demo'));
    expect(opened).toEqual([join(userData, 'demo')]);
    expect(runtime.accountNames()).toEqual(['demo']);
  });

  it('moves to the main store at once when the first config is saved, and tells the renderer to refetch', async () => {
    const { userData, runtime, opened, closed, events } = await startDemoOnly();
    const reply = await runtime.dispatch('accounts:save', { entry });
    expect(reply).toEqual({ ok: true, data: { name: 'k8s-prod' } });
    // The config file exists and holds the demo and the new account; the runtime now uses it.
    expect(JSON.parse(readFileSync(join(userData, 'config.json'), 'utf8')).accounts.map((a: { name: string }) => a.name)).toEqual(['demo', 'k8s-prod']);
    expect(closed).toEqual([join(userData, 'demo')]);
    expect(opened).toEqual([join(userData, 'demo'), userData]);
    expect(runtime.dataDir).toBe(userData);
    expect(runtime.demo).toBe(false);
    expect(runtime.configFile).toBe(join(userData, 'config.json'));
    expect(runtime.accountNames().sort()).toEqual(['demo', 'k8s-prod']);
    const changed = events.filter((e): e is Extract<AppEvent, { type: 'data-changed' }> => e.type === 'data-changed');
    expect(changed.map((e) => e.account).sort()).toEqual(['demo', 'k8s-prod']);
    expect(changed[0]?.streams).toEqual(['inventory', 'metrics', 'costs', 'incidents']);
    // The new handlers answer from the main store's accounts service.
    const state = await runtime.dispatch('accounts:state', {});
    expect(state.ok && (state.data as { configFile: string | null }).configFile).toBe(join(userData, 'config.json'));
  });

  it('switches once: later changes and refused requests stay on the main store', async () => {
    const { userData, runtime, opened } = await startDemoOnly();
    const refused = await runtime.dispatch('accounts:save', { entry: { name: 'bad', provider: 'kubernetes', prometheus: { url: 'not a url' } } });
    expect(refused.ok).toBe(false);
    expect(existsSync(join(userData, 'config.json'))).toBe(false);
    expect(runtime.dataDir).toBe(join(userData, 'demo'));
    await runtime.dispatch('accounts:save', { entry });
    await runtime.dispatch('accounts:set-enabled', { name: 'k8s-prod', enabled: false });
    expect(opened).toEqual([join(userData, 'demo'), userData]);
    expect(runtime.dataDir).toBe(userData);
  });
});

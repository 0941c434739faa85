import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/index';
import { tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';
import { systemClock } from './clock';
import { SyncEngine } from './engine';
import { FakeConnector, accountConfig } from './testing/fake-connector';

const SAMPLE = fileURLToPath(new URL('../reports/testing/fixtures/focus_1.0_sample_aws.csv', import.meta.url));
// Inside the sample's billing period (2024-09), so the costs window covers its charges.
const NOW = new Date('2024-10-02T00:00:00Z');

describe('cost rows of an account whose connector does not bill', () => {
  let cleanup: () => Promise<void>;
  let store: FleetStore;

  beforeEach(async () => {
    const made = await tempDataDir();
    cleanup = made.cleanup;
    store = await openStore(made.dir, { now: () => NOW });
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  async function syncWith(bills: boolean | undefined): Promise<number | undefined> {
    const imported = await store.importFocus([SAMPLE], 'aws-prod');
    expect(imported.rows).toBeGreaterThan(100);
    // An AWS account without `spend`: its costs stream is empty.
    const connector = Object.assign(new FakeConnector('aws-prod', 'demo'), bills === undefined ? {} : { bills });
    const engine = new SyncEngine({ store, accounts: [{ config: accountConfig('aws-prod', 'demo'), connector }], clock: { ...systemClock, now: () => NOW }, random: () => 0.5 });
    const summary = await engine.syncOnce();
    expect(summary.accounts[0]?.streams.costs.status).toBe('ok');
    expect(connector.calls.costs).toHaveLength(bills === false ? 0 : 1);
    return (await store.costAccounts()).find((a) => a.name === 'aws-prod')?.rows ?? 0;
  }

  it('keeps the FOCUS rows imported by hand for the same account name (fleetpane import-focus)', async () => {
    expect(await syncWith(false)).toBe(367);
  });

  it('still replaces the window with what a billing connector reports (an empty stream clears it)', async () => {
    expect(await syncWith(undefined)).toBe(0);
  });
});


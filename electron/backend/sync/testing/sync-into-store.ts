/**
 * One sync of real connectors into a real DuckDB store in a temporary data directory, for the
 * providers' integration tests; with `triage` the engine is wired as the app wires it
 * (sync/wiring.ts createEngineWithTriage: the triage watcher runs after each commit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Overview } from '../../../../shared/overview';
import { createTriageWatcher } from '../../analytics/triage-watcher';
import { openStore } from '../../store/index';
import type { FleetStore } from '../../store/types';
import { systemClock } from '../clock';
import { SyncEngine, type SyncAccount } from '../engine';
import type { SyncSummary } from '../summary';

export interface SyncIntoStoreOptions {
  /** The instant the store, the engine and the overview all take as now. */
  now: Date;
  /** Prefix of the temporary data directory's name, so a leftover one says which test made it. */
  dirPrefix: string;
  /**
   * Run the triage watcher (derived signals, alert rules) after each commit, as the app does. Off,
   * the overview holds only what the connectors reported, which is what a connector's own truth checks.
   */
  triage: boolean;
}

export interface SyncedStore {
  store: FleetStore;
  summary: SyncSummary;
  /** The overview at `now` with no filter, as the pane first asks for it. */
  overview: Overview;
  /** Runs one more sync of the same accounts into the same store (a later delivery, a restatement) and reads the overview again. */
  syncAgain(): Promise<{ summary: SyncSummary; overview: Overview }>;
  /** Closes the store and removes its data directory. */
  close(): Promise<void>;
}

/** Opens a store in a fresh temporary directory, runs one sync of `accounts` into it and reads the overview. */
export async function syncIntoStore(accounts: readonly SyncAccount[], options: SyncIntoStoreOptions): Promise<SyncedStore> {
  const { now } = options;
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix));
  let store: FleetStore | undefined;
  const close = async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    store = await openStore(dir, { now: () => now });
    const clock = { ...systemClock, now: () => now };
    const triage = options.triage ? createTriageWatcher({ store, clock }) : undefined;
    const engine = new SyncEngine({ store, accounts, clock, random: () => 0.5, ...(triage ? { afterCommit: triage.afterCommit } : {}) });
    const opened = store;
    const once = async () => {
      const summary = await engine.syncOnce();
      return { summary, overview: await opened.overview(now, { clouds: [], regions: [], gpuModels: [] }) };
    };
    const first = await once().finally(() => triage?.stop());
    return { store, ...first, syncAgain: once, close };
  } catch (err) {
    await close();
    throw err;
  }
}

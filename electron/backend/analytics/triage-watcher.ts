/**
 * Runs after each committed sync: the derived signals of the account (after inventory and metrics),
 * then the alert rules (after any stream). Runs are serialised, so two commits never race on the
 * incident table, and a failure is logged without failing the sync that triggered it.
 */
import type { AppEvent } from '../../../shared/contract';
import type { StreamId } from '../../../shared/domain';
import type { FleetStore } from '../store/types';
import { systemClock, type Clock } from '../sync/clock';
import { silentLogger, type Logger } from '../sync/logger';
import { AlertMonitor } from './alerts';
import { detectSignals } from '../domain/derived-signals';

export interface TriageWatcherOptions {
  store: FleetStore;
  emit?: (event: AppEvent) => void;
  clock?: Clock;
  log?: Logger;
}

export interface TriageWatcher {
  /** Call after a stream of an account committed. */
  afterCommit(account: string, stream: StreamId): Promise<void>;
  /** Re-evaluates the alert rules now (after the user edits them); never rejects, failures are logged. */
  evaluateAlerts(): Promise<void>;
  stop(): void;
}

/** Streams whose data the derived signals read. */
const SIGNAL_STREAMS: ReadonlySet<StreamId> = new Set(['inventory', 'metrics']);

/** Runs the derived signals of one account at `asOf` and writes them; returns what changed. */
export async function runDerivedSignals(store: FleetStore, account: string, asOf: Date) {
  const input = await store.signalInput(account, asOf);
  return store.writeDerivedIncidents(account, detectSignals(input), asOf);
}

/** Creates the watcher the sync engine calls after each commit. */
export function createTriageWatcher(options: TriageWatcherOptions): TriageWatcher {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger;
  const emit = options.emit ?? (() => undefined);
  const alerts = new AlertMonitor({ store, emit, clock, log });
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  // One queue for commits and rule edits, so an edit never races a commit's evaluation.
  const enqueue = (work: () => Promise<void>, what: string, fields: Record<string, unknown>): Promise<void> => {
    if (stopped || store.readOnly) return Promise.resolve();
    const next = queue.then(async () => {
      try {
        await work();
      } catch (error) {
        log.warn(`${what} failed`, { ...fields, message: error instanceof Error ? error.message : String(error) });
      }
    });
    queue = next;
    return next;
  };

  const run = (account: string, stream: StreamId): Promise<void> =>
    enqueue(
      async () => {
        if (SIGNAL_STREAMS.has(stream)) {
          const asOf = clock.now();
          const changes = await runDerivedSignals(store, account, asOf);
          if (changes.opened.length > 0 || changes.resolved.length > 0) {
            log.info('derived signals changed', { account, opened: changes.opened.length, resolved: changes.resolved.length });
            emit({ type: 'data-changed', account, streams: ['incidents'] });
          }
        }
        await alerts.evaluate();
      },
      'derived signals',
      { account, stream },
    );

  return {
    afterCommit: run,
    evaluateAlerts: () => enqueue(() => alerts.evaluate(), 'alert evaluation', {}),
    stop: () => {
      stopped = true;
      alerts.stop();
    },
  };
}

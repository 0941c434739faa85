/**
 * What callers get from the store: one object implementing every area's interface (fleet, spend,
 * triage, FOCUS), composed in index.ts from each area's reader and writer. The DuckDB implementation
 * lives beside this file; tests of the sync engine use an in-memory fake of the same interface.
 */
import type { FleetArea } from './fleet/types';
import type { FocusArea } from './focus/types';
import type { SpendArea } from './spend/types';
import type { TriageArea } from './triage/types';

export type { RunStart, StoredAccount, Window } from './sync-run';
export type { FleetArea, FleetReader, FleetWriter } from './fleet/types';
export type { CostAccount, SpendArea, SpendReader, SpendWriter } from './spend/types';
export type { DerivedChanges, TriageArea, TriageReader, TriageWriter } from './triage/types';
export type { FocusArea, FocusReader, FocusWriter } from './focus/types';

/** The store callers use: the composition of the areas, plus how it was opened and how it closes. */
export interface FleetStore extends FleetArea, SpendArea, TriageArea, FocusArea {
  readonly readOnly: boolean;
  /**
   * Does now, to the end, what the store otherwise does when quiet (raw samples written out of time
   * order rewritten in it), then checkpoints and keeps the overview's facts for the current minute:
   * for a bench or an export that wants the settled layout.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the sync engine needs from the store: each area's sync write, the run bookkeeping, and the
 * cursor and inventory it reads back (the engine's tests fake exactly this).
 */
export type StoreWriter = Pick<
  FleetStore,
  | 'upsertAccounts'
  | 'writeInventory'
  | 'writeMetrics'
  | 'writeCosts'
  | 'importFocus'
  | 'writeIncidents'
  | 'recordFailure'
  | 'cursor'
  | 'resources'
  | 'applyRetention'
  | 'removeAccount'
>;

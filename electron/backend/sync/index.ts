/** The sync engine's public surface (the CLI, the API and the shell import from here). */
export { SyncEngine, toSyncError, type SyncAccount, type SyncEngineOptions, type SyncOnceOptions } from './engine';
export { AccountSyncSummary, StreamSyncSummary, SyncSummary, SyncWindow } from './summary';
export { DEFAULT_SYNC_INTERVALS, STALE_AFTER_INTERVALS, intervalSeconds, isStale } from './freshness';
export { systemClock, type Clock, type TimerHandle } from './clock';
export { jsonLineLogger, silentLogger, type LogFields, type Logger } from './logger';

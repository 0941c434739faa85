import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './index';
import type { FleetStore } from './types';
import { account, queryStoreFile, tempDataDir } from './test-support';
import { KEPT_RUNS_PER_STREAM } from './sync-run';

const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;
const DOWN = JSON.stringify({ kind: 'unavailable', message: 'down', retryAfterMs: null });

describe('sync runs kept', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: FleetStore;
  const open = (): Promise<FleetStore> => openStore(dir, { now: () => new Date(ASOF) });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    store = await open();
    await store.upsertAccounts([account('acct'), account('other')]);
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  /** Runs SQL on the store's file with the store closed, and returns the first column of each row. */
  async function sql(text: string): Promise<unknown[]> {
    await store.close();
    try {
      return (await queryStoreFile(dir, text)).map((r) => r[0]);
    } finally {
      store = await open();
    }
  }

  /**
   * `n` runs of one stream, one a minute, the last finishing at `endMs`, those from the `errorsFrom`-th
   * on (0 the oldest) failed. Streams end seconds apart: the history orders by when runs finished.
   */
  const runsOf = (acct: string, stream: string, n: number, endMs: number, errorsFrom: number): string => `
    INSERT INTO sync_run SELECT '${acct}-${stream}-' || i, '${acct}', '${stream}',
      epoch_ms(${endMs}::BIGINT - (${n - 1} - i) * ${MIN} - 5000), epoch_ms(${endMs}::BIGINT - (${n - 1} - i) * ${MIN}),
      CASE WHEN i >= ${errorsFrom} THEN 'error' ELSE 'ok' END, 10, 0, 1, CASE WHEN i >= ${errorsFrom} THEN '${DOWN}' END
    FROM range(${n}) t(i)`;

  it('prunes all but the newest of each stream and its last success and failure, and every screen answers as before', async () => {
    await sql(
      [
        // Minute syncs; the last five failed, after the last success.
        runsOf('acct', 'metrics', 1200, ASOF, 1195),
        // One success 400 days ago, then 600 failures: freshness still reads that success.
        `INSERT INTO sync_run VALUES ('acct-costs-old', 'acct', 'costs', epoch_ms(${ASOF - 400 * DAY - 5000}), epoch_ms(${ASOF - 400 * DAY}), 'ok', 3, 0, 1, NULL)`,
        runsOf('acct', 'costs', 600, ASOF - 10_000, 0),
        // A failure long ago, then 700 successes: no error to show.
        `INSERT INTO sync_run VALUES ('acct-inventory-old', 'acct', 'inventory', epoch_ms(${ASOF - 30 * DAY - 5000}), epoch_ms(${ASOF - 30 * DAY}), 'error', 0, 0, 1, '${DOWN}')`,
        runsOf('acct', 'inventory', 700, ASOF - 20_000, 700),
        // Fewer than are kept: untouched.
        runsOf('other', 'incidents', 10, ASOF - 30_000, 9),
      ].join(';\n'),
    );
    const asOf = new Date(ASOF);
    const read = async () => ({
      accounts: await store.accounts(asOf),
      // The most the history gives.
      all: await store.syncRuns(undefined, KEPT_RUNS_PER_STREAM),
      acct: await store.syncRuns('acct', KEPT_RUNS_PER_STREAM),
      other: await store.syncRuns('other', KEPT_RUNS_PER_STREAM),
      problems: (await store.triageList(asOf)).dataProblems,
    });
    const before = await read();
    const streams = before.accounts.accounts.find((a) => a.name === 'acct')!.freshness.streams;
    expect(streams.metrics).toMatchObject({ lastSuccessAt: new Date(ASOF - 5 * MIN).toISOString(), lastError: { kind: 'unavailable' } });
    expect(streams.costs).toMatchObject({ lastSuccessAt: new Date(ASOF - 400 * DAY).toISOString(), stale: true, lastError: { kind: 'unavailable' } });
    // The failure came before the last success: the stream is healthy.
    expect(streams.inventory).toMatchObject({ lastSuccessAt: new Date(ASOF - 20_000).toISOString(), stale: false, lastError: null });
    expect(before.problems.length).toBeGreaterThan(0);

    await store.applyRetention(asOf);

    expect(await read()).toEqual(before);
    const kept = await sql(`SELECT account || '/' || stream || '=' || count(*) FROM sync_run GROUP BY account, stream ORDER BY 1`);
    expect(kept).toEqual([
      // The newest, and the success 400 days old.
      `acct/costs=${KEPT_RUNS_PER_STREAM + 1}`,
      // The newest, and the failure 30 days old.
      `acct/inventory=${KEPT_RUNS_PER_STREAM + 1}`,
      // The newest hold the last success and the last failure.
      `acct/metrics=${KEPT_RUNS_PER_STREAM}`,
      'other/incidents=10',
    ]);
  });
});

/**
 * A long-running store's sync history: every sync run is recorded, and every overview and the accounts
 * screen read the runs for freshness. BENCH_HISTORY_DAYS (90) days of runs of five accounts at the
 * demo's intervals (a minute for metrics: 1,440 runs a day each), one run in a hundred failed; the
 * accounts read before and after the store's retention prunes the runs no screen reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoConfig } from '../electron/backend/providers/demo/config';
import { openStore } from '../electron/backend/store/index';
import { queryStoreFile } from '../electron/backend/store/test-support';
import { timeRepeated } from './measure';
import type { RecordMeasure } from './prometheus';

const DAYS = Number(process.env.BENCH_HISTORY_DAYS ?? 90);
const ACCOUNTS = 5;
const DAY_MS = 86_400_000;

/** Times the accounts read over a long sync history, then over what retention keeps of it. */
export async function benchSyncHistory(record: RecordMeasure): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-bench-history-'));
  const asOf = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  try {
    const intervals = DemoConfig.parse({ name: 'history', provider: 'demo' }).syncIntervals;
    const names = Array.from({ length: ACCOUNTS }, (_, i) => `history-${i}`);
    let store = await openStore(dir);
    await store.upsertAccounts(names.map((name) => ({ name, provider: 'demo' as const, enabled: true, intervals })));
    await store.close();
    const start = asOf.getTime() - DAYS * DAY_MS;
    const streams = Object.entries(intervals).map(([stream, seconds]) => `('${stream}', ${seconds * 1000})`).join(', ');
    await queryStoreFile(
      dir,
      `
        INSERT INTO sync_run
        SELECT a.name || '-' || s.stream || '-' || i, a.name, s.stream,
               epoch_ms(${start}::BIGINT + i * s.every_ms), epoch_ms(${start}::BIGINT + i * s.every_ms + 3000),
               CASE WHEN hash(a.name, s.stream, i) % 100 = 0 THEN 'error' ELSE 'ok' END, 10, 0, 1,
               CASE WHEN hash(a.name, s.stream, i) % 100 = 0 THEN '{"kind":"unavailable","message":"down","retryAfterMs":null}' END
        FROM (VALUES ${streams}) s(stream, every_ms), (SELECT name FROM account) a, range(${DAYS * 1440}) t(i)
        WHERE i * s.every_ms < ${DAYS * DAY_MS}::BIGINT`,
    );
    const runsBefore = await countRuns(dir);
    store = await openStore(dir);
    try {
      const full = await timeRepeated(() => store.accounts(asOf));
      await store.applyRetention(asOf);
      // A checkpoint, as the store's quiet time brings: until then the pruned runs are marked deleted
      // in the row groups that held them, and reads still scan those.
      await store.settle();
      const pruned = await timeRepeated(() => store.accounts(asOf));
      record({
        name: `accounts' freshness read (what every overview reads) over ${DAYS} days of sync runs of ${ACCOUNTS} accounts, after retention, p50`,
        value: pruned.p50,
        unit: 'ms',
        target: 'informational',
        met: true,
        reference: { name: 'the same read before retention pruned the runs, p50 ms', value: full.p50, ratio: pruned.p50 / full.p50 },
      });
    } finally {
      await store.close();
    }
    console.log(`  sync runs: ${runsBefore.toLocaleString('en-US')} before retention, ${(await countRuns(dir)).toLocaleString('en-US')} after`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Sync runs stored in the file, read with no store open on it. */
async function countRuns(dir: string): Promise<number> {
  return Number((await queryStoreFile(dir, 'SELECT count(*) FROM sync_run'))[0]?.[0] ?? 0);
}

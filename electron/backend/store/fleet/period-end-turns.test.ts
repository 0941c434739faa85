/**
 * When a 5-minute bucket, an hour or a minute ends, every GPU with samples in it gets its row at once:
 * 100,000 rows at 100,000 GPUs, as many again when an hour ends with the bucket. Appended in one go,
 * they held the event loop for half a second during a first backfill (DuckDB's appender writes rows in
 * the calls that append them). The write appends them a chunk at a time with the event loop's turns
 * between, and loses none.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../event-loop-turns';
import { sample } from '../test-support';
import { useOneGpuStoreFile } from '../testing/use-temp-store';
import { CHUNK_ROWS } from '../typed-chunks';
import { MinuteDetail } from './minute-detail';
import { RollupPartials } from './rollup-partials';
import { clearRollups, HOUR_MS } from './rollups';
import { StagedSamples } from './sample-appender';

const MIN = 60_000;
const T0 = Date.parse('2026-11-25T00:00:00Z');
/** GPU slots: three full chunks of rows and a few more each time a period ends. */
const SLOTS = 3 * CHUNK_ROWS + 5;
/** Minutes of samples: two buckets, one hour (ended by the write's finish). */
const MINUTES = 10;

/** A turn budget that is always used (a turn at every chance), counting the turns taken. */
class EveryChance extends TurnBudget {
  taken = 0;
  constructor() {
    super(null, 0);
  }
  override async turn(): Promise<void> {
    this.taken++;
    await super.turn();
  }
}

describe('rows of ended periods', () => {
  const file = useOneGpuStoreFile(T0);

  /** Chunks appended: after turn k (`perTurn[k]`, any table), and per table. */
  interface Appended {
    perTurn: number[];
    byTable: Map<string, number>;
  }

  /** An appender of `table` whose chunks are counted in `appended`. */
  const counted = async (table: string, turns: EveryChance, appended: Appended): Promise<DuckDBAppender> => {
    const appender = await file.conn.createAppender(table);
    const append = appender.appendDataChunk.bind(appender);
    appender.appendDataChunk = (chunk) => {
      appended.perTurn[turns.taken] = (appended.perTurn[turns.taken] ?? 0) + 1;
      appended.byTable.set(table, (appended.byTable.get(table) ?? 0) + 1);
      append(chunk);
    };
    return appender;
  };

  /** Stages every slot's sample of each minute in one slice, in time order, and finishes the write. */
  const write = async (rollupsOnly: boolean): Promise<{ mostPerTurn: number; turns: number; beforeFinish: Map<string, number> }> => {
    const window = { from: T0, to: T0 + HOUR_MS };
    const rebuild = await clearRollups(file.conn, 'acct', window, { edgesInGpuSample: !rollupsOnly });
    const turns = new EveryChance();
    const appended: Appended = { perTurn: [], byTable: new Map() };
    const rollup5m = await counted('rollup_5m', turns, appended);
    const rollup1h = await counted('rollup_1h', turns, appended);
    const detail = rollupsOnly ? await counted('rollup_1m', turns, appended) : null;
    const samples = rollupsOnly ? null : await counted('gpu_sample', turns, appended);
    // Every slot is the one GPU: the rows are summed below, whoever they belong to.
    const gpuIdOfSlot = new Int32Array(SLOTS).fill(file.gpuId);
    const sums = new RollupPartials({ rollup5m, rollup1h }, { gpuIdOfSlot, groupOfSlot: new Int32Array(SLOTS), groups: [{ cloud: 'azure', region: 'r', gpuModel: 'm' }] }, rebuild);
    const minutes = detail === null ? null : new MinuteDetail(detail, gpuIdOfSlot);
    const staged = new StagedSamples(SLOTS * MINUTES);
    for (let m = 0; m < MINUTES; m++) for (let slot = 0; slot < SLOTS; slot++) staged.add(slot, sample('vm-1', 0, T0 + m * MIN + 7_000, 40));
    await staged.appendTo(minutes === null ? { samples: samples! } : { minutes }, sums, gpuIdOfSlot, turns);
    const beforeFinish = new Map(appended.byTable);
    await sums.finish(turns);
    await minutes?.finish(turns);
    for (const appender of [rollup5m, rollup1h, detail, samples]) appender?.closeSync();
    return { mostPerTurn: Math.max(...Array.from(appended.perTurn, (n) => n ?? 0)), turns: turns.taken, beforeFinish };
  };

  const one = async (sql: string): Promise<unknown[]> => (await (await file.conn.run(sql)).getRows())[0]!;

  it('appends a chunk of them between two turns of the event loop, and every row', async () => {
    const { mostPerTurn, turns, beforeFinish } = await write(false);
    // Between two turns: the chunk of samples just read and one chunk of rows of ended periods.
    expect(mostPerTurn).toBeLessThanOrEqual(2);
    // Three periods end (two buckets and the hour), each in 4 chunks.
    expect(turns).toBeGreaterThanOrEqual(3 * 4);
    // The first bucket's full chunks went in while the samples were read, not all at the end.
    expect(beforeFinish.get('rollup_5m')).toBe(Math.floor(SLOTS / CHUNK_ROWS));
    expect(await one('SELECT count(*)::INTEGER, sum(sample_count)::INTEGER, count(DISTINCT bucket)::INTEGER FROM rollup_5m')).toEqual([2 * SLOTS, MINUTES * SLOTS, 2]);
    expect(await one('SELECT count(*)::INTEGER, sum(sample_count)::INTEGER, min(sample_count), max(sample_count) FROM rollup_1h')).toEqual([SLOTS, MINUTES * SLOTS, MINUTES, MINUTES]);
    expect(await one('SELECT count(*)::INTEGER FROM gpu_sample')).toEqual([MINUTES * SLOTS]);
  });

  it('does the same for the minute rows of a rollups-only write', async () => {
    const { mostPerTurn, beforeFinish } = await write(true);
    // No samples are stored: one chunk of rows at a time.
    expect(mostPerTurn).toBeLessThanOrEqual(1);
    // The full chunks of the minutes the samples ended (all but the last) went in as they were read.
    expect(beforeFinish.get('rollup_1m')).toBe(Math.floor(((MINUTES - 1) * SLOTS) / CHUNK_ROWS));
    expect(await one('SELECT count(*)::INTEGER, sum(samples)::INTEGER, count(DISTINCT ts)::INTEGER FROM rollup_1m')).toEqual([MINUTES * SLOTS, MINUTES * SLOTS, MINUTES]);
    expect(await one('SELECT count(*)::INTEGER, sum(sample_count)::INTEGER FROM rollup_1h')).toEqual([SLOTS, MINUTES * SLOTS]);
  });
});

import { describe, expect, it } from 'vitest';
import { METRICS_CHUNK_MS, RAW_WINDOW_SAMPLES, ROLLUP_BUCKET_MS, ROLLUPS_WINDOW_SAMPLES, costsWindow, metricsWindows, rawChunkMs, rollupsChunkMs } from './windows';

const HOUR = 3_600_000;
const now = new Date('2026-01-15T12:00:42.500Z');
const to = Date.parse('2026-01-15T12:00:00.000Z');

describe('metricsWindows', () => {
  it('backfills from now minus backfillHours in 6-hour chunks, ending at the minute', () => {
    const chunks = metricsWindows(null, now, 24);
    expect(chunks).toHaveLength(4);
    expect(chunks[0]!.from).toBe(to - 24 * HOUR);
    expect(chunks[3]!.to).toBe(to);
    for (let i = 0; i < chunks.length; i++) {
      expect(chunks[i]!.to - chunks[i]!.from).toBe(METRICS_CHUNK_MS);
      if (i > 0) expect(chunks[i]!.from).toBe(chunks[i - 1]!.to);
    }
  });

  it('starts at the cursor and makes a short last chunk', () => {
    const cursor = to - 7 * HOUR;
    expect(metricsWindows(cursor, now, 24)).toEqual([
      { from: cursor, to: cursor + 6 * HOUR },
      { from: cursor + 6 * HOUR, to },
    ]);
  });

  it('is empty when the cursor is already at (or past) the current minute', () => {
    expect(metricsWindows(to, now, 24)).toEqual([]);
    expect(metricsWindows(to + 60_000, now, 24)).toEqual([]);
  });

  it('does not reach further back than raw samples are kept', () => {
    const chunks = metricsWindows(to - 30 * 24 * HOUR, now, 24);
    expect(chunks[0]!.from).toBe(to - 7 * 24 * HOUR);
    expect(chunks).toHaveLength(28);
  });

  it('starts a rollups-only account at the 5-minute bucket its cursor falls in, so each bucket is rebuilt whole', () => {
    const cursor = to - 2 * HOUR - 3 * 60_000;
    const chunks = metricsWindows(cursor, now, 24, ROLLUP_BUCKET_MS);
    expect(chunks).toEqual([{ from: to - 2 * HOUR - 5 * 60_000, to }]);
    expect(metricsWindows(to, now, 24, ROLLUP_BUCKET_MS)).toEqual([]);
  });

  it('aligns a fractional backfill to the minute', () => {
    const [only] = metricsWindows(null, now, 1.5);
    expect(only).toEqual({ from: to - 1.5 * HOUR, to });
    expect(only!.from % 60_000).toBe(0);
  });
});

describe('rawChunkMs', () => {
  const MINUTE = 60_000;
  it("keeps 10,000 GPUs' raw windows at 6 hours and a larger fleet's to the cap, in whole 5-minute buckets", () => {
    expect(rawChunkMs(10_000)).toBe(METRICS_CHUNK_MS);
    expect(rawChunkMs(11_111)).toBe(METRICS_CHUNK_MS);
    expect(rawChunkMs(100_000)).toBe(40 * MINUTE);
    expect(rawChunkMs(30_000)).toBe(130 * MINUTE);
    expect(rawChunkMs(0)).toBe(METRICS_CHUNK_MS);
    // Down to the 5-minute floor (800,000 GPUs).
    for (const gpus of [11_112, 30_000, 100_000, 800_000]) expect(rawChunkMs(gpus) * (gpus / MINUTE)).toBeLessThanOrEqual(RAW_WINDOW_SAMPLES);
  });
});

describe('rollupsChunkMs', () => {
  const MINUTE = 60_000;
  it('keeps a rollups-only window of a large fleet to the staging cap, in whole 5-minute buckets', () => {
    expect(rollupsChunkMs(2_000)).toBe(6 * HOUR);
    expect(rollupsChunkMs(100_000)).toBe(20 * MINUTE);
    expect(rollupsChunkMs(30_000)).toBe(65 * MINUTE);
    expect(rollupsChunkMs(10_000_000)).toBe(5 * MINUTE);
    expect(rollupsChunkMs(0)).toBe(6 * HOUR);
    const gpus = 100_000;
    const now = new Date(Date.UTC(2026, 0, 15, 12, 3, 0));
    const windows = metricsWindows(null, now, 24, 5 * MINUTE, rollupsChunkMs(gpus));
    expect(windows).toHaveLength(24 * 3 + 1);
    for (const w of windows) {
      expect(w.from % (5 * MINUTE)).toBe(0);
      expect((gpus * (w.to - w.from)) / MINUTE).toBeLessThanOrEqual(ROLLUPS_WINDOW_SAMPLES);
    }
    expect(windows.at(-1)).toEqual({ from: now.getTime() - 3 * MINUTE, to: now.getTime() });
  });
});

describe('costsWindow', () => {
  it('runs from the start of the UTC day lookbackDays ago to now', () => {
    expect(costsWindow(now, 35)).toEqual({ from: Date.parse('2025-12-11T00:00:00.000Z'), to: now.getTime() });
    expect(costsWindow(new Date('2026-03-01T00:00:00.000Z'), 1)).toEqual({
      from: Date.parse('2026-02-28T00:00:00.000Z'),
      to: Date.parse('2026-03-01T00:00:00.000Z'),
    });
  });
});

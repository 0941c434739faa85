import { describe, expect, it } from 'vitest';
import { describePeaks, emptyPeaks, foldMemoryLine, LONG_STALL_MS } from './memory-lines';

describe('memory lines', () => {
  it("splits the RSS of the line with the highest RSS, not a sum of peaks from different lines", () => {
    const peaks = emptyPeaks();
    foldMemoryLine('fleetpane memory: rss=500.0 heap=200.0 heap_total=260.0 external=30.0 duckdb=100.0 BASE_TABLE=90.0 loop_max_ms=40', peaks);
    foldMemoryLine('fleetpane memory: rss=600.0 heap=120.0 heap_total=150.0 external=10.0 duckdb=240.0 IN_MEMORY_TABLE=170.0 BASE_TABLE=60.0 loop_max_ms=12', peaks);
    foldMemoryLine('fleetpane memory: rss=550.0 heap=90.0 heap_total=140.0 external=5.0 duckdb=250.0 loop_max_ms=20', peaks);
    expect(peaks).toMatchObject({ rss: 600, heap: 200, heapTotal: 260, external: 30, duckdb: 250, loopMs: 40, lines: 3, longStallLines: 0 });
    expect(Object.fromEntries(peaks.tags)).toEqual({ BASE_TABLE: 90, IN_MEMORY_TABLE: 170 });
    expect(peaks.atRssPeak).toEqual({ rss: 600, heapTotal: 150, external: 10, duckdb: 240 });
    // 600 - 150 - 10 - 240: what none of the parts of that line holds.
    expect(describePeaks(peaks)).toContain('at the RSS peak V8 holds 150, external 10, DuckDB 240, the rest 200 (');
  });

  it('counts the lines whose span saw a stall over LONG_STALL_MS, and only those', () => {
    const peaks = emptyPeaks();
    for (const ms of [LONG_STALL_MS - 1, LONG_STALL_MS, LONG_STALL_MS + 1, 541, 3]) foldMemoryLine(`fleetpane memory: rss=300.0 loop_max_ms=${ms}`, peaks);
    foldMemoryLine('fleetpane memory: rss=300.0', peaks);
    expect(peaks).toMatchObject({ lines: 6, longStallLines: 2, loopMs: 541 });
    expect(describePeaks(peaks)).toContain(`longest event-loop stall 541 ms, one over ${LONG_STALL_MS} ms in 2 of 6 lines`);
    const one = emptyPeaks();
    foldMemoryLine('fleetpane memory: rss=300.0 loop_max_ms=541', one);
    expect(describePeaks(one)).toMatch(/longest event-loop stall 541 ms$/);
  });

  it('says nothing of a split before any line', () => {
    expect(describePeaks(emptyPeaks())).not.toContain('at the RSS peak');
  });
});

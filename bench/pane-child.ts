/**
 * The backend side of the pane's memory measurement (bench/run.ts builds it with bench-child.ts and
 * runs it): opens the store read-only as the backend opens it, answers the pane's queries five times
 * (the overview, both series, the filter options and the machine table's first two windows of 100 rows
 * by name and by GPU state; the table asks for windows, it never loads the fleet), and prints a JSON
 * line with its memory then, and another once the store has been quiet for IDLE_RELEASE_MS.
 */
import { IDLE_RELEASE_MS } from '../electron/backend/store/idle-memory';
import { openStore } from '../electron/backend/store/index';

const dir = process.env.PANE_STORE_DIR;
const asOfMs = Number(process.env.PANE_AS_OF_MS);
if (!dir || !Number.isSafeInteger(asOfMs)) throw new Error('PANE_STORE_DIR and PANE_AS_OF_MS must be set');
const store = await openStore(dir, { readOnly: true });
const asOf = new Date(asOfMs);
const filter = { clouds: [], regions: [], gpuModels: [] };
for (let i = 0; i < 5; i++) {
  await store.overview(asOf, filter);
  await store.utilisationSeries(asOf, '24h', filter, 'cloud');
  await store.utilisationSeries(asOf, '30d', filter, 'cloud');
  await store.filterOptions();
  for (const key of ['name', 'states'] as const) {
    for (const offset of [0, 100]) {
      await store.machineWindow(asOf, { filter, text: '', sort: { key, direction: 'ascending' }, offset, limit: 100 });
    }
  }
}
const report = async (phase: 'queried' | 'quiet', waitMs: number): Promise<void> => {
  // One more memory line (FLEETPANE_MEMORY_TRACE_MS) before each report.
  await new Promise((resolve) => setTimeout(resolve, waitMs + Number(process.env.FLEETPANE_MEMORY_TRACE_MS ?? 0) * 2));
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ phase, rss: m.rss, heapUsed: m.heapUsed, external: m.external })}\n`);
  // Marks where in the store's memory lines the report was taken.
  process.stderr.write(`pane report: ${phase}\n`);
};
await report('queried', 0);
// Once the store has been quiet long enough to hand its cached blocks back (idle-memory.ts).
await report('quiet', IDLE_RELEASE_MS);
await store.close();

/**
 * The backend side of the pane's memory measurement (bench/run.ts builds it with bench-child.ts and
 * runs it): opens the store read-only as the backend opens it, answers the pane's queries five times
 * (the overview, both series, the filter options and the machine table's first two windows of 100 rows
 * by name and by GPU state; the table asks for windows, it never loads the fleet), and prints one JSON
 * line with its memory.
 */
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
// One more memory line (FLEETPANE_MEMORY_TRACE_MS) once the queries are done.
await new Promise((resolve) => setTimeout(resolve, Number(process.env.FLEETPANE_MEMORY_TRACE_MS ?? 0) * 2));
const m = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external })}\n`);
await store.close();

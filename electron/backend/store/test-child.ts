/**
 * A child process for the store's lock and crash tests (run with `node --import tsx`):
 *   hold DIR        opens the store and waits to be killed
 *   write-loop DIR  writes one 5-minute metrics window after another, printing each commit
 */
import { openStore } from './index';
import { account, batchesOf, minutes, resource, run } from './test-support';

const [mode, dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: test-child.ts hold|write-loop DIR');
const store = await openStore(dir);
if (mode === 'hold') {
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1000);
} else {
  await store.upsertAccounts([account('acct')]);
  await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 8 })]));
  const T0 = Date.parse('2026-11-25T00:00:00Z');
  for (let i = 0; ; i++) {
    const from = (await store.cursor('acct', 'metrics')) ?? T0;
    const to = from + 5 * 60_000;
    const samples = Array.from({ length: 8 }, (_, g) => minutes('vm-1', g, from, to, 10 + g)).flat();
    // Several batches so a kill can land between appends of one transaction.
    await store.writeMetrics(run('acct', 'metrics'), { from, to }, batchesOf(samples.slice(0, 20), samples.slice(20)));
    process.stdout.write(`committed ${to}\n`);
  }
}

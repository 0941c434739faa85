import { describe, expect, it, vi } from 'vitest';
import type { GpuResource } from '../../../shared/domain';
import { InventoryWrites, SharedInventoryRead } from './inventory-reads';
import { resource } from './testing/fake-connector';

function counted(lists: GpuResource[][]) {
  let call = 0;
  return vi.fn(async () => lists[Math.min(call++, lists.length - 1)]!);
}

describe('SharedInventoryRead', () => {
  it('reads the store once for every caller while no inventory write comes between', async () => {
    const read = counted([[resource('lab-a', 'vm-1')]]);
    const shared = new SharedInventoryRead(new InventoryWrites(), read);
    const [first, second] = await Promise.all([shared.resources(), shared.resources()]);
    expect(await shared.resources()).toBe(first);
    expect(second).toBe(first);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('reads again after an inventory write, so the caller sees the inventory written in this run', async () => {
    const writes = new InventoryWrites();
    const read = counted([[resource('lab-a', 'vm-1')], [resource('lab-a', 'vm-2')]]);
    const shared = new SharedInventoryRead(writes, read);
    expect((await shared.resources()).map((r) => r.id)).toEqual(['vm-1']);
    await writes.around(async () => 1);
    expect((await shared.resources()).map((r) => r.id)).toEqual(['vm-2']);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('never reuses a read made while an inventory write was in flight', async () => {
    const writes = new InventoryWrites();
    const read = counted([[resource('lab-a', 'old')], [resource('lab-a', 'new')]]);
    const shared = new SharedInventoryRead(writes, read);
    let commit!: () => void;
    const writing = writes.around(() => new Promise<void>((resolve) => (commit = resolve)));
    expect((await shared.resources()).map((r) => r.id)).toEqual(['old']);
    commit();
    await writing;
    expect((await shared.resources()).map((r) => r.id)).toEqual(['new']);
  });

  it('counts a failed inventory write as a write, and does not share a failed read', async () => {
    const writes = new InventoryWrites();
    let fail = true;
    const read = vi.fn(async () => {
      if (fail) throw new Error('store busy');
      return [resource('lab-a', 'vm-1')];
    });
    const shared = new SharedInventoryRead(writes, read);
    await expect(shared.resources()).rejects.toThrow('store busy');
    fail = false;
    expect((await shared.resources()).map((r) => r.id)).toEqual(['vm-1']);
    await expect(writes.around(() => Promise.reject(new Error('connector failed')))).rejects.toThrow('connector failed');
    await shared.resources();
    expect(read).toHaveBeenCalledTimes(3);
  });
});

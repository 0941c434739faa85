/**
 * One read of an account's inventory from the store, shared by the streams of one sync that need it
 * (metrics and incidents), as long as no inventory write came between.
 */
import type { GpuResource } from '../../../shared/domain';

/** Counts an account's inventory writes: bumped when one starts and when it settles. */
export class InventoryWrites {
  #generation = 0;

  get generation(): number {
    return this.#generation;
  }

  /** Runs an inventory write; a read shared before, during or after it is never reused across it. */
  async around<T>(write: () => Promise<T>): Promise<T> {
    this.#generation++;
    try {
      return await write();
    } finally {
      this.#generation++;
    }
  }
}

/** The inventory read of one sync: reads the store once, again only after an inventory write. */
export class SharedInventoryRead {
  readonly #writes: InventoryWrites;
  readonly #read: () => Promise<readonly GpuResource[]>;
  #last: { generation: number; resources: Promise<readonly GpuResource[]> } | null = null;

  constructor(writes: InventoryWrites, read: () => Promise<readonly GpuResource[]>) {
    this.#writes = writes;
    this.#read = read;
  }

  /** The account's resources as stored now (the same array for every caller until the next write). */
  resources(): Promise<readonly GpuResource[]> {
    const generation = this.#writes.generation;
    if (this.#last !== null && this.#last.generation === generation) return this.#last.resources;
    const resources = this.#read();
    const last = { generation, resources };
    this.#last = last;
    // A failed read is not shared: the next caller asks the store again.
    resources.catch(() => {
      if (this.#last === last) this.#last = null;
    });
    return resources;
  }
}

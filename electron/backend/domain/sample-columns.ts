/**
 * A batch of GPU samples as columns: what a connector that reads millions of samples (a Prometheus
 * backfill) yields instead of one object per sample. A backfill's sample objects outlived the young
 * generation while they waited to be checked and staged, so each was garbage of the old one (issue 16);
 * columns are a few typed arrays per batch. Row i means exactly the GpuSample `sample(i)` returns.
 */
import type { GpuSample, UtilSource } from '../../../shared/domain';

/** utilSource as a code: 0 is null. */
const SOURCE_CODES: Readonly<Record<UtilSource, number>> = { prof: 1, dev: 2, provider: 3 };
const SOURCES: ReadonlyArray<UtilSource | null> = [null, 'prof', 'dev', 'provider'];

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** GPU samples as columns; numbers that may be null hold NaN for null. No per-GPU fault signal (absent). */
export class GpuSampleColumns implements Iterable<GpuSample> {
  length = 0;
  resourceId: string[] = [];
  gpuIndex: Float64Array;
  /** Epoch milliseconds. */
  ts: Float64Array;
  utilisation: Float64Array;
  /** 0 null, 1 prof, 2 dev, 3 provider. */
  utilSource: Uint8Array;
  memoryUsedMiB: Float64Array;
  powerWatts: Float64Array;
  temperatureC: Float64Array;
  xidErrors: Float64Array;

  constructor(capacity = 1024) {
    const n = Math.max(1, capacity);
    this.gpuIndex = new Float64Array(n);
    this.ts = new Float64Array(n);
    this.utilisation = new Float64Array(n);
    this.utilSource = new Uint8Array(n);
    this.memoryUsedMiB = new Float64Array(n);
    this.powerWatts = new Float64Array(n);
    this.temperatureC = new Float64Array(n);
    this.xidErrors = new Float64Array(n);
  }

  /** Adds one sample (nulls as null). */
  push(
    resourceId: string,
    gpuIndex: number,
    ts: number,
    utilisation: number | null,
    utilSource: UtilSource | null,
    memoryUsedMiB: number | null,
    powerWatts: number | null,
    temperatureC: number | null,
    xidErrors: number,
  ): void {
    const i = this.length;
    if (i === this.ts.length) this.grow(i * 2);
    this.resourceId.push(resourceId);
    this.gpuIndex[i] = gpuIndex;
    this.ts[i] = ts;
    this.utilisation[i] = utilisation ?? Number.NaN;
    this.utilSource[i] = utilSource === null ? 0 : SOURCE_CODES[utilSource];
    this.memoryUsedMiB[i] = memoryUsedMiB ?? Number.NaN;
    this.powerWatts[i] = powerWatts ?? Number.NaN;
    this.temperatureC[i] = temperatureC ?? Number.NaN;
    this.xidErrors[i] = xidErrors;
    this.length = i + 1;
  }

  private grow(capacity: number): void {
    const widen = <A extends Float64Array | Uint8Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(capacity);
      b.set(a);
      return b;
    };
    this.gpuIndex = widen(this.gpuIndex);
    this.ts = widen(this.ts);
    this.utilisation = widen(this.utilisation);
    this.utilSource = widen(this.utilSource);
    this.memoryUsedMiB = widen(this.memoryUsedMiB);
    this.powerWatts = widen(this.powerWatts);
    this.temperatureC = widen(this.temperatureC);
    this.xidErrors = widen(this.xidErrors);
  }

  /** Row i's utilisation source. */
  source(i: number): UtilSource | null {
    return SOURCES[this.utilSource[i] as number] ?? null;
  }

  /** Row i as a sample object. */
  sample(i: number): GpuSample {
    return this.readInto(i, {} as GpuSample);
  }

  /** Writes row i's fields into `row` and returns it (a checker reuses one object for every row). */
  readInto<R extends GpuSample>(i: number, row: R): R {
    row.resourceId = this.resourceId[i] as string;
    row.gpuIndex = this.gpuIndex[i] as number;
    row.ts = this.ts[i] as number;
    row.utilisation = nullable(this.utilisation[i] as number);
    row.utilSource = this.source(i);
    row.memoryUsedMiB = nullable(this.memoryUsedMiB[i] as number);
    row.powerWatts = nullable(this.powerWatts[i] as number);
    row.temperatureC = nullable(this.temperatureC[i] as number);
    row.xidErrors = this.xidErrors[i] as number;
    return row;
  }

  *[Symbol.iterator](): Iterator<GpuSample> {
    for (let i = 0; i < this.length; i++) yield this.sample(i);
  }
}

/** What a connector's metrics stream yields: sample objects, or the same as columns. */
export type GpuSampleBatch = GpuSample[] | GpuSampleColumns;

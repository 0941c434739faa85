import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { chooseUtilisation, UTIL_SOURCE_ORDER } from '../../domain/utilisation';
import { placeOnHosts } from '../azure/map';
import { SampleMerger } from '../gcp/map';
import { mapDcgmSeries as kubernetesSamples } from '../kubernetes/map';
import { prometheusSkipReason, startPrometheus, type RunningPrometheus } from '../kubernetes/testing/prometheus-server';
import { DCGM_FIELDS, DcgmWindowFold, dcgmQueries, machineSelector, mapDcgmSeries, sourceName, type DcgmField, type DcgmSeriesSet, type MatrixSeries } from './dcgm';

const FIXTURE = fileURLToPath(new URL('./testing/fixtures/exposition_h100x8_eks_k8s_pod_labels_sampled.prom', import.meta.url));
const MINUTE = 60_000;
const FROM = Date.UTC(2026, 10, 20, 11, 0);
const MINUTES = 6;
/** Scrapes every 15 s, 7 s past the minute: none falls on a window edge (Prometheus 2.x ranges are closed on the left). */
const SCRAPE_OFFSETS = [7, 22, 37, 52];

/** The label sets of the fixture's DCGM_FI_DEV_GPU_UTIL series (one per GPU of an 8x H100 EKS node). */
function fixtureLabelSets(): Array<Record<string, string>> {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('DCGM_FI_DEV_GPU_UTIL{'))
    .map((l) => Object.fromEntries([...l.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string])));
}

const devValue = (gpu: number, minute: number, k: number) => (gpu * 11 + minute * 7 + k * 3) % 101;
const profRatio = (gpu: number, minute: number, k: number) => ((gpu * 13 + minute * 5 + k * 9) % 100) / 100;
/** GPUs 0-3 report the profiling metric too; 4-7 only DCGM_FI_DEV_GPU_UTIL. */
const hasProf = (gpu: number) => gpu < 4;

interface Scrape {
  labels: Record<string, string>;
  gpu: number;
  minute: number;
  k: number;
  tsSec: number;
}

/** Every scrape of the window; GPU 0's pod is rescheduled halfway, so its series changes pod labels under the same UUID. */
function scrapes(): Scrape[] {
  const out: Scrape[] = [];
  for (const labels of fixtureLabelSets()) {
    const gpu = Number(labels.gpu);
    for (let minute = 0; minute < MINUTES; minute++) {
      const moved: Record<string, string> = gpu === 0 && minute >= MINUTES / 2 ? { pod: 'vllm-agg-0-vllmdecodeworker-rescheduled' } : {};
      SCRAPE_OFFSETS.forEach((offset, k) => out.push({ labels: { ...labels, ...moved }, gpu, minute, k, tsSec: (FROM + minute * MINUTE) / 1000 + offset }));
    }
  }
  return out;
}

function openMetrics(all: readonly Scrape[]): string {
  const line = (name: string, labels: Record<string, string>, value: number, ts: number) =>
    `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${value} ${ts}`;
  const lines = ['# TYPE DCGM_FI_DEV_GPU_UTIL gauge'];
  for (const s of all) lines.push(line('DCGM_FI_DEV_GPU_UTIL', s.labels, devValue(s.gpu, s.minute, s.k), s.tsSec));
  lines.push('# TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge');
  for (const s of all) if (hasProf(s.gpu)) lines.push(line('DCGM_FI_PROF_GR_ENGINE_ACTIVE', s.labels, profRatio(s.gpu, s.minute, s.k), s.tsSec));
  return `${lines.join('\n')}\n# EOF\n`;
}

/** What the glossary says each GPU-minute is: the mean of its scrapes in the minute, PROF x 100 before DEV. */
function expected(): Array<Pick<GpuSample, 'gpuIndex' | 'ts' | 'utilisation' | 'utilSource'>> {
  const out = [];
  for (let gpu = 0; gpu < 8; gpu++) {
    for (let minute = 0; minute < MINUTES; minute++) {
      const mean = (f: (k: number) => number) => SCRAPE_OFFSETS.reduce((s, _, k) => s + f(k), 0) / SCRAPE_OFFSETS.length;
      const prof = hasProf(gpu) ? mean((k) => profRatio(gpu, minute, k)) * 100 : null;
      out.push({ gpuIndex: gpu, ts: FROM + minute * MINUTE, ...chooseUtilisation({ prof, dev: mean((k) => devValue(gpu, minute, k)) }) });
    }
  }
  return out;
}

const resource = (id: string): GpuResource => ({
  id,
  kind: 'node',
  account: 'acct',
  cloud: 'aws',
  region: 'us-east-1',
  zone: null,
  name: 'gpu-node-1',
  instanceType: 'p5.48xlarge',
  gpuModel: 'H100 80GB',
  gpuCount: 8,
  gpuMemoryGiB: 80,
  powerState: 'running',
  health: 'ok',
  healthReason: null,
  hourlyPrice: null,
  currency: 'USD',
  tags: {},
  gpuUuids: Array.from({ length: 8 }, () => null),
  demo: false,
});

const perGpu = (samples: readonly GpuSample[]) =>
  samples
    .map((s) => ({ gpuIndex: s.gpuIndex, ts: s.ts, utilisation: s.utilisation === null ? null : Number(s.utilisation.toFixed(9)), utilSource: s.utilSource }))
    .sort((a, b) => a.gpuIndex - b.gpuIndex || a.ts - b.ts);

describe('utilisation rule', () => {
  it('takes PROF before DEV before the provider metric, and holds the value to 0-100', () => {
    expect(UTIL_SOURCE_ORDER).toEqual(['prof', 'dev', 'provider']);
    expect(chooseUtilisation({ prof: 42, dev: 90, provider: 10 })).toEqual({ utilisation: 42, utilSource: 'prof' });
    expect(chooseUtilisation({ prof: null, dev: 90, provider: 10 })).toEqual({ utilisation: 90, utilSource: 'dev' });
    expect(chooseUtilisation({ dev: Number.NaN, provider: 104 })).toEqual({ utilisation: 100, utilSource: 'provider' });
    expect(chooseUtilisation({})).toEqual({ utilisation: null, utilSource: null });
  });

  it('merges series of one UUID into the GPU where it was first placed, and weighs MIG instances by slices', () => {
    const home = (host: string, gpu: string) => (host === 'node-a' ? { resourceId: 'a', gpuIndex: Number(gpu) } : null);
    const series = (metric: Record<string, string>, values: Array<[number, string]>): MatrixSeries => ({ metric, values });
    const set: DcgmSeriesSet = {
      prof: [
        series({ Hostname: 'node-a', gpu: '0', UUID: 'GPU-1', GPU_I_PROFILE: '3g.40gb', GPU_I_ID: '1' }, [[FROM / 1000 + 60, '60']]),
        series({ Hostname: 'node-a', gpu: '0', UUID: 'GPU-1', GPU_I_PROFILE: '1g.10gb', GPU_I_ID: '2' }, [[FROM / 1000 + 60, '20']]),
      ],
      // The pod moved; the series' host label no longer names the node, its UUID still does.
      dev: [series({ Hostname: 'elsewhere', gpu: '3', UUID: 'GPU-1' }, [[FROM / 1000 + 120, '35']])],
    };
    const out = mapDcgmSeries(set, (m) => home(m.Hostname ?? '', m.gpu ?? ''), 60, FROM);
    expect(out.map((s) => [s.resourceId, s.gpuIndex, s.ts, s.utilisation, s.utilSource])).toEqual([
      ['a', 0, FROM, 50, 'prof'],
      ['a', 0, FROM + MINUTE, 35, 'dev'],
    ]);
  });
});

describe('framebuffer of a GPU-minute', () => {
  it('takes the highest reading per MIG instance and sums the instances into the GPU', () => {
    const home = (gpu: string) => ({ resourceId: 'a', gpuIndex: Number(gpu) });
    const at = FROM / 1000 + 60;
    const fb = (gpu: string, uuid: string, instance: string | null, value: string): MatrixSeries => ({
      metric: { Hostname: 'node-a', gpu, UUID: uuid, ...(instance === null ? {} : { GPU_I_ID: instance }) },
      values: [[at, value]],
    });
    const set: DcgmSeriesSet = {
      fbUsed: [
        fb('0', 'GPU-1', '1', '1000'),
        // The same instance from another scrape (pod label variant): the higher reading counts once.
        fb('0', 'GPU-1', '1', '1500'),
        fb('0', 'GPU-1', '2', '300'),
        fb('0', 'GPU-1', '2', '200'),
        // No MIG; a negative reading is held to 0.
        fb('1', 'GPU-2', null, '-5'),
      ],
    };
    const out = mapDcgmSeries(set, (m) => home(m.gpu ?? ''), 60, FROM);
    expect(out.map((s) => [s.gpuIndex, s.ts, s.memoryUsedMiB, s.utilisation])).toEqual([
      [0, FROM, 1800, null],
      [1, FROM, 0, null],
    ]);
  });
});

describe('a window folded answer by answer', () => {
  const at = (minute: number) => FROM / 1000 + 60 * (minute + 1);
  const series = (metric: Record<string, string>, values: Array<[number, string]>): MatrixSeries => ({ metric, values });
  const place = (m: Readonly<Record<string, string>>) => (m.Hostname?.startsWith('node-') ? { resourceId: m.Hostname, gpuIndex: Number(m.gpu) } : null);
  // Every cross-field rule at once: UUID homes set by an earlier field (a moved pod, a series first
  // seen unplaced), MIG weights and instances, XID changes within and across steps, a series without UUID.
  const set: Required<DcgmSeriesSet> = {
    prof: [
      series({ Hostname: 'node-b', gpu: '0', UUID: 'GPU-1', GPU_I_PROFILE: '3g.40gb', GPU_I_ID: '1' }, [[at(0), '61.5'], [at(1), '10']]),
      series({ Hostname: 'node-b', gpu: '0', UUID: 'GPU-1', GPU_I_PROFILE: '1g.10gb', GPU_I_ID: '2' }, [[at(0), '20.25'], [at(2), 'NaN']]),
      series({ Hostname: 'gone', gpu: '1', UUID: 'GPU-2' }, [[at(0), '99']]),
    ],
    dev: [
      series({ Hostname: 'node-a', gpu: '1', UUID: 'GPU-2' }, [[at(0), '35'], [at(1), '36']]),
      series({ Hostname: 'node-c', gpu: '0', UUID: 'GPU-1' }, [[at(1), '70']]),
      series({ Hostname: 'node-a', gpu: '2' }, [[at(2), '5']]),
    ],
    fbUsed: [
      series({ Hostname: 'node-b', gpu: '0', UUID: 'GPU-1', GPU_I_ID: '2' }, [[at(0), '300']]),
      series({ Hostname: 'node-b', gpu: '0', UUID: 'GPU-1', GPU_I_ID: '1' }, [[at(0), '1000'], [at(1), '900']]),
      series({ Hostname: 'elsewhere', gpu: '7', UUID: 'GPU-2' }, [[at(1), '-5']]),
    ],
    power: [series({ Hostname: 'node-a', gpu: '1', UUID: 'GPU-2' }, [[at(0), '250.5'], [at(1), '+Inf']])],
    temp: [series({ Hostname: 'node-z', gpu: '0', UUID: 'GPU-1' }, [[at(0), '61'], [at(2), '63']])],
    xidChanges: [series({ Hostname: 'node-b', gpu: '0', UUID: 'GPU-1' }, [[at(1), '2']])],
    xidLast: [
      series({ Hostname: 'node-b', gpu: '0', UUID: 'GPU-1' }, [[at(-1), '0'], [at(0), '13'], [at(1), '48'], [at(2), '48']]),
      series({ Hostname: 'node-a', gpu: '1', UUID: 'GPU-2' }, [[at(-1), '31'], [at(0), '31'], [at(1), '0']]),
    ],
  };
  const permutations = (xs: readonly DcgmField[]): DcgmField[][] =>
    xs.length <= 1 ? [[...xs]] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));

  it('gives exactly the samples of all answers mapped at once, in whatever order the answers arrive', () => {
    const whole = mapDcgmSeries(set, place, 60, FROM);
    expect(whole.length).toBeGreaterThan(5);
    // mapDcgmSeries is itself this fold: pin what it gives, or every order could agree on a wrong answer.
    // GPU-1 is homed on node-b/0 by prof (its dev on node-c and temp on node-z merge there); GPU-2's
    // first series ('gone') is unplaced, so dev homes it on node-a/1 and its prof point is lost.
    expect(whole.map((s) => [s.resourceId, s.gpuIndex, (s.ts - FROM) / MINUTE, s.utilisation, s.utilSource, s.memoryUsedMiB, s.powerWatts, s.temperatureC, s.xidErrors])).toEqual([
      // Dev only; XID last unchanged from its seed (31).
      ['node-a', 1, 0, 35, 'dev', null, 250.5, null, 0],
      // PROF of MIG 3g (x3) and 1g (x1): (61.5 x 3 + 20.25) / 4; two instances' framebuffer summed; XID 0 -> 13 across the step.
      ['node-b', 0, 0, 51.1875, 'prof', 1300, null, 61, 1],
      // Framebuffer from another host's series of the same UUID, held to 0; +Inf power dropped; XID back to 0 is no error.
      ['node-a', 1, 1, 36, 'dev', 0, null, null, 0],
      // PROF preferred over the moved pod's dev; two changes within the step count, the across change not again.
      ['node-b', 0, 1, 10, 'prof', 900, null, null, 2],
      // No UUID: placed by its own labels.
      ['node-a', 2, 2, 5, 'dev', null, null, null, 0],
      // A NaN PROF point is no reading; XID 48 unchanged.
      ['node-b', 0, 2, null, null, null, null, 63, 0],
    ]);
    for (const order of permutations(DCGM_FIELDS)) {
      const fold = new DcgmWindowFold(place, 60, FROM);
      for (const f of order) fold.add(f, set[f]);
      expect(fold.waiting, order.join()).toBe(0);
      expect([...fold.samples(2)].flatMap((b) => [...b]), order.join()).toEqual(whole);
    }
  });

  it('folds each answer when its turn comes, so only early answers wait, and never the same field twice', () => {
    const fold = new DcgmWindowFold(place, 60, FROM);
    fold.add('prof', set.prof);
    expect(fold.waiting).toBe(0);
    fold.add('fbUsed', set.fbUsed);
    fold.add('xidLast', set.xidLast);
    expect(fold.waiting).toBe(2);
    fold.add('dev', set.dev);
    expect(fold.waiting).toBe(1);
    expect(() => fold.add('dev', set.dev)).toThrow(/dev answer/);
    // Fields never added count as no series, as in mapDcgmSeries.
    const { power: _p, temp: _t, xidChanges: _x, ...partial } = set;
    expect([...fold.samples(1000)].flatMap((b) => [...b])).toEqual(mapDcgmSeries(partial, place, 60, FROM));
  });

  it('gives the same samples when the answers are read series by series, interleaved, and end in any order', () => {
    const whole = mapDcgmSeries(set, place, 60, FROM);
    const toSink = (s: MatrixSeries): [Record<string, string>, Float64Array, Float64Array, number] => [
      s.metric,
      Float64Array.from(s.values, ([t]) => t),
      Float64Array.from(s.values, ([, v]) => Number(v)),
      s.values.length,
    ];
    const orders = permutations(DCGM_FIELDS);
    for (let k = 0; k < orders.length; k += 97) {
      const order = orders[k]!;
      const fold = new DcgmWindowFold(place, 60, FROM);
      // Opened in one order (requests sent), read round-robin a series at a time, ended in another.
      const answers = new Map(DCGM_FIELDS.map((f) => [f, fold.answer(f)] as const));
      const pending = new Map(order.map((f) => [f, [...set[f]] as MatrixSeries[]]));
      while ([...pending.values()].some((p) => p.length > 0)) {
        for (const [f, p] of pending) {
          const s = p.shift();
          if (s) answers.get(f)!.series(...toSink(s));
        }
      }
      expect(() => [...fold.samples(10)], order.join()).toThrow(/still being read/);
      for (const f of order) answers.get(f)!.end();
      expect(fold.waiting, order.join()).toBe(0);
      expect([...fold.samples(3)].flatMap((b) => [...b]), order.join()).toEqual(whole);
    }
    const fold = new DcgmWindowFold(place, 60, FROM);
    fold.answer('dev');
    expect(() => fold.answer('dev')).toThrow(/dev answer/);
  });

  it('keeps minutes a source evaluates off the step grid, in time order with the others', () => {
    const off = mapDcgmSeries(
      {
        prof: [
          series({ Hostname: 'node-a', gpu: '0', UUID: 'GPU-9' }, [[at(0), '10'], [at(0) + 30, '20'], [at(1), '30'], [at(70_000), '40']]),
          series({ Hostname: 'node-a', gpu: '1', UUID: 'GPU-8' }, [[at(0) + 30, '50'], [at(1), '60']]),
        ],
      },
      place,
      60,
      FROM,
    );
    expect(off.map((x) => [x.gpuIndex, (x.ts - FROM) / 1000, x.utilisation])).toEqual([
      [0, 0, 10],
      [0, 30, 20],
      [1, 30, 50],
      [0, 60, 30],
      [1, 60, 60],
      [0, 4_200_000, 40],
    ]);
  });

  it('stops at the end of the window and batches without changing the order', () => {
    const fold = new DcgmWindowFold(place, 60, FROM);
    for (const f of DCGM_FIELDS) fold.add(f, set[f]);
    const batches = [...fold.samples(2, FROM + 2 * MINUTE)];
    expect(batches.every((b) => b.length > 0 && b.length <= 2)).toBe(true);
    expect(batches.flatMap((b) => [...b])).toEqual(mapDcgmSeries(set, place, 60, FROM).filter((x) => x.ts < FROM + 2 * MINUTE));
  });
});

const skip = prometheusSkipReason();
if (skip) console.warn(`skipping the same-series-through-every-provider test: ${skip}`);
describe.skipIf(skip !== null)('the same dcgm-exporter series through every provider', () => {
  let prom: RunningPrometheus;
  const all = scrapes();
  beforeAll(async () => {
    prom = await startPrometheus(openMetrics(all));
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
  });

  async function queryRange(query: string): Promise<MatrixSeries[]> {
    const form = new URLSearchParams({ query, start: String(FROM / 1000), end: String((FROM + MINUTES * MINUTE) / 1000), step: '60s' });
    const res = await fetch(`${prom.url}/api/v1/query_range`, { method: 'POST', body: form });
    const body = (await res.json()) as { status: string; data: { result: MatrixSeries[] } };
    expect(body.status).toBe('success');
    return body.data.result;
  }

  it('gives each GPU the same per-minute utilisation and source on Azure, Kubernetes and GCP, equal to the glossary mean', async () => {
    const queries = dcgmQueries(60, ['Hostname'], '');
    const set: DcgmSeriesSet = {};
    for (const f of DCGM_FIELDS) set[f] = await queryRange(queries[f]);
    // The server merged GPU 0's two pod-label series: one per GPU and instance.
    expect(set.dev).toHaveLength(8);
    expect(set.prof).toHaveLength(4);

    const azure = mapDcgmSeries(set, placeOnHosts([resource('azure-vm')], 'Hostname'), 60, FROM);
    const kubernetes = kubernetesSamples(set, [resource('k8s-node')], ['Hostname', 'hostname'], 60, FROM);

    // GCP's Cloud Monitoring aligns each minute to the mean of its points (ALIGN_MEAN) on its side.
    const gcp = new SampleMerger(FROM, FROM + MINUTES * MINUTE, MINUTE);
    for (let gpu = 0; gpu < 8; gpu++) {
      const points = (f: (minute: number, k: number) => number) =>
        Array.from({ length: MINUTES }, (_, minute) => ({
          interval: { endTime: { seconds: String((FROM + (minute + 1) * MINUTE) / 1000) } },
          value: { doubleValue: SCRAPE_OFFSETS.reduce((s, _, k) => s + f(minute, k), 0) / SCRAPE_OFFSETS.length },
        }));
      const target = { resourceId: 'gce', gpuIndex: gpu };
      if (hasProf(gpu)) gcp.add('util-prof', target, { metric: {}, resource: {}, points: points((m, k) => profRatio(gpu, m, k)) });
      gcp.add('util-dev', target, { metric: {}, resource: {}, points: points((m, k) => devValue(gpu, m, k)) });
    }

    const want = perGpu(expected() as GpuSample[]);
    expect(want).toHaveLength(8 * MINUTES);
    expect(perGpu(azure)).toEqual(want);
    expect(perGpu(kubernetes)).toEqual(want);
    expect(perGpu(gcp.samples())).toEqual(want);
  }, 60_000);
});

describe('machineSelector', () => {
  it("narrows to the machine's GPUs by UUID when every UUID is known, else by its host label", () => {
    expect(machineSelector('', ['GPU-a.1', 'GPU-b'], 'Hostname', 'node-1')).toBe('UUID=~"GPU-a\\\\.1|GPU-b"');
    expect(machineSelector('cluster="prod"', ['GPU-a', null], 'Hostname', 'node-"1"')).toBe('cluster="prod", Hostname="node-\\"1\\""');
    expect(machineSelector(' ', [], 'node', 'n')).toBe('node="n"');
  });

  it('names a source by kind and host only', () => {
    expect(sourceName('Prometheus', 'https://user:pw@prom.example:9090/api?x=1')).toBe('Prometheus at prom.example:9090');
    expect(sourceName('Prometheus', 'not a url')).toBe('Prometheus');
  });
});

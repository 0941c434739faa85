/**
 * A Prometheus HTTP API that answers the Kubernetes connector's range queries from the bench fleet's
 * series, computed as they are asked: what Debian's Prometheus answers over the TSDB that
 * `writeOpenMetrics` and promtool make of the same fleet (prometheus-api.test.ts compares the two
 * answer for answer). A first backfill of 100,000 GPUs needs about 77 GB for that TSDB and its input;
 * this needs none, so the backfill's memory can be measured at that size.
 *
 * It knows the families dcgm-exporter writes by default (PROF engine activity, DEV utilisation where
 * a GPU has no PROF, framebuffer, power, temperature, XID; one sample each minute at 30 s past), of
 * which it serves those it is started with, and the query shapes the connector sends over them; a
 * query over only families it does not serve answers with no series, as Prometheus does for families
 * its TSDB lacks. Anything else is refused with `bad_data`, never answered by a guess.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fleet, FleetGpu, FleetNode } from '../electron/backend/providers/kubernetes/testing/fleet';
import { type LabelMatcher, parseMatchers } from '../electron/backend/providers/common/testing/prom-matchers';

const MINUTE = 60_000;
/**
 * dcgm-exporter's families: which GPUs report each, and its value as dcgm-exporter writes it (the text
 * promtool parses) for utilisation `u` in %. PROF where a GPU has it, DEV utilisation only where not.
 */
const FAMILIES = {
  DCGM_FI_PROF_GR_ENGINE_ACTIVE: { reports: (g: FleetGpu) => g.kind === 'prof', text: (u: number) => (u / 100).toFixed(5) },
  DCGM_FI_DEV_GPU_UTIL: { reports: (g: FleetGpu) => g.kind !== 'prof', text: (u: number) => String(Math.round(u)) },
  DCGM_FI_DEV_FB_USED: { reports: () => true, text: (u: number) => String(Math.round(200 + u * 700)) },
  DCGM_FI_DEV_POWER_USAGE: { reports: () => true, text: (u: number) => (90 + u * 6).toFixed(3) },
  DCGM_FI_DEV_GPU_TEMP: { reports: () => true, text: (u: number) => String(Math.round(32 + u / 3)) },
  DCGM_FI_DEV_XID_ERRORS: { reports: () => true, text: () => '0' },
} as const;
export type DcgmFamily = keyof typeof FAMILIES;
const isFamily = (name: string): name is DcgmFamily => Object.hasOwn(FAMILIES, name);

/** The utilisation families (the Prometheus bench's TSDB holds these only). */
export const UTIL_FAMILIES: readonly DcgmFamily[] = ['DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL'];
/** Every family dcgm-exporter writes by default, as a real fleet's Prometheus holds them. */
export const DCGM_FAMILIES = Object.keys(FAMILIES) as DcgmFamily[];

/** Whether GPU `g` has series of `family`. */
export function reportsFamily(family: DcgmFamily, g: FleetGpu): boolean {
  return FAMILIES[family].reports(g);
}

/** A family's value as dcgm-exporter writes it, for utilisation `u` in %. */
export function dcgmValueText(family: DcgmFamily, u: number): string {
  return FAMILIES[family].text(u);
}

/** One GPU's series of a family: its labels and where its samples stop. */
interface Series {
  gpu: FleetGpu;
  labels: Record<string, string>;
  /** Samples lie at fleet.start + k minutes + 30 s, before `until` + 30 s (writeOpenMetrics). */
  until: number;
}

/** The labels dcgm-exporter and the scrape give a GPU's series (what writeOpenMetrics writes too). */
export function dcgmSeriesLabels(n: FleetNode, nodeIndex: number, g: FleetGpu): Record<string, string> {
  return {
    DCGM_FI_DRIVER_VERSION: '580.105.08',
    Hostname: n.name,
    UUID: g.uuid,
    cluster: n.cloud,
    container: 'nvidia-dcgm-exporter',
    device: `nvidia${g.index}`,
    gpu: String(g.index),
    instance: `10.0.${Math.floor(nodeIndex / 250) % 250}.${nodeIndex % 250}:9400`,
    job: 'nvidia-dcgm-exporter',
    modelName: n.product.replace(/-/g, ' '),
    namespace: 'gpu-operator',
    pci_bus_id: `00000000:${(0x18 + g.index * 0x10).toString(16).toUpperCase()}:00.0`,
    pod: `nvidia-dcgm-exporter-${n.name.slice(-5)}`,
  };
}

/** A series the API serves, with its family. */
type Member = { family: DcgmFamily; s: Series };

/** A query the emulator refuses (HTTP 400, errorType bad_data). */
class Unsupported extends Error {}

/** Refuses the query: its shape is one the emulator does not know. */
function unsupported(what: string): never {
  throw new Unsupported(what);
}

/**
 * `fn` over the samples of `s` in the closed range [fromMs, toMs] (Prometheus 2's range selectors),
 * oldest first, with Prometheus's arithmetic for one sample or more; null when the range holds none.
 */
function overRange(fleet: Fleet, family: DcgmFamily, s: Series, fn: RangeFunction, fromMs: number, toMs: number): number | null {
  let count = 0;
  let mean = 0;
  let max = Number.NEGATIVE_INFINITY;
  let last = Number.NaN;
  let changes = 0;
  for (let k = Math.max(0, Math.ceil((fromMs - fleet.start - 30_000) / MINUTE)); ; k++) {
    const ts = fleet.start + k * MINUTE + 30_000;
    if (ts > toMs || ts - 30_000 >= s.until) break;
    const x = Number(dcgmValueText(family, s.gpu.util(ts)));
    count += 1;
    // avg_over_time's running mean (exact for the one sample a connector's minute holds).
    mean += x / count - mean / count;
    max = Math.max(max, x);
    if (count > 1 && x !== last) changes += 1;
    last = x;
  }
  if (count === 0) return null;
  return fn === 'avg_over_time' ? mean : fn === 'max_over_time' ? max : fn === 'last_over_time' ? last : changes;
}

/** Go's strconv.FormatFloat(x, 'f', -1, 64), which the API writes values with (JS agrees below 1e21 and above 1e-7). */
function formatValue(x: number): string {
  const text = String(x);
  if (/e/.test(text)) throw new Unsupported(`value ${text} outside the range formatted alike`);
  return text;
}

type RangeFunction = 'avg_over_time' | 'max_over_time' | 'last_over_time' | 'changes';
type Aggregation = 'avg' | 'max';

/** A parsed query: which series, which function over which range, grouped how. */
interface Plan {
  family: DcgmFamily;
  /** The selector's matchers as written (the series they pick are worked out once per selector). */
  selector: string;
  matchers: LabelMatcher[];
  fn: RangeFunction;
  rangeMs: number;
  aggregation: Aggregation;
  by: string[];
  /** `* 100` or `> 0` after the aggregation. */
  post: 'times100' | 'positive' | null;
  /** `count by (labels) (...)` around the aggregation: the inner groups with a value, per these labels. */
  countBy: string[] | null;
}

const RANGE = /^(\d+)([smh])$/;
const toMs = (range: string): number => {
  const m = RANGE.exec(range);
  if (!m) throw new Unsupported(`range [${range}]`);
  return Number(m[1]) * { s: 1000, m: MINUTE, h: 60 * MINUTE }[m[2] as 's' | 'm' | 'h'];
};

/** Parses the connector's per-GPU query shapes (promql.ts dcgmQueries), or returns null for one over families not `served`. */
function parse(query: string, served: ReadonlySet<string>): Plan | null {
  const named = [...query.matchAll(/DCGM_FI_[A-Z_]+/g)].map((m) => m[0]);
  if (named.length > 0 && !named.some((f) => served.has(f))) return null;
  // The cost query's GPU count per node and model: count by (nodes, modelName) (max by (..., UUID) (...)).
  const counted = /^count by \(([^)]*)\) \((.*)\)$/.exec(query);
  if (counted) {
    const inner = parse(counted[2] ?? '', served);
    if (inner === null || inner.post !== null || inner.countBy !== null) throw new Unsupported(query);
    return { ...inner, countBy: (counted[1] ?? '').split(',').map((l) => l.trim()) };
  }
  const field = /^(avg|max) by \(([^)]*)\) \((avg_over_time|max_over_time|last_over_time|changes)\((DCGM_FI_[A-Z_]+)(?:\{([^}]*)\})?\[([^\]]+)\]\)\)( \* 100| > 0)?$/.exec(query);
  if (field) {
    const [, aggregation, by = '', fn, family = '', selector = '', range = '', post] = field;
    if (!isFamily(family)) throw new Unsupported(query);
    return {
      family,
      selector,
      matchers: parseMatchers(selector) ?? unsupported(`selector {${selector}}`),
      fn: fn as RangeFunction,
      rangeMs: toMs(range),
      aggregation: aggregation as Aggregation,
      by: by.split(',').map((l) => l.trim()),
      post: post === ' * 100' ? 'times100' : post === ' > 0' ? 'positive' : null,
      countBy: null,
    };
  }
  throw new Unsupported(query);
}

/** Serves /api/v1/query_range (GET or form POST) and /-/ready on loopback. */
export interface PrometheusApi {
  url: string;
  /** Every query_range asked, in order (query, start, end, step as sent). */
  requests: Array<{ query: string; start: string; end: string; step: string }>;
  close(): Promise<void>;
}

/**
 * Starts the API over `fleet` (built by bench/prometheus.ts buildBenchFleet), serving the series of
 * `families` (what writeOpenMetrics writes of them).
 */
export async function startPrometheusApi(fleet: Fleet, families: readonly DcgmFamily[]): Promise<PrometheusApi> {
  const served = new Set<string>(families);
  const series = new Map<DcgmFamily, Series[]>();
  for (const family of families) {
    const list: Series[] = [];
    fleet.nodes.forEach((node, nodeIndex) => {
      const until = node.silentForMs === null ? fleet.now : fleet.now - node.silentForMs;
      for (const gpu of node.gpus) if (reportsFamily(family, gpu)) list.push({ gpu, labels: dcgmSeriesLabels(node, nodeIndex, gpu), until });
    });
    series.set(family, list);
  }
  // The series a selector picks, worked out once per selector (a backfill asks the same 16 shards thousands of times).
  const picked = new Map<string, Member[]>();
  const pick = ({ family, selector, matchers }: Plan): Member[] => {
    const key = `${family}\u0000${selector}`;
    let list = picked.get(key);
    if (!list) {
      list = (series.get(family) ?? []).filter((s) => matchers.every((m) => m(s.labels))).map((s) => ({ family, s }));
      picked.set(key, list);
    }
    return list;
  };

  const requests: PrometheusApi['requests'] = [];
  const answer = async (res: ServerResponse, params: URLSearchParams): Promise<void> => {
    const query = params.get('query') ?? '';
    const [start, end, step] = [params.get('start') ?? '', params.get('end') ?? '', params.get('step') ?? ''];
    requests.push({ query, start, end, step });
    const startS = Number(start);
    const endS = Number(end);
    const stepS = Number(step);
    if (![startS, endS, stepS].every(Number.isFinite) || stepS <= 0 || endS < startS) throw new Unsupported(`start ${start}, end ${end}, step ${step}`);
    const plan = parse(query, served);
    res.writeHead(200, { 'content-type': 'application/json' });
    let chunk = '{"status":"success","data":{"resultType":"matrix","result":[';
    const flush = async (): Promise<void> => {
      if (!res.write(chunk)) await once(res, 'drain');
      chunk = '';
    };
    if (plan !== null) {
      const groups = new Map<string, { labels: Record<string, string>; members: Member[] }>();
      for (const member of pick(plan)) {
        const labels: Record<string, string> = {};
        for (const l of plan.by) if (member.s.labels[l] !== undefined) labels[l] = member.s.labels[l]!;
        const key = JSON.stringify(labels);
        const group = groups.get(key) ?? { labels, members: [] };
        group.members.push(member);
        groups.set(key, group);
      }
      const times: number[] = [];
      for (let k = 0; startS + k * stepS <= endS; k++) times.push(Math.round((startS + k * stepS) * 1000));
      // The aggregation over a group's series at t (Prometheus's running mean for avg), before `post`; null with none.
      const valueAt = (members: readonly Member[], t: number): number | null => {
        let n = 0;
        let v = 0;
        for (const { family, s } of members) {
          const x = overRange(fleet, family, s, plan.fn, t - plan.rangeMs, t);
          if (x === null) continue;
          n += 1;
          v = plan.aggregation === 'max' ? (n === 1 ? x : Math.max(v, x)) : v + (x - v) / n;
        }
        return n === 0 ? null : v;
      };
      // Each output series: its labels and its value at t (null: no point).
      const out: Array<{ labels: Record<string, string>; at: (t: number) => number | null }> = [];
      if (plan.countBy === null) {
        for (const { labels, members } of groups.values()) {
          out.push({
            labels,
            at: (t) => {
              const v = valueAt(members, t);
              if (v === null || (plan.post === 'positive' && !(v > 0))) return null;
              return plan.post === 'times100' ? v * 100 : v;
            },
          });
        }
      } else {
        const outer = new Map<string, { labels: Record<string, string>; inner: Member[][] }>();
        for (const group of groups.values()) {
          const labels: Record<string, string> = {};
          for (const l of plan.countBy) if (group.labels[l] !== undefined) labels[l] = group.labels[l]!;
          const key = JSON.stringify(labels);
          const entry = outer.get(key) ?? { labels, inner: [] };
          entry.inner.push(group.members);
          outer.set(key, entry);
        }
        for (const { labels, inner } of outer.values()) {
          out.push({
            labels,
            at: (t) => {
              const n = inner.filter((members) => valueAt(members, t) !== null).length;
              return n === 0 ? null : n;
            },
          });
        }
      }
      // Prometheus sorts a range query's series by their labels.
      out.sort((a, b) => compareLabels(a.labels, b.labels));
      let first = true;
      for (const { labels, at } of out) {
        const values: string[] = [];
        for (const t of times) {
          const v = at(t);
          if (v !== null) values.push(`[${formatTime(t)},"${formatValue(v)}"]`);
        }
        if (values.length === 0) continue;
        chunk += `${first ? '' : ','}{"metric":${JSON.stringify(labels)},"values":[${values.join(',')}]}`;
        first = false;
        if (chunk.length > 1 << 16) await flush();
      }
    }
    chunk += ']}}';
    await flush();
    res.end();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/-/ready') return void res.end('Prometheus Server is Ready.\n');
      if (url.pathname !== '/api/v1/query_range') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return void res.end('404 page not found\n');
      }
      let body = '';
      for await (const part of req) body += String(part);
      const params = new URLSearchParams(req.method === 'POST' ? body : url.search);
      try {
        await answer(res, params);
      } catch (error) {
        if (res.headersSent) return void res.destroy(error as Error);
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: `the bench's Prometheus API cannot answer: ${(error as Error).message}` }));
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Seconds as the API writes them (a float with up to three decimals). */
function formatTime(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3).replace(/0+$/, '');
}

/** Prometheus's label-set order: by each label in name order, names first then values. */
function compareLabels(a: Record<string, string>, b: Record<string, string>): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const [x, y] = [ka[i]!, kb[i]!];
    if (x !== y) return x < y ? -1 : 1;
    if (a[x] !== b[y]) return a[x]! < b[y]! ? -1 : 1;
  }
  return ka.length - kb.length;
}

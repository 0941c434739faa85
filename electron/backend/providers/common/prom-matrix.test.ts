import { describe, expect, it } from 'vitest';
import { firstMalformedSeries, MatrixScanner, readMatrixAnswer, sendSeries, type MatrixSink, type MatrixVerdict } from './prom-matrix';

describe('matrix answer check', () => {
  const good = { metric: { Hostname: 'n1', UUID: 'GPU-1', gpu: '0' }, values: [[1_800_000_060, '42.5'], [1_800_000_120, '40']] };

  it('accepts string labels and [number, string] points, with no labels or no points too', () => {
    expect(firstMalformedSeries([good, { metric: {}, values: [] }])).toBe(-1);
  });

  it('names the first series with a label that is not text, or a point that is not [time, "value"]', () => {
    expect(firstMalformedSeries([good, { metric: { gpu: 0 }, values: [] }])).toBe(1);
    expect(firstMalformedSeries([good, good, { metric: {}, values: [[1_800_000_060, 42.5]] }])).toBe(2);
    expect(firstMalformedSeries([{ metric: {}, values: [['1800000060', '1']] }])).toBe(0);
    expect(firstMalformedSeries([{ metric: {}, values: [[1_800_000_060]] }])).toBe(0);
    expect(firstMalformedSeries([{ metric: null, values: [] }, good])).toBe(0);
    expect(firstMalformedSeries([good, { metric: {} }])).toBe(1);
    expect(firstMalformedSeries([good, null])).toBe(1);
    expect(firstMalformedSeries([{ metric: ['n1'], values: [] }])).toBe(0);
  });
});

type Got = { verdict: MatrixVerdict; series: Array<{ metric: Record<string, string>; times: number[]; values: number[] }> };

function collector(): { sink: MatrixSink; series: Got['series'] } {
  const series: Got['series'] = [];
  return {
    series,
    sink: { series: (metric, times, values, count) => series.push({ metric: { ...metric }, times: [...times.subarray(0, count)], values: [...values.subarray(0, count)] }) },
  };
}

/** What res.json() and readMatrixAnswer make of a body: the verdict the scanner must give. */
function reference(body: Uint8Array): Got {
  const { sink, series } = collector();
  let bytes = body;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    return { verdict: { kind: 'not-json', cause }, series };
  }
  const read = readMatrixAnswer(json);
  sendSeries(read.series, sink);
  return { verdict: read.verdict, series };
}

/** The scanner fed `body` in the given pieces. */
function scan(body: Uint8Array, cuts: readonly number[]): Got {
  const { sink, series } = collector();
  const scanner = new MatrixScanner(sink);
  let from = 0;
  for (const at of [...cuts, body.length]) {
    // Each piece in its own buffer, as chunks arrive.
    if (!scanner.push(body.slice(from, at))) break;
    from = at;
  }
  return { verdict: scanner.end(), series };
}

/** Compares verdicts and, for a matrix, the series (NaN and -0 as such); a failed answer's partial series do not count. */
function expectSame(got: Got, want: Got, what: string): void {
  const kind = (v: MatrixVerdict) => (v.kind === 'not-json' ? { kind: v.kind } : v);
  expect(kind(got.verdict), what).toEqual(kind(want.verdict));
  if (want.verdict.kind !== 'matrix') return;
  expect(got.series.length, what).toBe(want.series.length);
  got.series.forEach((s, i) => {
    const w = want.series[i]!;
    expect(s.metric, what).toEqual(w.metric);
    expect(s.times.length, what).toBe(w.times.length);
    s.times.forEach((t, j) => expect(Object.is(t, w.times[j]), `${what}: series ${i} time ${j}: ${t} vs ${w.times[j]}`).toBe(true));
    s.values.forEach((v, j) => expect(Object.is(v, w.values[j]), `${what}: series ${i} value ${j}: ${v} vs ${w.values[j]}`).toBe(true));
  });
}

/** Every way of cutting `text` in two, and byte by byte: always what JSON.parse and the schema say. */
function expectLikeJsonParse(text: string | Uint8Array, what = typeof text === 'string' ? text.slice(0, 60) : 'bytes'): Got {
  const body = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const want = reference(body);
  expectSame(scan(body, []), want, `${what} (whole)`);
  for (let at = 1; at < body.length; at++) expectSame(scan(body, [at]), want, `${what} (cut at ${at})`);
  expectSame(scan(body, Array.from({ length: body.length - 1 }, (_, i) => i + 1)), want, `${what} (byte by byte)`);
  return want;
}

const answer = (result: unknown, extra = ''): string => `{"status":"success",${extra}"data":{"resultType":"matrix","result":${JSON.stringify(result)}}}`;
const good = { metric: { Hostname: 'gpu-1', UUID: 'GPU-a', gpu: '0' }, values: [[1_800_000_060, '42.5'], [1_800_000_120, '0.12345']] };

describe('a matrix answer read as it streams', () => {
  it("reads Prometheus's layout series by series, whatever the chunks", () => {
    const want = expectLikeJsonParse(answer([good, { metric: {}, values: [] }, { metric: { gpu: '1' }, values: [[1_800_000_060.5, '-3']] }]));
    expect(want.verdict.kind).toBe('matrix');
    expect(want.series.map((s) => s.values)).toEqual([[42.5, 0.12345], [], [-3]]);
  });

  it('reads every value text as Number() does: NaN, +Inf, -Inf, long, signed, exponent, odd', () => {
    const texts = ['NaN', '+Inf', '-Inf', '12.345000000000001', '37.166666666666664', '-0', '0', '0.0', '00.5', '1e-7', '1E+3', '.5', '5.', '', ' 1 ', '0x10', 'Infinity', '-', '123456789012345678901', '0.000000000000000000000001', '9007199254740993', '\u0031'];
    const got = expectLikeJsonParse(answer([{ metric: {}, values: texts.map((v, i) => [1_800_000_000 + i, v]) }]));
    expect(got.series[0]!.values.map(String)).toEqual(texts.map((v) => String(Number(v))));
  });

  it('reads escapes and UTF-8 in labels, and times with fractions and exponents', () => {
    const metric = { Hostname: 'quote " back \\ slash / tab \t nl \n', pod: 'caf\u00e9-\u{1F600}', 'weird key \u2028': 'x' };
    expectLikeJsonParse(answer([{ metric, values: [[1_800_000_060.25, '1'], [1.8e9, '2'], [-5, '3'], [0, '4']] }]));
    expectLikeJsonParse('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a\\u0062c":"\\ud83d\\ude00 \\/ \\b\\f\\r"},"values":[[1,"\\u0031\\u002e5"]]}]}}');
  });

  it('matches random decimals exactly, as Number() rounds them', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values: Array<[number, string]> = [];
    for (let i = 0; i < 3000; i++) {
      const digits = Array.from({ length: 1 + Math.floor(rand() * 18) }, () => Math.floor(rand() * 10)).join('');
      const dot = Math.floor(rand() * (digits.length + 1));
      const text = `${rand() < 0.3 ? '-' : ''}${digits.slice(0, dot) || '0'}${dot < digits.length ? `.${digits.slice(dot)}` : ''}`;
      values.push([1_800_000_000 + i * 60 + Math.floor(rand() * 1000) / 1000, text]);
      values.push([1_800_000_000 + i, String(rand() * 10 ** Math.floor(rand() * 8))]);
    }
    const body = new TextEncoder().encode(answer([{ metric: {}, values }]));
    const want = reference(body);
    expect(want.verdict.kind).toBe('matrix');
    expectSame(scan(body, []), want, 'random decimals');
    expectSame(scan(body, Array.from({ length: 60 }, (_, i) => Math.floor((body.length * (i + 1)) / 61))), want, 'random decimals in pieces');
  });

  it('takes other layouts and extra keys as JSON.parse does (warnings, stats, keys before status, result before resultType)', () => {
    expectLikeJsonParse(answer([good], '"isPartial":false,').replace(/}$/, ',"warnings":["slow query", {"x":[1,2,{"y":"]}"}]}]}'));
    expectLikeJsonParse(`{"data":{"resultType":"matrix","result":${JSON.stringify([good])}},"status":"success"}`);
    expectLikeJsonParse(`{"status":"success","data":{"result":${JSON.stringify([good])},"resultType":"matrix"}}`);
    expectLikeJsonParse(`{"warnings":[],"status":"success","data":{"stats":{"a":null,"b":true},"resultType":"matrix","result":${JSON.stringify([good])},"extra":-1.5e3}}`);
    expectLikeJsonParse(`\ufeff ${answer([good])} \n`);
    expectLikeJsonParse(` \t\r\n${answer([good])}`);
  });

  it('refuses what is not JSON: a body cut short anywhere, trailing garbage, bad numbers, escapes or control bytes', () => {
    const whole = answer([good, good]);
    for (let at = 0; at < whole.length - 1; at++) expect(reference(new TextEncoder().encode(whole.slice(0, at))).verdict.kind).toBe('not-json');
    // Every cut of the body, fed in every split, is not JSON.
    for (let at = 0; at < whole.length; at += 7) expectLikeJsonParse(whole.slice(0, at), `cut at ${at}`);
    for (const bad of [
      `${whole}x`,
      `${whole}}`,
      whole.replace('1800000060', '01800000060'),
      whole.replace('1800000060', '1800000060.'),
      whole.replace('1800000060', '-'),
      whole.replace('"42.5"]', '"42.5",]'),
      whole.replace('"42.5"]', '"42.5"'),
      whole.replace('[[1800000060', '[[1800000060,,'),
      whole.replace('"gpu-1"', '"gpu\\x1"'),
      whole.replace('"gpu-1"', '"gpu\u0001"'),
      whole.replace('"42.5"', '"4\n2"'),
      whole.replace('"metric"', 'metric'),
      whole.replace('"values":', '"values"'),
      whole.replace('],"values"', ']"values"'),
      whole.replace('{"Hostname"', '{"Hostname" 1,'),
      '',
      '   ',
      'null garbage',
    ]) {
      expectLikeJsonParse(bad, `bad ${bad.slice(0, 50)}`);
    }
  });

  it('names the first malformed series: labels that are not text, points that are not [number, "text"], series that are not objects', () => {
    for (const [result, index] of [
      [[good, { metric: { gpu: 0 }, values: [] }], 1],
      [[good, { metric: null, values: [] }], 1],
      [[good, { metric: ['a'], values: [] }], 1],
      [[{ metric: {}, values: [[1_800_000_060, 42.5]] }, good], 0],
      [[good, { metric: {}, values: [['1800000060', '1']] }], 1],
      [[good, { metric: {}, values: [[1_800_000_060]] }], 1],
      [[good, { metric: {}, values: [[1_800_000_060, '1', '2']] }], 1],
      [[good, { metric: {}, values: [{ t: 1 }] }], 1],
      [[good, { metric: {}, values: [null] }], 1],
      [[good, { metric: {}, values: {} }], 1],
      [[good, { metric: {} }], 1],
      [[good, { values: [] }], 1],
      [[good, null], 1],
      [[good, 'series'], 1],
      [[good, [good]], 1],
      [[good, { metric: {}, values: [[1, '2']], histograms: [[1, { count: '1' }]] }, { metric: {}, histograms: [] }], 2],
      [[good, { metric: { gpu: 0 }, values: [[true, '2']] }, null], 1],
    ] as const) {
      const want = expectLikeJsonParse(answer(result), JSON.stringify(result).slice(0, 80));
      expect(want.verdict).toEqual({ kind: 'bad-series', index });
    }
    // A key given twice in a series: the last one counts, as JSON.parse keeps it.
    expect(expectLikeJsonParse(answer([]).replace('[]', '[{"metric":{"a":1},"values":[],"metric":{"a":"1"},"values":[[1,"2"]]}]')).verdict).toEqual({ kind: 'matrix' });
    expect(expectLikeJsonParse(answer([]).replace('[]', '[{"metric":{"a":"1"},"values":[[1,"2"]],"values":[["1","2"]]}]')).verdict).toEqual({ kind: 'bad-series', index: 0 });
  });

  it('refuses answers that are not a matrix: unknown or missing resultType, missing result, error answers as errors', () => {
    for (const resultType of ['vector', 'scalar', 'string', 'streams', 'Matrix', 7, null]) {
      const want = expectLikeJsonParse(`{"status":"success","data":{"resultType":${JSON.stringify(resultType)},"result":${JSON.stringify([good])}}}`);
      expect(want.verdict).toEqual({ kind: 'not-matrix' });
    }
    for (const body of [
      '{"status":"success","data":{"result":[]}}',
      '{"status":"success","data":{"resultType":"matrix"}}',
      '{"status":"success","data":{"resultType":"matrix","result":{}}}',
      '{"status":"success","data":[]}',
      '{"status":"success"}',
      '{"status":"pending","data":{"resultType":"matrix","result":[]}}',
      '{"status":"error","errorType":5}',
      '[]',
      '"success"',
    ]) {
      expect(expectLikeJsonParse(body).verdict).toEqual({ kind: 'not-matrix' });
    }
    expect(expectLikeJsonParse('{"status":"error","errorType":"bad_data","error":"parse error at char 5: \\"x\\""}').verdict).toEqual({
      kind: 'error',
      errorType: 'bad_data',
      error: 'parse error at char 5: "x"',
    });
    expect(expectLikeJsonParse('{"status":"error","data":{"resultType":"matrix","result":[]}}').verdict).toEqual({ kind: 'error', errorType: undefined, error: undefined });
  });

  it('refuses a matrix whose envelope repeats status, data, resultType or result (JSON.parse would keep the last one silently)', () => {
    const twice = [
      `${answer([good]).slice(0, -1)},"status":"success"}`,
      `${answer([good]).slice(0, -1)},"data":{"resultType":"matrix","result":[]}}`,
      answer([good]).replace(']}}', '],"result":[]}}'),
      answer([good]).replace(']}}', '],"resultType":"matrix"}}'),
    ];
    for (const body of twice) {
      const b = new TextEncoder().encode(body);
      expect(scan(b, []).verdict, body).toEqual({ kind: 'not-matrix' });
      expect(scan(b, [37]).verdict, body).toEqual({ kind: 'not-matrix' });
    }
  });

  it('hands each series over as soon as it has been read, not when the answer ends', () => {
    const text = answer([good, { ...good, metric: { ...good.metric, gpu: '1' } }, good]);
    const { sink, series } = collector();
    const scanner = new MatrixScanner(sink);
    const bytes = new TextEncoder().encode(text);
    const second = text.indexOf('"gpu":"1"');
    scanner.push(bytes.slice(0, second));
    expect(series).toHaveLength(1);
    scanner.push(bytes.slice(second, text.lastIndexOf('{"metric"')));
    expect(series).toHaveLength(2);
    scanner.push(bytes.slice(text.lastIndexOf('{"metric"')));
    expect(scanner.end()).toEqual({ kind: 'matrix' });
    expect(series).toHaveLength(3);
  });

  it('stops reading a body that is not JSON', () => {
    const scanner = new MatrixScanner(collector().sink);
    const bytes = new TextEncoder().encode(answer([good, good]).replace('[[1800000060', '[[1800000060,,'));
    const at = answer([good]).length;
    expect(scanner.push(bytes.slice(0, at))).toBe(false);
    expect(scanner.push(bytes.slice(at))).toBe(false);
    expect(scanner.end().kind).toBe('not-json');
  });
});

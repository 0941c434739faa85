/**
 * Prometheus range-query answers (`/api/v1/query_range`, resultType `matrix`), read as their bytes
 * arrive: each series goes to a sink with its points as numbers, so a backfill's millions of points
 * never become a JS array and a string each (issue 16: most of a backfill's garbage was those).
 *
 * The verdict on an answer is always the one of the whole body parsed with JSON.parse and checked
 * by readMatrixAnswer (the envelope schema, then each series). The scanner streams an answer laid
 * out as Prometheus-compatible servers write it (`status` before `data`, `resultType` before
 * `result`); any other layout is kept whole and given to readMatrixAnswer, so it is judged the same.
 */
import { z } from 'zod';

/** One series of a range-query answer (`data.result[]` of a matrix), as JSON.parse gives it. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/**
 * Where the series of an answer go, in answer order. `times` (seconds, as sent) and `values`
 * (each value text as Number() reads it: "NaN", "+Inf" and "-Inf" are NaN) hold `count` points;
 * the arrays are the reader's and are reused for the next series, so keep copies, not them.
 */
export interface MatrixSink {
  series(metric: Readonly<Record<string, string>>, times: Float64Array, values: Float64Array, count: number): void;
}

/** What an answer turned out to be, in the order the checks apply: not JSON, not a matrix, an error answer, a malformed series. */
export type MatrixVerdict =
  | { kind: 'matrix' }
  | { kind: 'not-json'; cause: unknown }
  | { kind: 'not-matrix' }
  | { kind: 'error'; errorType: string | undefined; error: string | undefined }
  | { kind: 'bad-series'; index: number };

// The envelope goes through zod; the points (millions in a backfill) get the hand-written check below.
const QueryRangeResponse = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), data: z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }) }).loose(),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }).loose(),
]);

/** A series' labels: names to text values. */
const SeriesLabels = z.record(z.string(), z.string());

/** Checks each series of a matrix answer (text labels, [number, string] points); the index of the first bad one, or -1. */
export function firstMalformedSeries(result: readonly unknown[]): number {
  for (let i = 0; i < result.length; i++) {
    const s = result[i] as { metric?: unknown; values?: unknown } | null;
    if (typeof s !== 'object' || s === null || !SeriesLabels.safeParse(s.metric).success || !Array.isArray(s.values)) return i;
    const values = s.values as unknown[];
    for (let j = 0; j < values.length; j++) {
      const p = values[j];
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'string') return i;
    }
  }
  return -1;
}

/** The verdict on a parsed answer, and its series when it is a matrix. */
export function readMatrixAnswer(json: unknown): { verdict: MatrixVerdict; series: MatrixSeries[] } {
  const parsed = QueryRangeResponse.safeParse(json);
  if (!parsed.success) return { verdict: { kind: 'not-matrix' }, series: [] };
  if (parsed.data.status === 'error') return { verdict: { kind: 'error', errorType: parsed.data.errorType, error: parsed.data.error }, series: [] };
  const result = parsed.data.data.result;
  const bad = firstMalformedSeries(result);
  if (bad >= 0) return { verdict: { kind: 'bad-series', index: bad }, series: [] };
  return { verdict: { kind: 'matrix' }, series: result as MatrixSeries[] };
}

/** Hands parsed series to a sink, their values read as numbers. */
export function sendSeries(series: readonly MatrixSeries[], sink: MatrixSink): void {
  let times = new Float64Array(0);
  let values = new Float64Array(0);
  for (const s of series) {
    const n = s.values.length;
    if (n > times.length) {
      times = new Float64Array(n);
      values = new Float64Array(n);
    }
    for (let j = 0; j < n; j++) {
      const [t, v] = s.values[j] as [number, string];
      times[j] = t;
      values[j] = Number(v);
    }
    sink.series(s.metric, times, values, n);
  }
}

// Bytes of the JSON grammar.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const isWhitespace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isDigit = (b: number): boolean => b >= ZERO && b <= NINE;

/** Powers of ten a double holds exactly: m * 10^k and m / 10^k are then correctly rounded for m < 2^53. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Significant digits below 2^53, so the mantissa is exact. */
const MAX_EXACT_DIGITS = 15;

// Results of reading a piece of the body that may not have arrived whole.
/** The piece goes on past the bytes at hand. */
const MORE = -1;
/** Not what the fast path reads (wrong shape, or not JSON): the piece is taken whole and judged by JSON.parse. */
const OTHER = -2;

// Frames of the answer's structure the scanner walks itself; every other value is captured whole.
const TOP = 0;
const DATA = 1;
const RESULT = 2;
const SERIES = 3;
const VALUES = 4;
// What a frame expects next.
const KEY_OR_END = 0;
const KEY = 1;
const COLON_NEXT = 2;
const VALUE = 3;
const VALUE_OR_END = 4;
const COMMA_OR_END = 5;

interface Frame {
  kind: number;
  expect: number;
  /** The key whose value comes next (objects). */
  key: string;
  /** Keys seen (the envelope's objects): a repeated one is refused. */
  seen: Set<string> | null;
}

/** A value taken whole, possibly over several chunks, then judged by JSON.parse. */
interface Capture {
  parts: Uint8Array[];
  /** 0 until its first byte is read; then the nesting depth of an object or array, or -1 for a string or a bare literal. */
  depth: number;
  inString: boolean;
  escaped: boolean;
  literal: boolean;
  done: (text: string) => void;
}

// Scanner modes.
/** Before `result`: the bytes are kept, in case the answer is laid out otherwise and must be parsed whole. */
const PREFIX = 0;
/** Inside or after `result`: series go to the sink as they are read. */
const STREAM = 1;
/** Laid out otherwise (or an error answer): kept whole for JSON.parse. */
const WHOLE = 2;
/** Not JSON: the rest is not read. */
const FAILED = 3;

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Reads one answer's body chunk by chunk (push), handing each series to `sink` once the series has
 * been read whole and checked; end() gives the verdict. A sink may have been given series of an
 * answer whose verdict is not `matrix` (the series before a malformed one, a body cut short): its
 * owner drops what it built from them, as it drops a failed answer.
 */
export class MatrixScanner {
  #mode = PREFIX;
  /** The body so far, while it may still have to be parsed whole. */
  #kept: Uint8Array[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #stack: Frame[] = [];
  /** Before the top-level object, and after it. */
  #started = false;
  #finished = false;
  #capture: Capture | null = null;
  #failure: unknown = null;
  #statusOk = false;
  #matrixType = false;
  #repeated = false;
  #firstBad = -1;
  #seriesIndex = -1;
  // The series being read: its labels (null: none valid yet) and its points so far.
  #metric: Readonly<Record<string, string>> | null = null;
  #metricOk = false;
  #valuesOk = false;
  #count = 0;
  #times = new Float64Array(256);
  #values = new Float64Array(256);
  // The point just read by #point(), and the text just read by #string().
  #t = 0;
  #v = 0;
  #text = '';

  constructor(private readonly sink: MatrixSink) {}

  /** Reads the next bytes of the body; false once the answer is known not to be JSON (the rest need not be read). */
  push(chunk: Uint8Array): boolean {
    if (this.#mode === FAILED) return false;
    if (this.#mode !== STREAM) this.#kept.push(chunk);
    if (this.#mode === WHOLE) return true;
    // A piece cut by the chunk's start is read again from its beginning, joined to the new bytes.
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#buf = this.#pos < this.#buf.length ? Buffer.concat([this.#buf.subarray(this.#pos), bytes]) : bytes;
    this.#pos = 0;
    this.#run();
    return this.#mode !== FAILED;
  }

  /** The verdict once the whole body has been pushed; for a matrix, every series has gone to the sink. */
  end(): MatrixVerdict {
    if (this.#mode === FAILED) return { kind: 'not-json', cause: this.#failure };
    if (this.#mode !== STREAM) return this.#judgeWhole();
    if (!this.#finished || this.#capture !== null || this.#pos < this.#buf.length) return { kind: 'not-json', cause: new SyntaxError('the answer ends before its JSON does') };
    if (this.#repeated) return { kind: 'not-matrix' };
    if (this.#firstBad >= 0) return { kind: 'bad-series', index: this.#firstBad };
    return { kind: 'matrix' };
  }

  /** The body as res.json() reads it (a leading byte-order mark dropped), parsed and checked whole. */
  #judgeWhole(): MatrixVerdict {
    let bytes = Buffer.concat(this.#kept);
    this.#kept = [];
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      return { kind: 'not-json', cause };
    }
    const { verdict, series } = readMatrixAnswer(json);
    sendSeries(series, this.sink);
    return verdict;
  }

  /** Not JSON: while the layout is not yet known, the whole body decides; once streaming, it is final. */
  #fail(cause: unknown): void {
    if (this.#mode === PREFIX) {
      this.#mode = WHOLE;
      return;
    }
    this.#mode = FAILED;
    this.#failure = cause;
  }

  /** Laid out otherwise than the streaming path reads: parse it whole (only before `result`). */
  #whole(): void {
    this.#mode = WHOLE;
  }

  #run(): void {
    const buf = this.#buf;
    const n = buf.length;
    while (this.#mode === PREFIX || this.#mode === STREAM) {
      if (this.#capture !== null) {
        if (!this.#feedCapture()) return;
        continue;
      }
      let p = this.#pos;
      while (p < n && isWhitespace(buf[p] as number)) p++;
      this.#pos = p;
      if (p >= n) return;
      const frame = this.#stack[this.#stack.length - 1];
      if (frame === undefined) {
        if (this.#finished || this.#started) {
          this.#fail(new SyntaxError(`unexpected byte after the answer at ${p}`));
          return;
        }
        if (buf[p] !== OPEN_BRACE) {
          this.#whole();
          return;
        }
        this.#started = true;
        this.#stack.push({ kind: TOP, expect: KEY_OR_END, key: '', seen: new Set() });
        this.#pos = p + 1;
        continue;
      }
      if (frame.kind === VALUES) {
        if (!this.#points(frame)) return;
        continue;
      }
      const b = buf[p] as number;
      switch (frame.expect) {
        case KEY_OR_END:
        case KEY: {
          if (b === CLOSE_BRACE && frame.expect === KEY_OR_END) {
            this.#pos = p + 1;
            this.#close(frame);
            break;
          }
          if (b !== QUOTE) return this.#fail(new SyntaxError(`expected a key at ${p}`));
          const end = this.#string(p);
          if (end === MORE) return;
          if (end === OTHER) return this.#fail(new SyntaxError(`bad key at ${p}`));
          frame.key = this.#text;
          frame.expect = COLON_NEXT;
          this.#pos = end;
          break;
        }
        case COLON_NEXT:
          if (b !== COLON) return this.#fail(new SyntaxError(`expected ':' at ${p}`));
          frame.expect = VALUE;
          this.#pos = p + 1;
          break;
        case VALUE:
        case VALUE_OR_END:
          if (frame.kind === RESULT) {
            if (b === CLOSE_BRACKET && frame.expect === VALUE_OR_END) {
              this.#pos = p + 1;
              this.#close(frame);
              break;
            }
            frame.expect = COMMA_OR_END;
            this.#seriesIndex += 1;
            if (b === OPEN_BRACE) {
              this.#metric = null;
              this.#metricOk = false;
              this.#valuesOk = false;
              this.#count = 0;
              this.#stack.push({ kind: SERIES, expect: KEY_OR_END, key: '', seen: null });
              this.#pos = p + 1;
            } else {
              this.#bad();
              this.#skip(p);
            }
            break;
          }
          if (!this.#value(frame, p)) return;
          break;
        case COMMA_OR_END: {
          const close = frame.kind === RESULT ? CLOSE_BRACKET : CLOSE_BRACE;
          if (b === COMMA) {
            frame.expect = frame.kind === RESULT ? VALUE : KEY;
            this.#pos = p + 1;
          } else if (b === close) {
            this.#pos = p + 1;
            this.#close(frame);
          } else {
            return this.#fail(new SyntaxError(`expected ',' at ${p}`));
          }
          break;
        }
      }
    }
  }

  /** The value of `frame.key` starts at `p`; false when it must wait for more bytes. */
  #value(frame: Frame, p: number): boolean {
    const buf = this.#buf;
    const b = buf[p] as number;
    const key = frame.key;
    frame.expect = COMMA_OR_END;
    if (frame.seen !== null) {
      if (frame.seen.has(key) && (key === 'status' || key === 'data' || key === 'resultType' || key === 'result')) {
        // JSON.parse would keep the last; the series before it may have gone to the sink already.
        if (this.#mode === PREFIX) {
          this.#whole();
          return false;
        }
        this.#repeated = true;
        this.#skip(p);
        return true;
      }
      frame.seen.add(key);
    }
    if (frame.kind === TOP && key === 'status') {
      // An error answer is small: it is parsed whole, and so judged exactly as before.
      if (this.#mode !== PREFIX) {
        this.#whole();
        return false;
      }
      if (!this.#envelopeText(frame, p, 'success')) return false;
      this.#statusOk = true;
      return true;
    }
    if (frame.kind === TOP && key === 'data') {
      if (!this.#statusOk || this.#mode !== PREFIX || b !== OPEN_BRACE) {
        this.#whole();
        return false;
      }
      this.#stack.push({ kind: DATA, expect: KEY_OR_END, key: '', seen: new Set() });
      this.#pos = p + 1;
      return true;
    }
    if (frame.kind === DATA && key === 'resultType') {
      if (!this.#envelopeText(frame, p, 'matrix')) return false;
      this.#matrixType = true;
      return true;
    }
    if (frame.kind === DATA && key === 'result') {
      if (!this.#matrixType || b !== OPEN_BRACKET) {
        this.#whole();
        return false;
      }
      // The layout is the one streamed: from here on, series go to the sink and the bytes are not kept.
      this.#mode = STREAM;
      this.#kept = [];
      this.#stack.push({ kind: RESULT, expect: VALUE_OR_END, key: '', seen: null });
      this.#pos = p + 1;
      return true;
    }
    if (frame.kind === SERIES && key === 'metric') {
      this.#metricOk = false;
      this.#metric = null;
      this.#startCapture(p, (text) => {
        const metric: unknown = JSON.parse(text);
        if (SeriesLabels.safeParse(metric).success) {
          this.#metric = metric as Record<string, string>;
          this.#metricOk = true;
        }
      });
      return true;
    }
    if (frame.kind === SERIES && key === 'values') {
      this.#count = 0;
      this.#valuesOk = false;
      if (b === OPEN_BRACKET) {
        this.#valuesOk = true;
        this.#stack.push({ kind: VALUES, expect: VALUE_OR_END, key: '', seen: null });
        this.#pos = p + 1;
      } else {
        this.#skip(p);
      }
      return true;
    }
    // Any other key (warnings, stats, ...): checked as JSON, then dropped.
    this.#skip(p);
    return true;
  }

  /**
   * Reads the text value at `p` of an envelope key that must be `wanted` (`status`, `resultType`);
   * true and past it when it is. Otherwise false: it waits for more bytes (the key is read again
   * then), or, being something else, the body is parsed whole.
   */
  #envelopeText(frame: Frame, p: number, wanted: string): boolean {
    const end = this.#buf[p] === QUOTE ? this.#string(p) : OTHER;
    if (end === MORE) {
      frame.expect = VALUE;
      frame.seen?.delete(frame.key);
      return false;
    }
    if (end === OTHER || this.#text !== wanted) {
      this.#whole();
      return false;
    }
    this.#pos = end;
    return true;
  }

  /** Leaves a frame at its closing byte. */
  #close(frame: Frame): void {
    this.#stack.pop();
    if (frame.kind === TOP) this.#finished = true;
    else if (frame.kind === SERIES) {
      if (!this.#metricOk || !this.#valuesOk) this.#bad();
      else if (this.#firstBad < 0 && this.#metric !== null) this.sink.series(this.#metric, this.#times, this.#values, this.#count);
    } else if (frame.kind === DATA && this.#mode === PREFIX) {
      // `data` ended without a result to stream: the whole body decides.
      this.#whole();
    }
  }

  /** The current series is malformed; the first one is the answer's verdict. */
  #bad(): void {
    if (this.#firstBad < 0) this.#firstBad = this.#seriesIndex;
  }

  /** Points of the `values` array in a tight loop; false when it must wait for more bytes. */
  #points(frame: Frame): boolean {
    const buf = this.#buf;
    const n = buf.length;
    let p = this.#pos;
    for (;;) {
      while (p < n && isWhitespace(buf[p] as number)) p++;
      this.#pos = p;
      if (p >= n) return false;
      const b = buf[p] as number;
      if (frame.expect === COMMA_OR_END) {
        if (b === COMMA) frame.expect = VALUE;
        else if (b === CLOSE_BRACKET) {
          this.#pos = p + 1;
          this.#stack.pop();
          return true;
        } else {
          this.#fail(new SyntaxError(`expected ',' at ${p}`));
          return false;
        }
        p += 1;
        continue;
      }
      if (b === CLOSE_BRACKET && frame.expect === VALUE_OR_END) {
        this.#pos = p + 1;
        this.#stack.pop();
        return true;
      }
      const end = b === OPEN_BRACKET ? this.#point(p) : OTHER;
      if (end === MORE) return false;
      frame.expect = COMMA_OR_END;
      if (end === OTHER) {
        // Not [number, "text"]: the series is malformed, if the element is JSON at all.
        this.#valuesOk = false;
        this.#bad();
        this.#skip(p);
        return true;
      }
      if (this.#count === this.#times.length) this.#grow();
      this.#times[this.#count] = this.#t;
      this.#values[this.#count] = this.#v;
      this.#count += 1;
      p = end;
    }
  }

  #grow(): void {
    const times = new Float64Array(this.#times.length * 2);
    const values = new Float64Array(this.#values.length * 2);
    times.set(this.#times);
    values.set(this.#values);
    this.#times = times;
    this.#values = values;
  }

  /** One `[time, "value"]` point starting at `p` (its '['); the index after it, MORE or OTHER. */
  #point(p: number): number {
    const buf = this.#buf;
    const n = buf.length;
    p += 1;
    while (p < n && isWhitespace(buf[p] as number)) p++;
    if (p >= n) return MORE;
    const afterTime = this.#jsonNumber(p);
    if (afterTime < 0) return afterTime;
    p = afterTime;
    while (p < n && isWhitespace(buf[p] as number)) p++;
    if (p >= n) return MORE;
    if (buf[p] !== COMMA) return OTHER;
    p += 1;
    while (p < n && isWhitespace(buf[p] as number)) p++;
    if (p >= n) return MORE;
    if (buf[p] !== QUOTE) return OTHER;
    const afterValue = this.#valueText(p);
    if (afterValue < 0) return afterValue;
    p = afterValue;
    while (p < n && isWhitespace(buf[p] as number)) p++;
    if (p >= n) return MORE;
    return buf[p] === CLOSE_BRACKET ? p + 1 : OTHER;
  }

  /** A JSON number at `p` into #t, by its grammar; the index after it, MORE or OTHER. */
  #jsonNumber(start: number): number {
    const buf = this.#buf;
    const n = buf.length;
    let p = start;
    const negative = buf[p] === MINUS;
    if (negative) p++;
    if (p >= n) return MORE;
    let b = buf[p] as number;
    if (!isDigit(b)) return OTHER;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    if (b === ZERO) {
      p++;
    } else {
      while (p < n && isDigit((b = buf[p] as number))) {
        mantissa = mantissa * 10 + (b - ZERO);
        digits++;
        p++;
      }
    }
    if (p >= n) return MORE;
    b = buf[p] as number;
    if (b === DOT) {
      p++;
      const first = p;
      while (p < n && isDigit((b = buf[p] as number))) {
        if (digits > 0 || b !== ZERO) digits++;
        mantissa = mantissa * 10 + (b - ZERO);
        scale++;
        p++;
      }
      if (p >= n) return MORE;
      if (p === first) return OTHER;
      b = buf[p] as number;
    }
    let exact = digits <= MAX_EXACT_DIGITS;
    if (b === 0x65 || b === 0x45) {
      // An exponent: rare in times; Number() reads it.
      p++;
      if (p < n && (buf[p] === 0x2b || buf[p] === MINUS)) p++;
      const first = p;
      while (p < n && isDigit(buf[p] as number)) p++;
      if (p >= n) return MORE;
      if (p === first) return OTHER;
      exact = false;
    }
    if (exact && scale < EXACT_POWERS.length) {
      const x = mantissa / (EXACT_POWERS[scale] as number);
      this.#t = negative ? -x : x;
    } else {
      this.#t = Number(buf.toString('latin1', start, p));
    }
    return p;
  }

  /**
   * A value's text at `p` (its opening quote) into #v as Number() reads it; the index after its
   * closing quote, MORE or OTHER. Plain decimals are read here; anything else goes through Number().
   */
  #valueText(start: number): number {
    const buf = this.#buf;
    const n = buf.length;
    let p = start + 1;
    const negative = p < n && buf[p] === MINUS;
    if (negative) p++;
    let mantissa = 0;
    let digits = 0;
    let intDigits = 0;
    let fracDigits = 0;
    let dot = false;
    for (; p < n; p++) {
      const b = buf[p] as number;
      if (isDigit(b)) {
        if (digits > 0 || b !== ZERO) digits++;
        mantissa = mantissa * 10 + (b - ZERO);
        if (dot) fracDigits++;
        else intDigits++;
      } else if (b === DOT && !dot) {
        dot = true;
      } else {
        break;
      }
    }
    if (p >= n) return MORE;
    if (buf[p] === QUOTE && intDigits > 0 && (!dot || fracDigits > 0) && digits <= MAX_EXACT_DIGITS && fracDigits < EXACT_POWERS.length) {
      const x = mantissa / (EXACT_POWERS[fracDigits] as number);
      this.#v = negative ? -x : x;
      return p + 1;
    }
    // NaN, +Inf, -Inf, long or unusual numbers, escapes: the text as JSON.parse gives it, read by Number().
    const end = this.#string(start);
    if (end < 0) return end;
    this.#v = Number(this.#text);
    return end;
  }

  /** A JSON string at `p` (its opening quote) into #text; the index after it, MORE or OTHER (not valid JSON text). */
  #string(start: number): number {
    const buf = this.#buf;
    const n = buf.length;
    let p = start + 1;
    let plain = true;
    let ascii = true;
    for (;;) {
      if (p >= n) return MORE;
      const b = buf[p] as number;
      if (b === QUOTE) break;
      if (b === BACKSLASH) {
        plain = false;
        p += 2;
        continue;
      }
      if (b < 0x20) return OTHER;
      if (b >= 0x80) ascii = false;
      p++;
    }
    if (plain) {
      this.#text = ascii ? buf.toString('latin1', start + 1, p) : utf8Decoder.decode(buf.subarray(start + 1, p));
    } else {
      try {
        this.#text = JSON.parse(utf8Decoder.decode(buf.subarray(start, p + 1))) as string;
      } catch {
        return OTHER;
      }
    }
    return p + 1;
  }

  /** Takes the value at `p` whole and checks it is JSON, for nothing else. */
  #skip(p: number): void {
    this.#startCapture(p, (text) => void JSON.parse(text));
  }

  #startCapture(p: number, done: (text: string) => void): void {
    this.#capture = { parts: [], depth: 0, inString: false, escaped: false, literal: false, done };
    this.#pos = p;
  }

  /** Reads on in the captured value; false when it needs more bytes. */
  #feedCapture(): boolean {
    const c = this.#capture as Capture;
    const buf = this.#buf;
    const n = buf.length;
    const from = this.#pos;
    let p = from;
    if (c.depth === 0) {
      const b = buf[p] as number;
      if (b === OPEN_BRACE || b === OPEN_BRACKET) c.depth = 1;
      else {
        c.depth = -1;
        if (b === QUOTE) c.inString = true;
        else c.literal = true;
      }
      p++;
    }
    let end = -1;
    if (c.literal) {
      // true, false, null or a number: up to the next delimiter.
      while (p < n) {
        const b = buf[p] as number;
        if (b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || isWhitespace(b)) break;
        p++;
      }
      if (p < n) end = p;
    } else {
      let { depth, inString, escaped } = c;
      for (; p < n; p++) {
        const b = buf[p] as number;
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) {
            inString = false;
            if (depth < 0) {
              end = p + 1;
              break;
            }
          }
        } else if (b === QUOTE) inString = true;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
        else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          depth--;
          if (depth === 0) {
            end = p + 1;
            break;
          }
        }
      }
      c.depth = depth;
      c.inString = inString;
      c.escaped = escaped;
    }
    if (end < 0) {
      // The value goes on in the next chunk: keep what is here (the buffer is not reused).
      c.parts.push(buf.subarray(from, n));
      this.#pos = n;
      return false;
    }
    c.parts.push(buf.subarray(from, end));
    this.#pos = end;
    this.#capture = null;
    const bytes = c.parts.length === 1 ? (c.parts[0] as Uint8Array) : Buffer.concat(c.parts);
    try {
      c.done(utf8Decoder.decode(bytes));
    } catch (cause) {
      this.#fail(cause);
    }
    return true;
  }
}

/**
 * Pushes an answer's body through `scanner` as it arrives (a fetch body or a Node stream, of bytes or
 * text). A body that cannot be read to its end (cut off, timed out) is not JSON, as parsing it whole
 * would find; the caller's abort is thrown as is. Stopping before the end releases the connection.
 */
export async function scanAnswer(body: AsyncIterable<Uint8Array | string> | null | undefined, scanner: MatrixScanner, signal: AbortSignal): Promise<MatrixVerdict> {
  if (!body) return scanner.end();
  const chunks = body[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array | string>;
      try {
        next = await chunks.next();
      } catch (cause) {
        done = true;
        if (signal.aborted) throw cause;
        return { kind: 'not-json', cause };
      }
      if (next.done) {
        done = true;
        return scanner.end();
      }
      if (!scanner.push(typeof next.value === 'string' ? Buffer.from(next.value) : next.value)) return scanner.end();
    }
  } finally {
    // Stopped before the end (not JSON, or the sink threw): release the connection.
    if (!done) void chunks.return?.()?.catch(() => undefined);
  }
}

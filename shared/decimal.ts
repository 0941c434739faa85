/**
 * Exact decimal arithmetic on text with BigInt, for money and other amounts that must never pass
 * through a float. A value is `units / 10^scale`; functions taking text accept plain decimals
 * ("-12.50", ".5", "+3."), exponent forms ("1e-7", "1.5E+3") and keep the digits they were given.
 * Results never show a negative zero. Pure: no Node, no DOM, no dependencies.
 */

/** A parsed decimal: `units / 10^scale`, scale >= 0. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text exactly, keeping its decimal places (an exponent moves them); throws RangeError on anything else. */
export function parseDecimal(text: string): Decimal {
  const m = DECIMAL_TEXT.exec(text.trim());
  const int = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || (int === '' && frac === '')) throw new RangeError(`not a decimal: "${text}"`);
  const digits = BigInt(`${int}${frac}` || '0');
  // Decimal places of the written digits once the exponent has moved the point.
  const places = frac.length - Number(m[4] ?? '0');
  const units = places >= 0 ? digits : digits * 10n ** BigInt(-places);
  return { units: m[1] === '-' ? -units : units, scale: Math.max(0, places) };
}

/** A finite JS number at its shortest round-trip text (the digits JSON carried), exactly. */
export function decimalFromNumber(value: number): Decimal {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return parseDecimal(String(value));
}

/** Plain text of a decimal: no exponent, exactly `scale` decimal places, no negative zero. */
export function formatDecimal({ units, scale }: Decimal): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

/** The same value at another scale; fewer places round half away from zero. */
export function rescaleDecimal(value: Decimal, scale: number): Decimal {
  if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`not a scale: ${scale}`);
  if (scale >= value.scale) return { units: value.units * 10n ** BigInt(scale - value.scale), scale };
  return { units: divideRounded(value.units, 10n ** BigInt(value.scale - scale)), scale };
}

/** Integer division rounding half away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (2n * d);
  return negative ? -q : q;
}

function toDecimal(value: string | Decimal): Decimal {
  return typeof value === 'string' ? parseDecimal(value) : value;
}

/** Units of each value on their largest common scale. */
function aligned(values: readonly (string | Decimal)[]): { units: bigint[]; scale: number } {
  const parsed = values.map(toDecimal);
  const scale = parsed.reduce((s, d) => Math.max(s, d.scale), 0);
  return { units: parsed.map((d) => d.units * 10n ** BigInt(scale - d.scale)), scale };
}

/** Decimal text, digits kept as given, without exponent, leading zeros or a negative zero ("1.5E+3" -> "1500"). */
export function decimalText(value: string | number): string {
  return formatDecimal(typeof value === 'number' ? decimalFromNumber(value) : parseDecimal(value));
}

/** Decimal text with trailing zeros dropped but at least `minDecimals` places ("12.3400", 2 -> "12.34"). */
export function normaliseDecimal(value: string, minDecimals = 0): string {
  const d = parseDecimal(value);
  let { units, scale } = d;
  while (scale > minDecimals && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return formatDecimal(rescaleDecimal({ units, scale }, Math.max(scale, minDecimals)));
}

/** Rounds to exactly `places` decimals, half away from zero ("-0.125", 2 -> "-0.13"). */
export function roundDecimal(value: string, places: number): string {
  return formatDecimal(rescaleDecimal(parseDecimal(value), places));
}

/** a + b, at the larger of their scales. */
export function addDecimals(a: string, b: string): string {
  return sumDecimals([a, b]);
}

/** a - b, at the larger of their scales. */
export function subtractDecimals(a: string, b: string): string {
  const { units, scale } = aligned([a, b]);
  return formatDecimal({ units: (units[0] ?? 0n) - (units[1] ?? 0n), scale });
}

/** Sum of any number of decimals, at the largest scale among them ("0" for none). */
export function sumDecimals(values: readonly string[]): string {
  const { units, scale } = aligned(values);
  return formatDecimal({ units: units.reduce((s, u) => s + u, 0n), scale });
}

/** a x b, exactly: its scale is the sum of theirs ("0.10" x "1.5" -> "0.150"). */
export function multiplyDecimals(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return formatDecimal({ units: x.units * y.units, scale: x.scale + y.scale });
}

/** value x a whole number, keeping the value's decimal places ("0.35" x 4 -> "1.40"). */
export function multiplyDecimalByInteger(value: string, times: number | bigint): string {
  const d = parseDecimal(value);
  return formatDecimal({ units: d.units * BigInt(times), scale: d.scale });
}

/** value / a whole number, rounded half away from zero to exactly `places` decimals. */
export function divideDecimalByInteger(value: string, divisor: number | bigint, places: number): string {
  if (!Number.isInteger(places) || places < 0) throw new RangeError(`not a number of places: ${places}`);
  const d = parseDecimal(value);
  const q = divideRounded(d.units * 10n ** BigInt(places), BigInt(divisor) * 10n ** BigInt(d.scale));
  return formatDecimal({ units: q, scale: places });
}

/** -1, 0 or 1 as a is below, equal to or above b (scale does not matter: "1.50" equals "1.5"). */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const { units } = aligned([a, b]);
  const [x = 0n, y = 0n] = units;
  return x < y ? -1 : x > y ? 1 : 0;
}

// Money as BigInt at one fixed scale. The store keeps every amount in DECIMAL(38,10) and sums it
// there; the few divisions (per-minute run-rate, per-GPU share, daily mean) happen here on scaled
// BigInts, because DuckDB turns a DECIMAL division into a DOUBLE.

/** Scale of every amount the store keeps and sums: 10 decimal places. */
export const MONEY_SCALE = 10;

/** Money text ("12.345", "-0.5", "1e-3") as a BigInt scaled by 10^MONEY_SCALE, rounded half away from zero. */
export function parseMoney(text: string): bigint {
  return rescaleDecimal(parseDecimal(text), MONEY_SCALE).units;
}

/** A scaled amount as plain text: no exponent, at least 2 decimals, no trailing zeros beyond them. */
export function formatMoney(scaled: bigint): string {
  return normaliseDecimal(formatDecimal({ units: scaled, scale: MONEY_SCALE }), 2);
}

/** Any decimal text (e.g. DuckDB's "12.3400000000") in the form formatMoney gives, at most MONEY_SCALE places. */
export function normaliseMoney(text: string): string {
  return formatMoney(parseMoney(text));
}

/** Adds a scaled amount to its currency's total in `into`. */
export function addMoneyTo(into: Map<string, bigint>, currency: string, amount: bigint): void {
  into.set(currency, (into.get(currency) ?? 0n) + amount);
}

/**
 * Exact decimal arithmetic on money strings with BigInt. DuckDB sums amounts in DECIMAL(38,10); the
 * few divisions (per-minute run-rate, per-GPU share, daily mean) happen here because DuckDB turns a
 * DECIMAL division into a DOUBLE.
 */

/** Scale of every amount handled here and stored in the database: 10 decimal places. */
export const MONEY_SCALE = 10;
const FACTOR = 10n ** BigInt(MONEY_SCALE);

/** Parses "12.345" (or "-0.5", "1e-3") into a BigInt scaled by 10^10, rounding half away from zero. */
export function parseMoney(text: string): bigint {
  const s = text.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal amount: "${text}"`);
  const negative = m[1] === '-';
  const digits = (m[2] ?? '') + (m[3] ?? '');
  // Position of the decimal point counted from the right of `digits`.
  const fractionDigits = (m[3] ?? '').length - Number(m[4] ?? '0');
  let value = BigInt(digits === '' ? '0' : digits);
  const shift = MONEY_SCALE - fractionDigits;
  if (shift >= 0) value *= 10n ** BigInt(shift);
  else value = divRound(value, 10n ** BigInt(-shift));
  return negative ? -value : value;
}

/** Divides two BigInts, rounding half away from zero. */
export function divRound(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new Error('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (2n * d);
  return negative ? -q : q;
}

/** Formats a scaled amount as a plain decimal: no exponent, at least 2 decimals, no extra zeros. */
export function formatMoney(scaled: bigint): string {
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  const whole = abs / FACTOR;
  let fraction = (abs % FACTOR).toString().padStart(MONEY_SCALE, '0').replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${negative && abs !== 0n ? '-' : ''}${whole}.${fraction}`;
}

/** Normalises any decimal text (e.g. DuckDB's "12.3400000000") to the form formatMoney gives. */
export function normaliseMoney(text: string): string {
  return formatMoney(parseMoney(text));
}

/** Adds amounts per currency into `into`. */
export function addTo(into: Map<string, bigint>, currency: string, amount: bigint): void {
  into.set(currency, (into.get(currency) ?? 0n) + amount);
}

/** Exact decimal arithmetic on strings via BigInt: money never passes through a float. */

interface Scaled {
  units: bigint;
  scale: number;
}

function parse(value: string): Scaled {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) throw new Error(`not a decimal: "${value}"`);
  const frac = m[3] ?? '';
  const units = BigInt(`${m[2] ?? '0'}${frac}`);
  return { units: m[1] === '-' ? -units : units, scale: frac.length };
}

function format({ units, scale }: Scaled): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

/** `price` x an integer quantity, keeping the price's decimal places. */
export function timesInteger(price: string, quantity: number | bigint): string {
  const p = parse(price);
  return format({ units: p.units * BigInt(quantity), scale: p.scale });
}

/** An integer number of cents as a decimal string ("-250000" -> "-2500.00"). */
export function fromCents(cents: number | bigint): string {
  return format({ units: BigInt(cents), scale: 2 });
}

/** Exact sum of decimal strings, at the largest scale among them. */
export function sumDecimals(values: readonly string[]): string {
  const parsed = values.map(parse);
  const scale = parsed.reduce((s, p) => Math.max(s, p.scale), 0);
  let total = 0n;
  for (const p of parsed) total += p.units * 10n ** BigInt(scale - p.scale);
  return format({ units: total, scale });
}

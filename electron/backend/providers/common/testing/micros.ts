/**
 * Money as integer micro-units (6 decimal places) in test fleets and emulators, so truths can be
 * summed with plain BigInt addition. The decimal text goes through shared/decimal.
 */
import { formatDecimal, normaliseDecimal, parseDecimal, rescaleDecimal } from '../../../../../shared/decimal';

const MICRO_SCALE = 6;

/** Exact decimal text -> integer micro-units ("-12.5" -> -12500000n). */
export function toMicros(text: string): bigint {
  return rescaleDecimal(parseDecimal(text), MICRO_SCALE).units;
}

/** Integer micro-units -> decimal text with all 6 places ("1.500000"). */
export function microsText(value: bigint): string {
  return formatDecimal({ units: value, scale: MICRO_SCALE });
}

/** Integer micro-units -> decimal text without trailing zeros, as BigQuery NUMERIC prints ("1.5", "2"). */
export function microsTextTrimmed(value: bigint): string {
  return normaliseDecimal(microsText(value));
}

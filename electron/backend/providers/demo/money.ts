/** The demo's money helpers: exact decimals from shared/decimal, under the names the demo uses. */
import { formatDecimal, multiplyDecimalByInteger, sumDecimals } from '../../../../shared/decimal';

export { multiplyDecimalByInteger as timesInteger, sumDecimals };

/** An integer number of cents as a decimal string ("-250000" -> "-2500.00"). */
export function fromCents(cents: number | bigint): string {
  return formatDecimal({ units: BigInt(cents), scale: 2 });
}

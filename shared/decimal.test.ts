import { describe, expect, it } from 'vitest';
import {
  addDecimals,
  addMoneyTo,
  compareDecimals,
  decimalFromNumber,
  decimalText,
  divideDecimalByInteger,
  divideRounded,
  formatDecimal,
  formatMoney,
  multiplyDecimalByInteger,
  multiplyDecimals,
  normaliseDecimal,
  normaliseMoney,
  parseDecimal,
  parseMoney,
  rescaleDecimal,
  roundDecimal,
  subtractDecimals,
  sumDecimals,
} from './decimal';

describe('parseDecimal', () => {
  it('keeps the written decimal places and sign', () => {
    expect(parseDecimal('12.50')).toEqual({ units: 1250n, scale: 2 });
    expect(parseDecimal('-0.001')).toEqual({ units: -1n, scale: 3 });
    expect(parseDecimal('+7')).toEqual({ units: 7n, scale: 0 });
    expect(parseDecimal(' 3.0 ')).toEqual({ units: 30n, scale: 1 });
  });

  it('reads a lone point on either side', () => {
    expect(parseDecimal('.5')).toEqual({ units: 5n, scale: 1 });
    expect(parseDecimal('5.')).toEqual({ units: 5n, scale: 0 });
  });

  it('moves the point by an exponent without losing digits', () => {
    expect(parseDecimal('1e-7')).toEqual({ units: 1n, scale: 7 });
    expect(parseDecimal('1.5E+3')).toEqual({ units: 1500n, scale: 0 });
    expect(parseDecimal('1.50e1')).toEqual({ units: 150n, scale: 1 });
    expect(parseDecimal('-2.5e-3')).toEqual({ units: -25n, scale: 4 });
    expect(parseDecimal('123e0')).toEqual({ units: 123n, scale: 0 });
  });

  it('refuses text that is not a decimal', () => {
    for (const bad of ['', '-', '.', 'abc', '1.2.3', '1e', '0x10', '1,5', 'NaN', 'Infinity', '1 000']) {
      expect(() => parseDecimal(bad), bad).toThrow(RangeError);
    }
  });
});

describe('decimalFromNumber and decimalText', () => {
  it('takes a number at its shortest round-trip digits, not its binary value', () => {
    expect(formatDecimal(decimalFromNumber(0.1))).toBe('0.1');
    expect(formatDecimal(decimalFromNumber(1e-7))).toBe('0.0000001');
    expect(formatDecimal(decimalFromNumber(0.009865586851323632))).toBe('0.009865586851323632');
    // 1e21 and above print with an exponent in JS; the text expands it.
    expect(formatDecimal(decimalFromNumber(1.2345e25))).toBe('12345000000000000000000000');
    expect(formatDecimal(decimalFromNumber(-0))).toBe('0');
  });

  it('refuses non-finite numbers', () => {
    expect(() => decimalFromNumber(Number.NaN)).toThrow(RangeError);
    expect(() => decimalFromNumber(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('normalises text: no exponent, no leading zeros, no negative zero, digits kept', () => {
    expect(decimalText('1e-7')).toBe('0.0000001');
    expect(decimalText('1.5E+3')).toBe('1500');
    expect(decimalText('007.50')).toBe('7.50');
    expect(decimalText('-0.00')).toBe('0.00');
    expect(decimalText('-12.3456')).toBe('-12.3456');
    expect(decimalText(0.30000000000000004)).toBe('0.30000000000000004');
  });
});

describe('sums and differences', () => {
  it('adds exactly where floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(sumDecimals(['0.1', '0.2', '0.3'])).toBe('0.6');
    expect(sumDecimals(Array.from({ length: 10 }, () => '0.1'))).toBe('1.0');
  });

  it('answers at the largest scale of the operands', () => {
    expect(addDecimals('5', '-5.000')).toBe('0.000');
    expect(addDecimals('-0.30', '0.1')).toBe('-0.20');
    expect(sumDecimals(['1', '2.5', '0.125'])).toBe('3.625');
    expect(sumDecimals([])).toBe('0');
  });

  it('handles negatives and crossing zero', () => {
    expect(subtractDecimals('1.00', '2.5')).toBe('-1.50');
    expect(subtractDecimals('-1', '-1')).toBe('0');
    expect(subtractDecimals('0.3', '0.1')).toBe('0.2');
    expect(sumDecimals(['-2500.00', '1000', '1500.005'])).toBe('0.005');
  });

  it('stays exact beyond 2^53', () => {
    const big = '9007199254740993'; // 2^53 + 1: not a float
    expect(Number(big)).toBe(2 ** 53);
    expect(addDecimals(big, '1')).toBe('9007199254740994');
    expect(addDecimals('123456789012345678.000000001', '0.000000009')).toBe('123456789012345678.000000010');
    expect(subtractDecimals('100000000000000000000000000.01', '0.02')).toBe('99999999999999999999999999.99');
  });

  it('accepts exponent forms as operands', () => {
    expect(addDecimals('1e-7', '1')).toBe('1.0000001');
    expect(sumDecimals(['1.5E+3', '-0.5'])).toBe('1499.5');
  });
});

describe('products and quotients', () => {
  it('multiplies decimal by decimal at the sum of the scales', () => {
    expect(1.1 * 1.1).not.toBe(1.21);
    expect(multiplyDecimals('1.1', '1.1')).toBe('1.21');
    expect(multiplyDecimals('0.10', '1.5')).toBe('0.150');
    expect(multiplyDecimals('-2.5', '4')).toBe('-10.0');
    expect(multiplyDecimals('-2.5', '-0.2')).toBe('0.50');
    expect(multiplyDecimals('9007199254740993', '9007199254740993')).toBe((2n ** 106n + 2n ** 54n + 1n).toString());
    // "2e3" is the integer 2000, so the product keeps the 7 places of "1e-7".
    expect(multiplyDecimals('1e-7', '2e3')).toBe('0.0002000');
  });

  it('multiplies by a whole number keeping the value’s places', () => {
    expect(multiplyDecimalByInteger('0.35', 4)).toBe('1.40');
    expect(multiplyDecimalByInteger('4.78', 8)).toBe('38.24');
    expect(multiplyDecimalByInteger('-0.5', 0)).toBe('0.0');
    expect(multiplyDecimalByInteger('2.50', -3)).toBe('-7.50');
    expect(multiplyDecimalByInteger('0.000001', 10n ** 20n)).toBe('100000000000000.000000');
    expect(() => multiplyDecimalByInteger('1', 1.5)).toThrow(RangeError);
  });

  it('divides by a whole number, rounding half away from zero', () => {
    expect(divideDecimalByInteger('1', 3, 6)).toBe('0.333333');
    expect(divideDecimalByInteger('2', 3, 6)).toBe('0.666667');
    expect(divideDecimalByInteger('38.24', 8, 6)).toBe('4.780000');
    expect(divideDecimalByInteger('0.05', 2, 2)).toBe('0.03');
    expect(divideDecimalByInteger('-0.05', 2, 2)).toBe('-0.03');
    expect(divideDecimalByInteger('0.05', -2, 2)).toBe('-0.03');
    expect(divideDecimalByInteger('-0.000001', 3, 2)).toBe('0.00');
    expect(() => divideDecimalByInteger('1', 0, 2)).toThrow(RangeError);
  });

  it('rounds integer quotients half away from zero', () => {
    expect(divideRounded(5n, 2n)).toBe(3n);
    expect(divideRounded(-5n, 2n)).toBe(-3n);
    expect(divideRounded(4n, 3n)).toBe(1n);
    expect(divideRounded(-4n, -3n)).toBe(1n);
  });
});

describe('rounding and normalising', () => {
  it('rounds half away from zero where float rounding goes wrong', () => {
    // 1.005 is 1.00499999999999989... as a float, so toFixed rounds it down.
    expect((1.005).toFixed(2)).toBe('1.00');
    expect(roundDecimal('1.005', 2)).toBe('1.01');
    expect(roundDecimal('-1.005', 2)).toBe('-1.01');
    expect(roundDecimal('0.125', 2)).toBe('0.13');
    expect(roundDecimal('0.1249999', 2)).toBe('0.12');
    expect(roundDecimal('2.5', 0)).toBe('3');
    expect(roundDecimal('-2.5', 0)).toBe('-3');
  });

  it('pads to the places asked and never shows a negative zero', () => {
    expect(roundDecimal('12', 2)).toBe('12.00');
    expect(roundDecimal('-0.004', 2)).toBe('0.00');
    expect(roundDecimal('.5', 2)).toBe('0.50');
    expect(roundDecimal('1e-7', 6)).toBe('0.000000');
    expect(roundDecimal('9999999999999999999.995', 2)).toBe('10000000000000000000.00');
  });

  it('rescales a parsed value either way', () => {
    expect(rescaleDecimal({ units: 125n, scale: 2 }, 4)).toEqual({ units: 12500n, scale: 4 });
    expect(rescaleDecimal({ units: -125n, scale: 2 }, 1)).toEqual({ units: -13n, scale: 1 });
    expect(() => rescaleDecimal({ units: 1n, scale: 0 }, -1)).toThrow(RangeError);
  });

  it('drops trailing zeros down to a minimum number of decimals', () => {
    expect(normaliseDecimal('12.3400000000', 2)).toBe('12.34');
    expect(normaliseDecimal('12.3456', 2)).toBe('12.3456');
    expect(normaliseDecimal('5', 2)).toBe('5.00');
    expect(normaliseDecimal('-0.000', 2)).toBe('0.00');
    expect(normaliseDecimal('1500.00')).toBe('1500');
    expect(normaliseDecimal('1.5E+3', 1)).toBe('1500.0');
  });
});

describe('compareDecimals', () => {
  it('compares values regardless of scale', () => {
    expect(compareDecimals('1.50', '1.5')).toBe(0);
    expect(compareDecimals('0.1', '0.09')).toBe(1);
    expect(compareDecimals('-1', '0.5')).toBe(-1);
    expect(compareDecimals('-1.1', '-1.01')).toBe(-1);
    expect(compareDecimals('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareDecimals('1e3', '999.999')).toBe(1);
  });
});

// Folded in from the store's former money module (store/money.ts): every assertion kept.
describe('money at the store scale', () => {
  it('parses and formats exactly', () => {
    expect(formatMoney(parseMoney('0.1') + parseMoney('0.2'))).toBe('0.30');
    expect(normaliseMoney('12.3400000000')).toBe('12.34');
    expect(normaliseMoney('1e-3')).toBe('0.001');
    expect(normaliseMoney('-5')).toBe('-5.00');
    expect(normaliseMoney('98.123456789012')).toBe('98.123456789');
    expect(normaliseMoney('-0.00000000001')).toBe('0.00');
  });
  it('rounds divisions half away from zero', () => {
    expect(divideRounded(5n, 2n)).toBe(3n);
    expect(divideRounded(-5n, 2n)).toBe(-3n);
    expect(divideRounded(4n, 3n)).toBe(1n);
  });
  it('refuses text that is not a number', () => {
    expect(() => parseMoney('12,5')).toThrow(/not a decimal/);
  });
  it('adds per currency', () => {
    const totals = new Map<string, bigint>();
    addMoneyTo(totals, 'USD', parseMoney('1.25'));
    addMoneyTo(totals, 'EUR', parseMoney('2'));
    addMoneyTo(totals, 'USD', parseMoney('-0.25'));
    expect([...totals].map(([c, v]) => [c, formatMoney(v)])).toEqual([
      ['USD', '1.00'],
      ['EUR', '2.00'],
    ]);
  });
});

/** Formatting helpers shared by the renderer, the CLI and reports. Pure: no DOM, no Node. */
import type { z } from 'zod';
import { roundDecimal as roundExact } from './decimal';

/** Formats a zod error as one line naming each bad field by its path. */
export function describeZodError(error: z.ZodError, where: string): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `${where}: ${parts.join('; ')}${more}`;
}

/** Rounds an exact decimal string to `places` decimals (half away from zero), as text. */
export function roundDecimal(value: string, places = 2): string {
  return roundExact(value, places);
}

/** Formats money for display: currency code, thousands separators, cents. */
export function formatMoney(amount: string, currency: string): string {
  const rounded = roundDecimal(amount, 2);
  const negative = rounded.startsWith('-');
  const [i = '0', f = '00'] = (negative ? rounded.slice(1) : rounded).split('.');
  const grouped = i.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = currency === 'USD' ? '$' : currency === 'EUR' ? '€' : currency === 'GBP' ? '£' : `${currency} `;
  return `${negative ? '-' : ''}${symbol}${grouped}.${f}`;
}

/** Formats a utilisation percentage, or an em dash when not measured. */
export function formatPercent(value: number | null, digits = 1): string {
  return value === null ? '—' : `${value.toFixed(digits)}%`;
}

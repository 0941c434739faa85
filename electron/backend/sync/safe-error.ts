/**
 * The backend's last line of defence for error text: every error the sync engine records, the
 * accounts service reports and serve logs passes through here, whatever the connector already did.
 */
import { redactErrorText } from '../../../shared/redact';
import type { LogFields, Logger } from './logger';

// Variables whose values are secrets by their name (the vault lends typed secrets as FLEETPANE_SECRET_*).
const SECRET_NAME = /^FLEETPANE_SECRET_|TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY/i;

/** The values of this process's secret-looking environment variables, read now (they change as secrets are lent). */
export function secretValuesInEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= 6 && SECRET_NAME.test(name)) values.push(value);
  }
  // Longest first, so a secret that contains another is replaced whole.
  return values.sort((a, b) => b.length - a.length);
}

/** Error text safe to store, show and log (see shared/redact.ts), with this process's secret values removed too. */
export function safeErrorText(text: string): string {
  return redactErrorText(text, secretValuesInEnvironment());
}

/** safeErrorText of anything thrown. */
export function safeErrorMessage(error: unknown): string {
  return safeErrorText(error instanceof Error ? error.message || error.name : String(error));
}

/** A logger whose message and string fields pass through safeErrorText. */
export function safeLogger(inner: Logger): Logger {
  const clean =
    (write: Logger['info']) =>
    (message: string, fields?: LogFields): void => {
      if (fields === undefined) return write(safeErrorText(message));
      const safe: Record<string, LogFields[string]> = {};
      for (const [key, value] of Object.entries(fields)) safe[key] = typeof value === 'string' ? safeErrorText(value) : value;
      write(safeErrorText(message), safe);
    };
  return { debug: clean(inner.debug.bind(inner)), info: clean(inner.info.bind(inner)), warn: clean(inner.warn.bind(inner)), error: clean(inner.error.bind(inner)) };
}

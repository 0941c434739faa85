/**
 * Error text that may be stored, shown and logged. Parsers (JSON, INI, YAML, PEM) and SDKs quote the
 * input they choke on, and that input can be a credential file or the process environment; these
 * helpers keep what an SRE needs (which file, which line, what is wrong) and drop the content.
 */

/** Longest error text kept; a parser quoting a whole file is cut here even when nothing else matched. */
export const MAX_ERROR_TEXT = 600;

const PLACEHOLDER = '[redacted]';

/** `scheme://user:pass@host` → `scheme://[redacted]@host` (a URL's userinfo is a password more often than not). */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"<>]+@/gi, `$1${PLACEHOLDER}@`);
}

/** True when a URL string carries a user name or password (`https://user:pass@host`). */
export function urlHasCredentials(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(value);
}

/**
 * Makes error text safe to record: URL credentials, PEM blocks, bearer/basic tokens, `NAME=value`
 * pairs (an environment dump), control characters and any of `secrets` are replaced, and the text
 * is cut to MAX_ERROR_TEXT characters.
 */
export function redactErrorText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join(PLACEHOLDER);
  out = out
    .replace(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, `[PEM block ${PLACEHOLDER}]`)
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${PLACEHOLDER}`)
    // An environment dump: NAME=value, the value up to the next whitespace or NUL. A date partition of
    // an object key (AWS Data Exports' `BILLING_PERIOD=2026-11/...`) is a place, not a secret: kept so
    // an error can name the file.
    .replace(/\b([A-Z][A-Z0-9_]{1,})=([^\s\0]+)/g, (pair: string, name: string, value: string) => (/^\d{4}-\d{2}(-\d{2})?(\/|$)/.test(value) ? pair : `${name}=${PLACEHOLDER}`))
    // NUL and other control characters (a binary or /proc file read as text).
    .replace(/[\0-\x08\x0b-\x1f\x7f]+/g, ' ');
  out = redactUrlCredentials(out);
  return out.length > MAX_ERROR_TEXT ? `${out.slice(0, MAX_ERROR_TEXT)}… (cut)` : out;
}

/**
 * Why `text` is not JSON, by line and column, without quoting it (JSON.parse's own message quotes the
 * start of the input: the first bytes of whatever file was named).
 */
export function describeJsonError(text: string): string {
  const offset = jsonErrorOffset(text);
  if (offset === null) return 'not valid JSON';
  if (offset >= text.length) return 'not valid JSON: it ends too early';
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}`;
}

/** The offset of the first character a JSON parser refuses, or null when the text parses. */
function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    // Skip a byte-order mark the way our readers do.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    ws();
    if (i < text.length) fail();
    return null;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

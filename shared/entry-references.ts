/**
 * What an account entry reads and where it connects, found by field name across every provider's
 * schema: the environment variables and files that hold its secrets, and the endpoints it overrides.
 * Serve checks these against what the operator allowed; the config check refuses URL credentials.
 */

/** One field of an entry that names a secret's source or an endpoint. */
export interface EntryReference {
  /** Dotted field path, e.g. `credential.path` or `prometheus.auth.token.env`. */
  field: string;
  kind: 'env' | 'file' | 'endpoint';
  value: string;
}

// Field names across the provider schemas (azure, gcp, oci, kubernetes, coreweave).
const ENV_KEYS = new Set(['env', 'variable']);
const FILE_KEYS = new Set(['file', 'path', 'keyFile', 'kubeconfig', 'tlsCaFile', 'costExportDirectory']);
const ENDPOINT_KEY = /^(url|endpoint|host|authorityHost|audience|armAudience)$|(Url|Endpoint)$/;

/** Every env, file and endpoint reference in `entry`, in field order. */
export function referencesIn(entry: unknown): EntryReference[] {
  const found: EntryReference[] = [];
  const walk = (value: unknown, path: string[], underEndpoints: boolean): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, String(index)], underEndpoints));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const field = [...path, key].join('.');
      if (typeof child === 'string') {
        if (ENV_KEYS.has(key)) found.push({ field, kind: 'env', value: child });
        else if (FILE_KEYS.has(key)) found.push({ field, kind: 'file', value: child });
        else if (ENDPOINT_KEY.test(key) || (underEndpoints && key !== 'protocol')) found.push({ field, kind: 'endpoint', value: child });
      } else {
        walk(child, [...path, key], underEndpoints || key === 'endpoints');
      }
    }
  };
  walk(entry, [], false);
  return found;
}

/** `https://user:pass@host` in any endpoint field: one issue per field, naming it and never the value. */
export function urlCredentialIssues(entry: unknown): { path: string; message: string }[] {
  return referencesIn(entry)
    .filter((r) => r.kind === 'endpoint' && /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(r.value.trim()))
    .map((r) => ({ path: r.field, message: 'a URL may not carry a user name or password (user:pass@): read the secret from a file or environment variable in an auth field instead' }));
}

/**
 * "Test connection": one cheap read through the account's own connector (the first page of its
 * inventory), then stop. Reports what it read, the identity the entry uses and the permissions the
 * provider's error names as missing.
 */
import type { AccountConfigBase } from '../../../shared/config';
import type { ConnectionTestResult } from '../../../shared/contract-accounts';
import { ConnectorIdentity, identityLine } from '../../../shared/connector-diagnostics';
import { ConnectorError, type Connector } from '../providers/types';
import { safeErrorMessage } from '../sync/safe-error';

/** How long a test may take before it is reported as unavailable. */
export const TEST_TIMEOUT_MS = 20_000;

/** Reads the first inventory batch of `connector` and reports the outcome; never throws. */
export async function testConnection(
  config: AccountConfigBase,
  connector: Connector,
  options: { timeoutMs?: number; now?: () => Date } = {},
): Promise<ConnectionTestResult> {
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${Math.round((options.timeoutMs ?? TEST_TIMEOUT_MS) / 1000)} s`)), options.timeoutMs ?? TEST_TIMEOUT_MS);
  const identity = describeIdentity(config);
  // The provider's whoami runs beside the read; it only adds names and ids, never decides the result.
  const whoami: Promise<ConnectorIdentity | null> = connector.identity
    ? connector.identity(abort.signal).then(
        (found) => {
          const parsed = ConnectorIdentity.safeParse(found);
          return parsed.success ? parsed.data : null;
        },
        () => null,
      )
    : Promise.resolve(null);
  const settled = (): Promise<ConnectorIdentity | null> =>
    Promise.race([whoami, new Promise<null>((resolve) => (abort.signal.aborted ? resolve(null) : abort.signal.addEventListener('abort', () => resolve(null), { once: true })))]);
  try {
    const iterator = connector.inventory({ signal: abort.signal, now: now() })[Symbol.asyncIterator]();
    const first = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true })),
    ]);
    // One page is enough: end the iteration so the connector stops reading.
    void iterator.return?.(undefined)?.catch(() => undefined);
    const machines = first.done ? 0 : Array.isArray(first.value) ? first.value.length : 0;
    const who = await settled();
    return {
      ok: true,
      message: first.done || machines === 0 ? 'connected: the first read found no GPU machines' : `connected: the first read found ${machines} GPU machine${machines === 1 ? '' : 's'}`,
      errorKind: null,
      identity: who ? identityLine(who) : identity,
      whoami: who,
      missingPermissions: [],
      gpuMachines: machines,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    // A connector's message may quote the file or variable it read; the screen and the store get it cleaned.
    const message = safeErrorMessage(error);
    const who = await settled();
    return {
      ok: false,
      message,
      errorKind: error instanceof ConnectorError ? error.kind : abort.signal.aborted ? 'unavailable' : 'internal',
      identity: who ? identityLine(who) : (identityFromError(message) ?? identity),
      whoami: who,
      missingPermissions: missingPermissions(message),
      gpuMachines: null,
      durationMs: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** Which credential an entry uses, in words (never a secret value: only where it comes from). */
export function describeIdentity(config: AccountConfigBase): string | null {
  const c = config as Record<string, unknown>;
  const cred = (c.credential ?? {}) as Record<string, unknown>;
  switch (config.provider) {
    case 'demo':
      return 'none (simulated demo fleet)';
    case 'azure':
      if (cred.type === 'tokenFile') return `bearer token from file ${String(cred.path)}`;
      if (cred.type === 'tokenEnv') return `bearer token from $${String(cred.variable)}`;
      return `DefaultAzureCredential (Azure CLI login${cred.tenantId ? `, tenant ${String(cred.tenantId)}` : ''})`;
    case 'gcp':
      if (cred.type === 'keyFile') return `service-account key file ${String(cred.path)}`;
      if (cred.type === 'token') return cred.env ? `access token from $${String(cred.env)}` : `access token from file ${String(cred.file)}`;
      return 'application-default credentials';
    case 'oci':
      if (cred.type === 'instancePrincipal') return 'instance principal';
      if (cred.type === 'apiKey') return `API key of ${String(cred.user)}`;
      return `OCI config profile ${String(cred.profile ?? 'DEFAULT')}`;
    case 'kubernetes':
    case 'coreweave': {
      const token = c.token as { env?: string; file?: string } | undefined;
      if (token) return token.env ? `bearer token from $${token.env}` : `bearer token from file ${String(token.file)}`;
      return `kubeconfig ${typeof c.kubeconfig === 'string' ? c.kubeconfig : '(default)'} context ${typeof c.context === 'string' ? c.context : '(current)'}`;
    }
    default:
      // A provider added since: its connector's identity() (whoami) still tells who the credential is.
      return null;
  }
}

/** The principal an authorization error names (Kubernetes, Azure), if any. */
function identityFromError(message: string): string | null {
  const k8s = /User "([^"]+)" cannot/.exec(message);
  if (k8s) return k8s[1]!;
  const azure = /client '([^']+)' with object id '([^']+)'/.exec(message);
  if (azure) return `${azure[1]} (object id ${azure[2]})`;
  return null;
}

/** Permissions an authorization error names as missing, in the provider's own words. */
export function missingPermissions(message: string): string[] {
  const found = new Set<string>();
  for (const m of message.matchAll(/perform action '([^']+)'/g)) found.add(m[1]!);
  for (const m of message.matchAll(/[Pp]ermission '([a-z]+\.[A-Za-z.]+)' denied/g)) found.add(m[1]!);
  for (const m of message.matchAll(/cannot (get|list|watch) resource "([^"]+)"/g)) found.add(`${m[1]} ${m[2]}`);
  for (const m of message.matchAll(/missing (?:the )?permissions?:? ([a-z]+\.[A-Za-z.]+(?:, ?[a-z]+\.[A-Za-z.]+)*)/g)) for (const p of m[1]!.split(/, ?/)) found.add(p);
  return [...found];
}

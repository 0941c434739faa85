/**
 * Maps whatever the Azure SDKs throw to the connector's typed errors, naming the subscription, the
 * API and (for 401/403) the role the credential lacks, so the account view can tell the SRE what to do.
 */
import { z } from 'zod';
import {
  AuthError,
  ConnectorError,
  MalformedResponseError,
  ThrottledError,
  UnavailableError,
} from '../types';

/** The role each Azure API needs, as the Azure portal names it. */
export type AzureRole = 'Reader' | 'Cost Management Reader' | 'Monitoring Reader';

/** What was being called when an error happened. */
export interface CallSite {
  api: string;
  subscriptionId: string | null;
  role: AzureRole;
}

/** An HTTP failure as the SDK reports it, reduced to what the mapping needs. */
export interface HttpFailure {
  status: number;
  header(name: string): string | null;
  body: string | null;
}

const ErrorDetail = z.looseObject({ code: z.string().optional(), message: z.string().optional() });
// The common ARM shape wraps the detail in `error`; Compute's documented 429 does not.
const ArmErrorBody = z.union([z.looseObject({ error: ErrorDetail }), ErrorDetail]);

/** Reads `{ error: { code, message } }` or the bare `{ code, message }` body. */
export function parseArmErrorBody(body: string | null): { code: string | null; message: string | null } {
  if (!body) return { code: null, message: null };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { code: null, message: null };
  }
  const parsed = ArmErrorBody.safeParse(json);
  if (!parsed.success) return { code: null, message: null };
  const data = parsed.data as { error?: z.infer<typeof ErrorDetail> } & z.infer<typeof ErrorDetail>;
  const detail = data.error ?? data;
  return { code: detail.code ?? null, message: detail.message ?? null };
}

/** Retry-After in ms from the standard headers and Cost Management's own QPU header. */
export function retryAfterMs(header: (name: string) => string | null): number | null {
  const ms = header('retry-after-ms') ?? header('x-ms-retry-after-ms');
  if (ms && /^\d+$/.test(ms.trim())) return Number(ms.trim());
  for (const name of ['retry-after', 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after', 'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after', 'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after', 'x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after']) {
    const v = header(name)?.trim();
    if (!v) continue;
    if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
    const date = Date.parse(v);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return null;
}

/** Builds the typed error for an HTTP failure. */
export function errorForStatus(failure: HttpFailure, site: CallSite, cause?: unknown): ConnectorError {
  const { code, message } = parseArmErrorBody(failure.body);
  const where = site.subscriptionId ? `subscription ${site.subscriptionId}` : 'the tenant';
  const said = [code, message].filter(Boolean).join(': ');
  const suffix = said ? ` (Azure said: ${said})` : '';
  if (failure.status === 401) {
    return new AuthError(`${site.api}: the credential was rejected for ${where}; sign in again (az login) or renew the token${suffix}`, { cause });
  }
  if (failure.status === 403) {
    return new AuthError(`${site.api}: access denied in ${where}; grant the "${site.role}" role on it${suffix}`, { cause });
  }
  if (failure.status === 429) {
    const wait = retryAfterMs(failure.header) ?? 60_000;
    return new ThrottledError(`${site.api}: Azure is throttling ${where}; retry after ${Math.ceil(wait / 1000)} s${suffix}`, wait, { cause });
  }
  if (failure.status >= 500 || failure.status === 408) {
    return new UnavailableError(`${site.api}: Azure answered ${failure.status} for ${where}${suffix}`, retryAfterMs(failure.header), { cause });
  }
  if (failure.status === 404) {
    return new ConnectorError('config', `${site.api}: not found (HTTP 404) in ${where}; check the subscription id or endpoint${suffix}`, null, { cause });
  }
  return new MalformedResponseError(`${site.api}: unexpected HTTP ${failure.status} for ${where}${suffix}`, { cause });
}

const RestErrorLike = z.looseObject({
  name: z.string().optional(),
  code: z.string().optional(),
  statusCode: z.number().optional(),
  message: z.string().optional(),
});

interface ResponseLike {
  status?: number;
  headers?: { get?: (name: string) => string | undefined | null } | Record<string, string>;
  bodyAsText?: string | null;
  body?: unknown;
}

/** Maps any error thrown by an SDK call (or our own checks) to a ConnectorError. */
export function toConnectorError(err: unknown, site: CallSite, signal?: AbortSignal): unknown {
  if (err instanceof ConnectorError) return err;
  if (signal?.aborted) return err; // shutting down: not an Azure failure
  const e = RestErrorLike.safeParse(err);
  if (!e.success) return new UnavailableError(`${site.api}: ${String(err)}`, null, { cause: err });
  const { name, code, statusCode, message } = e.data;
  const response = (err as { response?: ResponseLike }).response;
  const status = statusCode ?? response?.status;
  if (code === 'PARSE_ERROR' || err instanceof SyntaxError) {
    return new MalformedResponseError(`${site.api}: response body is not valid JSON${status ? ` (HTTP ${status})` : ''}`, { cause: err });
  }
  if (status && status >= 400) {
    return errorForStatus({ status, header: headerReader(response), body: bodyOf(response) }, site, err);
  }
  if (name === 'AbortError' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timed? ?out/i.test(message ?? '')) {
    return new UnavailableError(`${site.api}: no answer from Azure in time for ${site.subscriptionId ? `subscription ${site.subscriptionId}` : 'the tenant'}`, null, { cause: err });
  }
  if (name === 'TypeError') {
    // The SDK's deserializer trips over a body of the wrong shape.
    return new MalformedResponseError(`${site.api}: response has an unexpected shape (${message ?? 'TypeError'})`, { cause: err });
  }
  return new UnavailableError(`${site.api}: ${message ?? code ?? 'request failed'}`, null, { cause: err });
}

function headerReader(response: ResponseLike | undefined): (name: string) => string | null {
  const h = response?.headers;
  if (!h) return () => null;
  if (typeof (h as { get?: unknown }).get === 'function') {
    const get = (h as { get: (name: string) => string | undefined | null }).get.bind(h);
    return (name) => get(name) ?? null;
  }
  const rec = h as Record<string, string>;
  return (name) => rec[name] ?? rec[name.toLowerCase()] ?? null;
}

function bodyOf(response: ResponseLike | undefined): string | null {
  if (!response) return null;
  if (typeof response.bodyAsText === 'string') return response.bodyAsText;
  if (typeof response.body === 'string') return response.body;
  if (response.body && typeof response.body === 'object') return JSON.stringify(response.body);
  return null;
}

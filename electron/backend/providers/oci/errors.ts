/**
 * Maps what the OCI SDK throws to the connector's typed errors. OCI answers a missing policy and a
 * missing resource the same way (404 NotAuthorizedOrNotFound), so every message names the IAM policy
 * statement that would make the call work; a rejected signature (401) says which key to check.
 */
import {
  AuthError,
  ConfigError,
  ConnectorError,
  MalformedResponseError,
  ThrottledError,
  UnavailableError,
} from '../types';

/** The OCI operations the connector calls; each needs one policy verb on one resource type. */
export type OciOperation =
  | 'ListRegionSubscriptions'
  | 'ListCompartments'
  | 'ListInstances'
  | 'ListInstanceMaintenanceEvents'
  | 'SummarizeMetricsData'
  | 'RequestSummarizedUsages'
  | 'ListAnnouncements'
  | 'GetAnnouncement';

/** Where a call went: the operation, region and compartment (by name where known). */
export interface OciCallSite {
  operation: OciOperation;
  region: string | null;
  /** Compartment name (or OCID) the call read; null for tenancy-wide calls. */
  compartment: string | null;
  /** "group <name>" or "dynamic-group <name>": who the policy statement is written for. */
  subject: string;
  /** Monitoring namespace, so the metrics statement can be scoped to it. */
  namespace?: string;
}

/** The IAM policy statement that lets `site.subject` make the call. */
export function policyStatement(site: OciCallSite): string {
  const inCompartment = site.compartment ? `compartment ${site.compartment}` : 'tenancy';
  switch (site.operation) {
    case 'ListRegionSubscriptions':
      return `Allow ${site.subject} to inspect tenancies in tenancy`;
    case 'ListCompartments':
      return `Allow ${site.subject} to inspect compartments in tenancy`;
    case 'ListInstances':
    case 'ListInstanceMaintenanceEvents':
      return `Allow ${site.subject} to read instance-family in ${inCompartment}`;
    case 'SummarizeMetricsData':
      return `Allow ${site.subject} to read metrics in ${inCompartment} where target.metrics.namespace='${site.namespace ?? 'gpu_infrastructure_health'}'`;
    case 'RequestSummarizedUsages':
      return `Allow ${site.subject} to read usage-reports in tenancy`;
    case 'ListAnnouncements':
    case 'GetAnnouncement':
      return `Allow ${site.subject} to read announcements in tenancy`;
  }
}

function where(site: OciCallSite): string {
  const parts = [site.region ? `region ${site.region}` : null, site.compartment ? `compartment ${site.compartment}` : null].filter(Boolean);
  return `${site.operation}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** What an OciError (or a network error) tells us, reduced to what the mapping needs. */
export interface OciFailure {
  statusCode: number | null;
  serviceCode: string | null;
  message: string;
  opcRequestId: string | null;
  /** Network or client-side error code (ECONNREFUSED, ...). */
  code: string | null;
}

/** Reads an SDK error without trusting its shape. */
export function failureOf(err: unknown): OciFailure {
  const e = (err ?? {}) as Record<string, unknown>;
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : null;
  const serviceCode = typeof e.serviceCode === 'string' && e.serviceCode !== 'None' ? e.serviceCode : null;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const opcRequestId = typeof e.opcRequestId === 'string' && e.opcRequestId !== 'unknown' ? e.opcRequestId : null;
  const code = typeof e.code === 'string' ? e.code : null;
  return { statusCode, serviceCode, message, opcRequestId, code };
}

/** Signing fails on our side before a request leaves: a key that cannot be read or decrypted. */
function isSigningFailure(f: OciFailure, err: unknown): boolean {
  if (f.statusCode !== null) return false;
  const text = `${f.code ?? ''} ${f.message} ${err instanceof Error ? err.name : ''}`;
  return /sign|private key|passphrase|decrypt|PEM|DECODER|asn1|bad decrypt|unsupported key/i.test(text);
}

/**
 * Builds the typed error for a failed call. `retryAfterMs` is the server's Retry-After (the SDK drops
 * response headers from its errors; the client's HTTP layer keeps them by opc-request-id).
 */
export function toOciError(err: unknown, site: OciCallSite, retryAfterMs: number | null = null, fallbackRetryMs = 30_000): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const f = failureOf(err);
  const said = [f.serviceCode, f.message].filter(Boolean).join(': ');
  const ref = f.opcRequestId ? ` [opc-request-id ${f.opcRequestId}]` : '';
  const at = where(site);
  if (isSigningFailure(f, err)) {
    return new AuthError(`${at}: could not sign the request with the API key (check key_file and its passphrase): ${f.message}`, { cause: err });
  }
  switch (f.statusCode) {
    case 401:
      return new AuthError(
        `${at}: OCI rejected the request signature (${said}); check the user OCID, key fingerprint and key file of the profile, and the host clock${ref}`,
        { cause: err },
      );
    case 403:
    case 404:
      return new AuthError(
        `${at}: not authorized or not found (${said}); the credential needs: "${policyStatement(site)}"${ref}`,
        { cause: err },
      );
    case 429:
      return new ThrottledError(`${at}: OCI is throttling requests (${said}); retry after ${Math.ceil((retryAfterMs ?? fallbackRetryMs) / 1000)} s${ref}`, retryAfterMs ?? fallbackRetryMs, { cause: err });
    case 400:
      if (f.serviceCode === 'InvalidParameter' || f.serviceCode === 'MissingParameter') {
        return new ConfigError(`${at}: OCI refused the request (${said})${ref}`, { cause: err });
      }
      return new MalformedResponseError(`${at}: OCI answered 400 (${said})${ref}`, { cause: err });
    default:
      break;
  }
  if (f.statusCode !== null && (f.statusCode >= 500 || f.statusCode === 408 || f.statusCode === 409)) {
    return new UnavailableError(`${at}: OCI answered ${f.statusCode} (${said})${ref}`, retryAfterMs, { cause: err });
  }
  if (err instanceof SyntaxError) return new MalformedResponseError(`${at}: the response is not valid JSON (${f.message})`, { cause: err });
  if (f.code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR_SOCKET|EOPENBREAKER)$/.test(f.code)) {
    return new UnavailableError(`${at}: network error ${f.code} (${f.message})`, null, { cause: err });
  }
  if (/fetch failed|socket hang up|network|timed? ?out/i.test(f.message)) {
    return new UnavailableError(`${at}: ${f.message}`, null, { cause: err });
  }
  if (f.statusCode !== null && f.statusCode >= 400) return new MalformedResponseError(`${at}: unexpected HTTP ${f.statusCode} (${said})${ref}`, { cause: err });
  if (err instanceof TypeError) return new MalformedResponseError(`${at}: the response has an unexpected shape (${f.message})`, { cause: err });
  return new ConnectorError('internal', `${at}: ${f.message}`, null, { cause: err });
}

/** Retry-After in ms from a header value (seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

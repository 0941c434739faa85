/**
 * AWS SDK errors as connector errors: throttling becomes ThrottledError (the SDK's adaptive retry has
 * already spent its attempts), a denied call becomes AuthError naming the action and the IAM policy
 * statement to add, an expired IAM Identity Center (SSO) session says how to renew it, 5xx and network
 * failures become UnavailableError, unreadable answers MalformedResponseError.
 */
import { AuthError, ConnectorError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';

/** Where a call went: for messages and the policy statement. */
export interface CallSite {
  /** IAM action, e.g. "ec2:DescribeInstances". */
  action: string;
  accountId: string | null;
  region: string | null;
  /** The profile the base credential comes from (for "aws sso login --profile"). */
  profile: string | null;
  /** The role assumed in a member account, when the call ran under one. */
  roleName: string | null;
}

export const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
]);

const DENIED_CODES = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'Client.UnauthorizedOperation',
  'AuthorizationError',
]);

const CREDENTIAL_CODES = new Set([
  'AuthFailure',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
]);

/** What an SDK error carries, read defensively (service errors, credential errors, network errors). */
export interface SdkFailure {
  code: string;
  message: string;
  status: number | null;
}

export function failureOf(err: unknown): SdkFailure {
  const e = (err ?? {}) as { name?: unknown; Code?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' && e.name !== 'Error' ? e.name : typeof e.code === 'string' ? e.code : 'Error';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : null;
  return { code, message: typeof e.message === 'string' ? e.message : String(err), status };
}

/** The IAM statement that would let the call through, as JSON to paste into the role's policy. */
export function policyStatement(action: string): string {
  return JSON.stringify({ Effect: 'Allow', Action: [action], Resource: '*' });
}

/** The sts:AssumeRole trust the member role needs, and the caller's permission to assume it. */
export function assumeRoleAdvice(accountId: string, roleName: string): string {
  return `the role ${roleName} in account ${accountId} must trust the base credential's account (trust policy principal) and the base credential needs ${JSON.stringify({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: `arn:aws:iam::${accountId}:role/${roleName}` })}`;
}

function where(site: CallSite): string {
  return [site.action, site.accountId ? `account ${site.accountId}` : null, site.region].filter(Boolean).join(' in ');
}

/** True for an IAM Identity Center session or token that has expired (the credential chain's message). */
export function isExpiredSso(err: unknown): boolean {
  const { code, message } = failureOf(err);
  return (/sso/i.test(message) && /expired|invalid|refresh/i.test(message)) || code === 'UnauthorizedException' && /sso/i.test(message) || /token.*(is )?expired/i.test(message) && /sso|login/i.test(message);
}

/** True when the SDK found no credential at all. */
function isNoCredentials(err: unknown): boolean {
  const { code, message } = failureOf(err);
  return code === 'CredentialsProviderError' || /Could not load credentials|Unable to find.*credential|profile .* could not be found/i.test(message);
}

/** Codes of an action the endpoint does not offer (a partition, an older private endpoint or emulator). */
const UNSUPPORTED_CODES = new Set(['UnsupportedOperation', 'InvalidAction', 'UnknownOperationException', 'OperationNotPermitted', 'NotImplemented']);

/** The endpoint does not offer this action (404, UnsupportedOperation, InvalidAction): optional calls carry on without it. */
export class UnsupportedOperationError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, null, options);
    this.name = 'UnsupportedOperationError';
  }
}

/** Maps any error of an AWS call to the ConnectorError the sync engine records. */
export function toConnectorError(err: unknown, site: CallSite): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const f = failureOf(err);
  const options = { cause: err };
  const profile = site.profile ? ` --profile ${site.profile}` : '';
  if (isExpiredSso(err)) {
    return new AuthError(`AWS IAM Identity Center (SSO) session has expired for ${site.profile ? `profile ${site.profile}` : 'the default profile'}: run \`aws sso login${profile}\`, then sync again`, options);
  }
  if (isNoCredentials(err)) {
    return new AuthError(`no AWS credentials for ${where(site)}: ${f.message} (configure a profile with \`aws configure${profile}\` or \`aws configure sso${profile}\`)`, options);
  }
  if (THROTTLE_CODES.has(f.code)) {
    return new ThrottledError(`AWS throttled ${where(site)} (${f.code}) after the SDK's retries; retrying later`, 30_000, options);
  }
  if (DENIED_CODES.has(f.code) || (f.status === 403 && !CREDENTIAL_CODES.has(f.code))) {
    const who = site.roleName ? `role ${site.roleName}` : site.profile ? `the identity of profile ${site.profile}` : 'the base credential';
    return new AuthError(`AWS denied ${where(site)} (${f.code}): add to the IAM policy of ${who} the statement ${policyStatement(site.action)}`, options);
  }
  if (f.code === 'ExpiredToken' || f.code === 'ExpiredTokenException' || f.code === 'RequestExpired') {
    return new AuthError(`AWS credentials have expired for ${where(site)} (${f.code}): renew them (\`aws sso login${profile}\` for an SSO profile)`, options);
  }
  if (CREDENTIAL_CODES.has(f.code)) {
    return new AuthError(`AWS did not accept the credentials for ${where(site)} (${f.code}): ${f.message}`, options);
  }
  // S3's NoSuchKey/NoSuchBucket are 404s about the object, not the action.
  if (UNSUPPORTED_CODES.has(f.code) || (f.status === 404 && !/^NoSuch/.test(f.code))) {
    return new UnsupportedOperationError(`the endpoint does not offer ${where(site)} (${f.status === 404 ? 'HTTP 404' : f.code})`, options);
  }
  if ((f.status !== null && f.status >= 500) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|TimeoutError/i.test(`${f.code} ${f.message}`)) {
    return new UnavailableError(`AWS could not be reached for ${where(site)}: ${f.code}: ${f.message}`, null, options);
  }
  if (/Deserializ|Unexpected token|XML|JSON/i.test(`${f.code} ${f.message}`)) {
    return new MalformedResponseError(`AWS answered ${where(site)} with something unreadable: ${f.message}`, options);
  }
  return new ConnectorError('internal', `AWS ${where(site)} failed: ${f.code}: ${f.message}`, null, options);
}

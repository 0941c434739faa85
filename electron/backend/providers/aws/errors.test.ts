import { describe, expect, it } from 'vitest';
import { AuthError, ConnectorError, ThrottledError, UnavailableError } from '../types';
import { toConnectorError, UnsupportedOperationError } from './errors';

const site = { action: 'ec2:DescribeInstances', accountId: '123456789012', region: 'us-east-1', profile: 'prod', roleName: null };
const sdkError = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('aws errors', () => {
  it('tells an expired IAM Identity Center session to run aws sso login with the profile', () => {
    const err = toConnectorError(Object.assign(new Error('The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.'), { name: 'CredentialsProviderError' }), site);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('`aws sso login --profile prod`');
  });

  it('names the action and the statement to add on UnauthorizedOperation and AccessDenied', () => {
    const err = toConnectorError(sdkError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403), site);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('ec2:DescribeInstances in account 123456789012 in us-east-1');
    expect(err.message).toContain('{"Effect":"Allow","Action":["ec2:DescribeInstances"],"Resource":"*"}');
    expect(toConnectorError(sdkError('AccessDeniedException', 'no', 400), { ...site, action: 'cloudwatch:GetMetricData', roleName: 'R' }).message).toContain('role R');
  });

  it('maps throttling, 5xx and network failures to retryable errors; anything else stays a connector error', () => {
    for (const code of ['RequestLimitExceeded', 'ThrottlingException', 'Throttling', 'TooManyRequestsException']) {
      expect(toConnectorError(sdkError(code, 'slow down', 400), site)).toBeInstanceOf(ThrottledError);
    }
    expect(toConnectorError(sdkError('InternalError', 'oops', 500), site)).toBeInstanceOf(UnavailableError);
    expect(toConnectorError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), site)).toBeInstanceOf(UnavailableError);
    expect(toConnectorError(sdkError('ExpiredToken', 'The security token included in the request is expired', 400), site).message).toContain('aws sso login --profile prod');
    const other = toConnectorError(sdkError('InvalidParameterValue', 'bad', 400), site);
    expect(other).toBeInstanceOf(ConnectorError);
    expect(other.kind).toBe('internal');
  });

  it('tells an action the endpoint does not offer (404, UnsupportedOperation) from a missing S3 object', () => {
    expect(toConnectorError(sdkError('UnknownError', 'Not Found', 404), site)).toBeInstanceOf(UnsupportedOperationError);
    const unsupported = toConnectorError(sdkError('UnsupportedOperation', 'not supported in this region', 400), site);
    expect(unsupported).toBeInstanceOf(UnsupportedOperationError);
    expect(unsupported.message).toContain('ec2:DescribeInstances');
    expect(toConnectorError(sdkError('NoSuchKey', 'The specified key does not exist.', 404), { ...site, action: 's3:GetObject' })).not.toBeInstanceOf(UnsupportedOperationError);
  });
});

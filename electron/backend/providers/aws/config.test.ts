import { describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../../shared/config';
import { ConfigIssuesError } from '../types';
import { endpointFor, parseAwsConfig } from './config';
import { awsProvider } from './provider';

const parse = (extra: Record<string, unknown>) => parseAwsConfig({ name: 'aws-prod', provider: 'aws', ...extra } as unknown as AccountConfigBase);
const issues = (extra: Record<string, unknown>) => {
  try {
    parse(extra);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigIssuesError);
    return (err as ConfigIssuesError).issues;
  }
  throw new Error('expected the entry to be refused');
};

describe('aws account config', () => {
  it('fills defaults: the default credential chain, discovered regions, CloudWatch agent metrics, Health on', () => {
    const c = parse({});
    expect(c).toMatchObject({ homeRegion: 'us-east-1', metrics: 'cloudwatch', instanceStates: ['pending', 'running', 'stopping', 'stopped'], incidents: { health: true }, endpoints: {}, retry: { maxAttempts: 4 } });
    expect(c.profile).toBeUndefined();
    expect(c.regions).toBeUndefined();
    expect(c.incidents).toMatchObject({ organizationView: true, publicFeedUrl: 'https://health.aws.amazon.com/public/currentevents' });
    // The public feed URL is overridable (emulators) but, like the endpoints, https:// off loopback.
    expect(parse({ incidents: { publicFeedUrl: 'http://127.0.0.1:9/public/currentevents' } }).incidents.publicFeedUrl).toBe('http://127.0.0.1:9/public/currentevents');
    expect(issues({ incidents: { publicFeedUrl: 'http://feed.example.com/x' } })[0]?.path).toBe('incidents.publicFeedUrl');
  });

  it('takes an organization with a role name, or accounts each with a role, not both', () => {
    expect(parse({ organization: { roleName: 'FleetpaneReadOnly' } }).organization).toMatchObject({ roleName: 'FleetpaneReadOnly', excludeAccountIds: [], includeCallerAccount: true });
    expect(parse({ accounts: [{ id: '123456789012', roleName: 'ops/Fleetpane' }] }).accounts).toHaveLength(1);
    expect(issues({ organization: { roleName: 'R' }, accounts: [{ id: '123456789012', roleName: 'R' }] })).toEqual([{ path: 'accounts', message: 'give either "organization" or "accounts", not both' }]);
    expect(issues({ accounts: [{ id: '1234', roleName: 'R' }] })[0]?.path).toBe('accounts.0.id');
    expect(issues({ organization: { roleName: 'arn:aws:iam::123456789012:role/R' } })[0]?.message).toContain('not an ARN');
    expect(issues({ accounts: [{ id: '123456789012', roleName: 'R' }, { id: '123456789012', roleName: 'S' }] })[0]?.message).toContain('listed twice');
  });

  it('refuses endpoint overrides over plain http except on loopback, and URLs carrying credentials', () => {
    expect(parse({ endpoints: { ec2: 'http://127.0.0.1:4566/ec2/', sts: 'https://sts.{region}.amazonaws.com' } }).endpoints).toEqual({ ec2: 'http://127.0.0.1:4566/ec2', sts: 'https://sts.{region}.amazonaws.com' });
    expect(issues({ endpoints: { cloudwatch: 'http://monitoring.example.com' } })[0]).toMatchObject({ path: 'endpoints.cloudwatch', message: expect.stringContaining('https') });
    expect(issues({ endpoints: { ec2: 'https://user:pw@ec2.example.com' } })[0]?.path).toBe('endpoints.ec2');
    expect(issues({ endpoints: { ecc2: 'https://ec2.example.com' } })[0]).toEqual({ path: 'endpoints.ecc2', message: 'unknown field (did you mean "ec2"?)' });
    const c = parse({ endpoints: { ec2: 'https://vpce-1.ec2.{region}.vpce.amazonaws.com' } });
    expect(endpointFor(c, 'ec2', 'eu-west-1')).toBe('https://vpce-1.ec2.eu-west-1.vpce.amazonaws.com');
    expect(endpointFor(c, 'health', 'us-east-1')).toBeUndefined();
  });

  it('takes a Managed Prometheus workspace or a CloudWatch namespace as the metrics source, and the FOCUS export location', () => {
    expect(parse({ metrics: { prometheus: { url: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1', region: 'us-east-1' } } }).metrics).toMatchObject({ prometheus: { region: 'us-east-1' } });
    expect(parse({ metrics: { cloudwatch: {} } }).metrics).toEqual({ cloudwatch: { namespace: 'CWAgent', extras: [] } });
    expect(parse({ spend: { bucket: 'billing-exports', region: 'us-east-1' } }).spend).toEqual({ bucket: 'billing-exports', prefix: '', region: 'us-east-1' });
    expect(issues({ spend: { bucket: 'Billing_Exports', region: 'us-east-1' } })[0]?.path).toBe('spend.bucket');
    expect(issues({ regions: ['us-east-1', 'mars-north-1x'] })[0]?.path).toBe('regions.1');
  });

  it('is described once for the registry: id, template, identity key', () => {
    expect(awsProvider).toMatchObject({ id: 'aws', label: 'AWS', clouds: ['aws'] });
    expect(() => awsProvider.parseConfig({ ...awsProvider.template, name: 'x' } as unknown as AccountConfigBase)).toThrow(ConfigIssuesError);
    const a = awsProvider.identityKey({ profile: 'prod', organization: { roleName: 'R' } });
    expect(awsProvider.identityKey({ name: 'other', profile: 'prod', organization: { roleName: 'R' } })).toEqual(a);
    expect(awsProvider.identityKey({ profile: 'dev', organization: { roleName: 'R' } })).not.toEqual(a);
  });
});

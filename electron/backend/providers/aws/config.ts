/**
 * Config of an AWS account entry: `{ "name": "...", "provider": "aws", ... }` in the config file.
 * Every field is documented in README.md beside this file. Secrets never sit here: credentials come
 * from the AWS SDK's default chain (environment, `~/.aws` profiles, IAM Identity Center, web
 * identity, instance and container roles) or the named `profile`; member accounts are reached with
 * `sts:AssumeRole`.
 */
import { z } from 'zod';
import type { AccountConfigBase } from '../../../../shared/config';
import { AccountConfigBase as AccountBase } from '../../../../shared/config';
import { fieldIssues } from '../common/config-issues';
import { ConfigIssuesError } from '../types';
import { metricsStorageField, rangeQueryLimitFields, rawOnlyStorageField } from '../common/metrics-storage';

const AccountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id');
const RegionName = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, 'expected an AWS region code such as "us-east-1"');
/** An IAM role name (or path/name), never an ARN: the ARN is built per member account. */
const RoleName = z.string().regex(/^[\w+=,.@/-]{1,512}$/, 'expected an IAM role name such as "FleetpaneReadOnly" (not an ARN)');

/** True for a host that never leaves the machine. */
function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * An endpoint override: https anywhere (VPC interface endpoints, FIPS, sovereign partitions), plain
 * http only on loopback (emulators), since signed requests and session tokens travel in it.
 */
export const EndpointUrl = z
  .string()
  .url()
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'must be an https:// URL (http:// only on loopback: 127.0.0.1, ::1 or localhost)')
  .refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry credentials')
  .transform((u) => u.replace(/\/+$/, ''));

/** The public AWS Health Dashboard's current events (JSON, no credentials needed). */
export const PUBLIC_HEALTH_FEED = 'https://health.aws.amazon.com/public/currentevents';

/** Endpoint overrides per service; `{region}` in a URL is replaced by the region called. */
export const AwsEndpoints = z
  .object({
    ec2: EndpointUrl.optional(),
    cloudwatch: EndpointUrl.optional(),
    sts: EndpointUrl.optional(),
    organizations: EndpointUrl.optional(),
    health: EndpointUrl.optional(),
    s3: EndpointUrl.optional(),
  })
  .strict();
export type AwsEndpoints = z.infer<typeof AwsEndpoints>;
export type AwsService = keyof AwsEndpoints;

/** One member account reached through a role it trusts the base credential to assume. */
const MemberAccount = z
  .object({
    id: AccountId,
    roleName: RoleName,
    /** What the pane calls the account; its id when absent. */
    name: z.string().min(1).max(128).optional(),
    /** The role's ExternalId condition, when its trust policy has one (not a secret, a confused-deputy guard). */
    externalId: z.string().min(2).max(1224).optional(),
  })
  .strict();

const Organization = z
  .object({
    /** Role assumed in every ACTIVE member account listed by Organizations ListAccounts. */
    roleName: RoleName,
    externalId: z.string().min(2).max(1224).optional(),
    /** Member accounts to skip. */
    excludeAccountIds: z.array(AccountId).default([]),
    /** Also read the account the base credential is in (usually the management or a delegated admin account). */
    includeCallerAccount: z.boolean().default(true),
  })
  .strict();

/** A tag key (`Name` when absent) whose value is the OS host name where the image sets its own. */
const HostTag = z.string().min(1).max(128).optional();

/** Where GPU metrics come from. */
const Metrics = z.union([
  z.literal('cloudwatch'),
  z
    .object({
      cloudwatch: z
        .object({
          /** CloudWatch agent namespace. */
          namespace: z.string().min(1).max(255).default('CWAgent'),
          /**
           * Also read these agent metrics besides nvidia_smi_utilization_gpu. GetMetricData is billed per
           * metric requested, so each one multiplies the CloudWatch bill of the metrics stream (README.md).
           */
          extras: z.array(z.enum(['memory', 'power', 'temperature'])).default([]),
          /** The tag holding a machine's custom OS host name, tried after the private DNS name (README.md). */
          hostTag: HostTag,
          storage: rawOnlyStorageField('CloudWatch (billed per metric requested, no per-machine minutes on demand here)'),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      prometheus: z
        .object({
          /** Amazon Managed Service for Prometheus workspace URL, e.g. https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1234 */
          url: EndpointUrl,
          /** Region the workspace is in (SigV4 scope). */
          region: RegionName,
          /** The account owning the workspace, when it is a member account reached through its role; the base credential's otherwise. */
          accountId: AccountId.optional(),
          /** The tag holding a machine's custom OS host name, tried after the private DNS name (README.md). */
          hostTag: HostTag,
          /** "rollups": keep 5-minute rollups only; the machine page asks the workspace for raw minutes. */
          storage: metricsStorageField,
          ...rangeQueryLimitFields,
        })
        .strict(),
    })
    .strict(),
]);

/** Where the FOCUS 1.0 export of AWS Data Exports lands. */
const Spend = z
  .object({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
    prefix: z.string().max(1024).default(''),
    region: RegionName,
  })
  .strict();

const Retry = z
  .object({
    /** Attempts per call (the SDK's adaptive retry mode) before the sync gives up with "throttled". */
    maxAttempts: z.number().int().min(1).max(10).default(4),
  })
  .strict();

const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;

/** The AWS provider's own fields, on top of the fields every account shares. */
export const AwsAccountConfig = AccountBase.extend({
  provider: z.literal('aws'),
  /** A profile of ~/.aws/config; the SDK's default chain when absent. */
  profile: z.string().regex(/^[\w.@+=,-]+$/, 'expected a profile name from ~/.aws/config').optional(),
  /** Regions to read; every enabled region of the account (DescribeRegions, opted-in) when absent. */
  regions: z.array(RegionName).min(1).optional(),
  /** Region for the global calls (STS, Organizations; Health is always us-east-1 in the aws partition). */
  homeRegion: RegionName.default('us-east-1'),
  /** Member accounts of an organization, each through a role; absent with `accounts`: the caller's account only. */
  organization: Organization.optional(),
  /** Accounts given by id, each through a role. */
  accounts: z.array(MemberAccount).min(1).optional(),
  /** EC2 instance states listed (terminated and shutting-down machines hold no GPUs for the pane). */
  instanceStates: z.array(z.enum(INSTANCE_STATES)).min(1).default([...INSTANCE_STATES]),
  metrics: Metrics.default('cloudwatch'),
  spend: Spend.optional(),
  incidents: z
    .object({
      /** Read AWS Health (needs a Business, Enterprise On-Ramp or Enterprise support plan). */
      health: z.boolean().default(true),
      /** With `organization`: use the organizational view (DescribeEventsForOrganization) where Organizations says it is enabled. */
      organizationView: z.boolean().default(true),
      /** The public AWS Health Dashboard feed read when an account has no support plan (SubscriptionRequiredException). */
      publicFeedUrl: EndpointUrl.default(PUBLIC_HEALTH_FEED),
      /** Ended events kept in the feed, in days. */
      endedWithinDays: z.number().int().min(0).max(90).default(7),
    })
    .strict()
    .default({ health: true, organizationView: true, publicFeedUrl: PUBLIC_HEALTH_FEED, endedWithinDays: 7 }),
  endpoints: AwsEndpoints.default({}),
  retry: Retry.default({ maxAttempts: 4 }),
})
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.organization && cfg.accounts) {
      ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'give either "organization" or "accounts", not both' });
    }
    const ids = new Set<string>();
    cfg.accounts?.forEach((a, i) => {
      if (ids.has(a.id)) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'id'], message: `account ${a.id} is listed twice` });
      ids.add(a.id);
    });
    if (cfg.regions && new Set(cfg.regions).size !== cfg.regions.length) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: 'a region is listed twice' });
    }
  });
export type AwsAccountConfig = z.infer<typeof AwsAccountConfig>;
/**
 * The config the descriptor is typed with. The intersection with the shared base keeps the
 * descriptor's constraint while shared's ProviderId does not list 'aws' yet (the integrator adds it;
 * the intersection then is just AwsAccountConfig).
 */
export type AwsConfig = AwsAccountConfig & AccountConfigBase;

/** The CloudWatch agent source (namespace, extra metrics, host tag), or null when metrics come from Prometheus. */
export function cloudwatchSource(cfg: AwsAccountConfig): { namespace: string; extras: ('memory' | 'power' | 'temperature')[]; hostTag: string } | null {
  if (cfg.metrics === 'cloudwatch') return { namespace: 'CWAgent', extras: [], hostTag: 'Name' };
  return 'cloudwatch' in cfg.metrics ? { ...cfg.metrics.cloudwatch, hostTag: cfg.metrics.cloudwatch.hostTag ?? 'Name' } : null;
}

/** An Amazon Managed Service for Prometheus workspace as the connector reads it (the host tag resolved). */
export type PrometheusSource = Omit<Extract<AwsAccountConfig['metrics'], { prometheus: unknown }>['prometheus'], 'hostTag'> & { hostTag: string };

/** The Amazon Managed Service for Prometheus source, or null when metrics come from CloudWatch. */
export function prometheusSource(cfg: AwsAccountConfig): PrometheusSource | null {
  return typeof cfg.metrics === 'object' && 'prometheus' in cfg.metrics ? { ...cfg.metrics.prometheus, hostTag: cfg.metrics.prometheus.hostTag ?? 'Name' } : null;
}

/** Validates an account entry, throwing ConfigIssuesError that names each bad field (never its value). */
export function parseAwsConfig(raw: AccountConfigBase): AwsAccountConfig {
  const parsed = AwsAccountConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigIssuesError(raw.name, 'aws', fieldIssues(parsed.error, AwsAccountConfig));
}

/** The override URL of a service in a region, or undefined for the SDK's own endpoint. */
export function endpointFor(cfg: AwsAccountConfig, service: AwsService, region: string): string | undefined {
  const url = cfg.endpoints[service];
  return url ? url.replaceAll('{region}', region) : undefined;
}

/**
 * Credentials in a URL (`https://user:pass@host`) are refused in every endpoint field of every
 * provider, naming the field and never the value, and redacted wherever an error is recorded or logged.
 */
import { describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../shared/config';
import { redactErrorText } from '../../../shared/redact';
import { toSyncError } from '../sync/engine';
import { jsonLineLogger } from '../sync/logger';
import { safeLogger } from '../sync/safe-error';
import { parseAccountConfig } from './registry';
import { ConnectorError } from './types';

const SECRET = 'p4ss-planted-9f2c';
const WITH_CREDS = `https://admin:${SECRET}@api.example.com`;

const entries: [string, Record<string, unknown>][] = [
  ['armEndpoint', { provider: 'azure', cloud: 'custom', armEndpoint: WITH_CREDS }],
  ['statusFeedUrl', { provider: 'azure', statusFeedUrl: WITH_CREDS }],
  ['authorityHost', { provider: 'azure', cloud: 'custom', armEndpoint: 'https://arm.example.com', authorityHost: WITH_CREDS }],
  ['prometheus.queryEndpoint', { provider: 'azure', prometheus: { queryEndpoint: WITH_CREDS } }],
  ['endpoints.status', { provider: 'gcp', projectIds: ['proj-123456'], endpoints: { status: WITH_CREDS } }],
  ['endpoints.iaas', { provider: 'oci', endpoints: { iaas: WITH_CREDS } }],
  ['endpoint', { provider: 'kubernetes', endpoint: WITH_CREDS }],
  ['prometheus.url', { provider: 'kubernetes', prometheus: { url: WITH_CREDS } }],
  ['statusFeed.rssUrl', { provider: 'coreweave', statusFeed: { rssUrl: WITH_CREDS } }],
];

describe('credentials in a URL', () => {
  for (const [field, fields] of entries) {
    it(`are refused in ${fields.provider as string} ${field}, naming the field and not the password`, () => {
      const entry = { name: 'lab', enabled: true, ...fields } as unknown as AccountConfigBase;
      let message = '';
      try {
        parseAccountConfig(entry);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(`${field}: a URL may not carry a user name or password`);
      expect(message).not.toContain(SECRET);
    });
  }

  it('are redacted from recorded sync errors and log lines', () => {
    const recorded = toSyncError(new ConnectorError('unavailable', `GET ${WITH_CREDS}/v1/nodes failed: connect ECONNREFUSED`));
    expect(recorded.message).toBe('GET https://[redacted]@api.example.com/v1/nodes failed: connect ECONNREFUSED');
    expect(toSyncError(new Error(`fetch ${WITH_CREDS} failed`)).message).not.toContain(SECRET);
    const lines: string[] = [];
    safeLogger(jsonLineLogger((line) => lines.push(line))).warn(`retrying ${WITH_CREDS}`, { url: WITH_CREDS });
    expect(lines.join('')).not.toContain(SECRET);
    expect(redactErrorText(`postgres://u:${SECRET}@db:5432 and ftp://anon@host`)).toBe('postgres://[redacted]@db:5432 and ftp://[redacted]@host');
  });
});

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverAws } from './discover';

const home = mkdtempSync(join(tmpdir(), 'fleetpane-aws-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const now = new Date('2026-11-20T12:00:00Z');
const ctx = (env: Record<string, string> = {}) => ({ home, env, platform: 'linux' as const, signal: new AbortController().signal, now });

describe('aws discovery', () => {
  it('offers the profiles of ~/.aws/config and credentials, marks SSO ones and says when to log in, without writing', async () => {
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    const config = [
      '[default]', 'region = eu-west-1', '',
      '[profile prod]', 'sso_session = corp', 'sso_account_id = 111111111111', 'sso_role_name = ReadOnly', 'region = us-east-1', '',
      '[profile stale]', 'sso_start_url = https://old.awsapps.com/start', 'sso_account_id = 222222222222', 'sso_role_name = ReadOnly', '',
      '[profile ops]', 'role_arn = arn:aws:iam::333333333333:role/Fleetpane', 'source_profile = default', '',
      '[profile broken]', 'sso_session = missing', '',
      '[sso-session corp]', 'sso_start_url = https://corp.awsapps.com/start', 'sso_region = us-east-1', '',
    ].join('\n');
    writeFileSync(join(home, '.aws', 'config'), config);
    writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret-never-shown\n');
    const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
    writeFileSync(join(home, '.aws', 'sso', 'cache', `${sha1('corp')}.json`), JSON.stringify({ accessToken: 'x', expiresAt: '2026-11-20T20:00:00Z' }));
    writeFileSync(join(home, '.aws', 'sso', 'cache', `${sha1('https://old.awsapps.com/start')}.json`), JSON.stringify({ accessToken: 'x', expiresAt: '2026-11-19T20:00:00Z' }));
    const d = await discoverAws(ctx());
    expect(JSON.stringify(d)).not.toContain('secret-never-shown');
    expect(JSON.stringify(d)).not.toContain('AKIAEXAMPLE');
    const byName = new Map(d.found.map((f) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual(['aws-default', 'aws-ops', 'aws-prod', 'aws-stale']);
    expect(byName.get('aws-prod')).toMatchObject({ label: 'profile prod (account 111111111111), IAM Identity Center role ReadOnly', config: { name: 'aws-prod', provider: 'aws', profile: 'prod', homeRegion: 'us-east-1' } });
    expect(byName.get('aws-prod')?.notes.some((n) => n.includes('aws sso login'))).toBe(false);
    expect(byName.get('aws-stale')?.notes[0]).toContain('has expired: run `aws sso login --profile stale`');
    expect(byName.get('aws-ops')?.label).toContain('account 333333333333');
    expect(byName.get('aws-default')?.notes[0]).toContain('long-lived access keys');
    expect(d.problems).toEqual([expect.objectContaining({ reason: expect.stringContaining('sso_session "missing"') })]);
  });

  it('says what to run when the machine has no AWS config', async () => {
    const d = await discoverAws(ctx({ AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none2') }));
    expect(d.found).toEqual([]);
    expect(d.problems[0]?.action).toContain('aws configure sso');
  });
});

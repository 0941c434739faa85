import { describe, expect, it } from 'vitest';
import { decodeFeed, parseFeed, placeOf, publicFeedIncidents } from './health-feed';

const utf16be = (text: string): Uint8Array => {
  const le = Buffer.from(text, 'utf16le');
  const out = new Uint8Array(le.length + 2);
  out[0] = 0xfe;
  out[1] = 0xff;
  for (let i = 0; i + 1 < le.length; i += 2) {
    out[i + 2] = le[i + 1] as number;
    out[i + 3] = le[i] as number;
  }
  return out;
};

describe('public AWS Health Dashboard feed', () => {
  it('decodes UTF-16 of either byte order and UTF-8', () => {
    const text = '[{"service":"ec2-us-east-1","date":"1700000000"}]';
    expect(decodeFeed(utf16be(text))).toBe(text);
    expect(decodeFeed(new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]))).toBe(text);
    expect(decodeFeed(new Uint8Array(Buffer.from(text, 'utf8')))).toBe(text);
  });

  it('keeps the entries that parse, skips malformed ones, and rejects a body that is not an array', () => {
    expect(parseFeed('[{"service":"ec2-us-east-1","date":"1700000000"},{"service":7},"x"]')).toHaveLength(1);
    expect(parseFeed('')).toEqual([]);
    expect(() => parseFeed('{"not":"a list"}')).toThrow();
  });

  it('places a service key in its service and region, and filters to the fleet', () => {
    expect(placeOf('ec2-us-east-1')).toEqual({ service: 'ec2', region: 'us-east-1' });
    expect(placeOf('elasticloadbalancing-ap-southeast-2')).toEqual({ service: 'elasticloadbalancing', region: 'ap-southeast-2' });
    expect(placeOf('ec2-us-gov-west-1')).toEqual({ service: 'ec2', region: 'us-gov-west-1' });
    expect(placeOf('route53')).toEqual({ service: 'route53', region: null });
    const now = new Date('2026-12-02T12:00:00Z');
    const t = now.getTime() / 1000;
    const got = publicFeedIncidents(
      [
        { service: 'ec2-us-east-1', date: t - 600, summary: '[Investigating] launches' },
        { service: 'ec2-eu-west-1', date: t - 30 * 86_400, summary: '[RESOLVED] old', event_log: [{ summary: '[RESOLVED] old', timestamp: t - 29 * 86_400 }] },
        { service: 's3-us-east-1', date: t - 600, summary: 'not a fleet service' },
        { service: 'ec2-sa-east-1', date: t - 600, summary: 'not a fleet region' },
      ],
      { account: 'aws-prod', regions: new Set(['us-east-1', 'eu-west-1']), services: new Set(['ec2']), now, endedWithinDays: 7 },
    );
    expect(got.map((i) => i.regions)).toEqual([['us-east-1']]);
    expect(got[0]).toMatchObject({ status: 'open', title: 'ec2: launches', endedAt: null });
  });
});

import { describe, expect, it } from 'vitest';
import { parseMatchers } from './prom-matchers';

describe('label matchers of the Prometheus stand-ins', () => {
  const keeps = (body: string, labels: Record<string, string>): boolean => (parseMatchers(body) ?? []).every((m) => m(labels));

  it('reads the four operators, anchored, a missing label as empty', () => {
    expect(keeps('UUID=~".*[aA]"', { UUID: 'GPU-1a' })).toBe(true);
    expect(keeps('UUID=~"[aA]"', { UUID: 'GPU-1a' })).toBe(false);
    expect(keeps('Hostname="n1", gpu!="0"', { Hostname: 'n1', gpu: '1' })).toBe(true);
    expect(keeps('UUID=~"|.*[0]"', {})).toBe(true);
    expect(keeps('gpu!~"[0-3]"', { gpu: '2' })).toBe(false);
  });

  it("takes RE2's (?i) as case-insensitive, as a machine page's host matcher sends it", () => {
    expect(keeps('Hostname=~"(?i)ip-10-0-0-1(\\\\..*)?"', { Hostname: 'IP-10-0-0-1.ec2.internal' })).toBe(true);
    expect(keeps('Hostname=~"(?i)ip-10-0-0-1"', { Hostname: 'ip-10-0-0-2' })).toBe(false);
  });

  it('refuses what it cannot read, a bad expression included, instead of throwing', () => {
    expect(parseMatchers('Hostname=n1')).toBeNull();
    expect(parseMatchers('UUID=~"(unclosed"')).toBeNull();
  });
});

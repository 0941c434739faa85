/**
 * PromQL label matchers for the Prometheus-compatible stand-ins (the bench's API, the Azure Monitor
 * workspace emulator): a query's selector narrows their series as a real server's does.
 */

/** One matcher: true for a series whose labels it keeps. */
export type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * `name="v"`, `name=~"re"`, `name!="v"` and `name!~"re"` matchers of a selector body (between the
 * braces), as Prometheus reads them (regular expressions anchored at both ends, a leading `(?i)`
 * case-insensitive; a missing label is the empty string); null for a body that is not such a list.
 */
export function parseMatchers(body: string): LabelMatcher[] | null {
  const out: LabelMatcher[] = [];
  const matcher = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
  let at = 0;
  while (at < body.length) {
    matcher.lastIndex = at;
    const m = matcher.exec(body);
    if (!m) return null;
    const [, name = '', op, raw = ''] = m;
    const value = JSON.parse(`"${raw}"`) as string;
    // RE2's case-insensitive flag, which connectors send for host names (`(?i)...`); JS takes it as a flag.
    const caseless = value.startsWith('(?i)');
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${caseless ? value.slice(4) : value})$`, caseless ? 'i' : '');
    } catch {
      return null;
    }
    const of = (labels: Readonly<Record<string, string>>): string => labels[name] ?? '';
    out.push(
      op === '=' ? (l) => of(l) === value : op === '!=' ? (l) => of(l) !== value : op === '=~' ? (l) => re.test(of(l)) : (l) => !re.test(of(l)),
    );
    at = matcher.lastIndex;
  }
  return out;
}

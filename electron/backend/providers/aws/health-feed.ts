/**
 * The public AWS Health Dashboard feed (`health.aws.amazon.com/public/currentevents`): the fallback for
 * an account without the support plan the AWS Health API needs. AWS publishes it for the dashboard and
 * documents no contract for it, so every field is optional here and an entry we cannot place (no
 * service key, no date) is dropped rather than guessed. Observed shape: a JSON array, served as UTF-16
 * with a byte-order mark, of `{ arn?, date, region_name?, status?, service: "ec2-us-east-1",
 * service_name, summary, event_log: [{ summary, message, status, timestamp }] }`, dates in epoch seconds.
 */
import { z } from 'zod';
import type { Incident } from '../../../../shared/domain';

const Seconds = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]);

const FeedEntry = z
  .object({
    arn: z.string().optional(),
    date: Seconds.optional(),
    service: z.string().optional(),
    service_name: z.string().optional(),
    summary: z.string().optional(),
    status: z.union([z.string(), z.number()]).optional(),
    event_log: z
      .array(z.object({ summary: z.string().optional(), message: z.string().optional(), status: z.union([z.string(), z.number()]).optional(), timestamp: Seconds.optional() }).passthrough())
      .optional(),
  })
  .passthrough();
const Feed = z.array(z.unknown());
export type PublicFeedEntry = z.infer<typeof FeedEntry>;

/** Decodes the feed's bytes: UTF-16 (either byte order, by its BOM) or UTF-8. */
export function decodeFeed(bytes: Uint8Array): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // TextDecoder has no utf-16be in every runtime: swap to little-endian.
    const swapped = new Uint8Array(bytes.length - 2);
    for (let i = 2; i + 1 < bytes.length; i += 2) {
      swapped[i - 2] = bytes[i + 1] as number;
      swapped[i - 1] = bytes[i] as number;
    }
    return new TextDecoder('utf-16le').decode(swapped);
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes);
}

/** The feed's entries that parse; a malformed entry is skipped, a body that is not a JSON array throws. */
export function parseFeed(text: string): PublicFeedEntry[] {
  const trimmed = text.trim();
  const list = Feed.parse(trimmed === '' ? [] : JSON.parse(trimmed));
  return list.flatMap((raw) => {
    const e = FeedEntry.safeParse(raw);
    return e.success ? [e.data] : [];
  });
}

/** "ec2-us-east-1" -> { service: "ec2", region: "us-east-1" }; a service key without a region is global. */
export function placeOf(key: string): { service: string; region: string | null } {
  const m = /^(.+?)-((?:us|eu|ap|sa|ca|me|af|il|mx)(?:-gov)?-[a-z]+-\d)$/.exec(key);
  return m ? { service: m[1] as string, region: m[2] as string } : { service: key, region: null };
}

/** Public feed entries of the fleet's regions (or global) and services, as service-health incidents. */
export function publicFeedIncidents(
  entries: readonly PublicFeedEntry[],
  ctx: { account: string; regions: ReadonlySet<string>; services: ReadonlySet<string>; now: Date; endedWithinDays: number },
): Incident[] {
  const horizon = ctx.now.getTime() - ctx.endedWithinDays * 86_400_000;
  const out: Incident[] = [];
  for (const e of entries) {
    if (!e.service || e.date === undefined) continue;
    const { service, region } = placeOf(e.service);
    if (!ctx.services.has(service.toLowerCase())) continue;
    if (region !== null && !ctx.regions.has(region)) continue;
    const log = (e.event_log ?? []).filter((l) => l.timestamp !== undefined).sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
    const last = log[log.length - 1];
    const summary = last?.summary ?? e.summary ?? '';
    const resolved = /^\s*\[resolved\]/i.test(summary) || /^\s*\[resolved\]/i.test(e.summary ?? '');
    const started = e.date * 1000;
    const updated = (last?.timestamp ?? e.date) * 1000;
    if (resolved && updated < horizon) continue;
    const title = (e.summary ?? summary).replace(/^\s*\[[a-z ]+\]\s*/i, '') || `${service} event`;
    out.push({
      id: `aws-health-public:${e.arn ?? `${e.service}:${e.date}`}`,
      account: ctx.account,
      cloud: 'aws',
      source: 'service-health',
      severity: resolved ? 'info' : 'major',
      title: `${e.service_name ?? service}: ${title}`,
      summary: last?.message ?? summary,
      status: resolved ? 'closed' : 'open',
      regions: region === null ? [] : [region],
      services: [service.toUpperCase()],
      resourceIds: [],
      startedAt: new Date(started).toISOString(),
      endedAt: resolved ? new Date(updated).toISOString() : null,
      updatedAt: new Date(updated).toISOString(),
      url: 'https://health.aws.amazon.com/health/status',
      updates: [],
      demo: false,
    });
  }
  return out;
}

/** How old each stream's data is; stale data says so in words and style, never passes as current. */
import type { ReactNode } from 'react';
import type { StreamId } from '../../../shared/domain';
import type { CloudFreshness } from '../../../shared/overview';
import { formatAge, formatUtcDateTime } from '../lib/time';

const STREAM_LABELS: Readonly<Record<StreamId, string>> = {
  inventory: 'Inventory',
  metrics: 'Metrics',
  costs: 'Costs',
  incidents: 'Incidents',
};

/** Freshness per stream relative to `nowIso` (the overview's generatedAt); testids `freshness-<stream>`. */
export function FreshnessList({ freshness, nowIso }: { freshness: CloudFreshness; nowIso: string }): ReactNode {
  const streams = Object.keys(STREAM_LABELS) as StreamId[];
  return (
    <ul className="freshness">
      {streams.map((stream) => {
        const mark = freshness[stream];
        return (
          <li
            key={stream}
            className={mark.stale ? 'freshness__item freshness__item--stale' : 'freshness__item'}
            data-testid={`freshness-${stream}`}
            data-stale={mark.stale ? 'true' : 'false'}
          >
            <span className="freshness__stream">{STREAM_LABELS[stream]}</span>{' '}
            {mark.lastSuccessAt !== null ? (
              <time dateTime={mark.lastSuccessAt} title={formatUtcDateTime(mark.lastSuccessAt)}>
                {formatAge(mark.lastSuccessAt, nowIso)}
              </time>
            ) : (
              <span>never synced</span>
            )}
            {mark.stale ? (
              <span className="freshness__stale">
                <span aria-hidden="true"> ⚠</span> stale
              </span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** One line of health for a configured account, from its streams' freshness and last errors. */
import type { ConfiguredAccount } from '../../../../shared/contract-accounts';
import { ACCOUNT_STREAMS } from '../../../../shared/contract-accounts';

export const STREAM_LABELS: Record<(typeof ACCOUNT_STREAMS)[number], string> = { inventory: 'Inventory', metrics: 'Metrics', costs: 'Costs', incidents: 'Incidents' };

export type AccountHealth = { level: 'fresh' | 'stale' | 'error' | 'off'; text: string };

/** Errors first, then stale streams, else fresh. */
export function accountHealth(account: ConfiguredAccount): AccountHealth {
  if (!account.enabled) return { level: 'off', text: 'Sync is switched off' };
  const streams = ACCOUNT_STREAMS.map((stream) => ({ stream, s: account.streams[stream] }));
  const failing = streams.filter(({ s }) => s.lastError !== null);
  if (failing.length > 0) return { level: 'error', text: `Last sync failed: ${failing.map(({ stream, s }) => `${STREAM_LABELS[stream]} (${s.lastError?.kind ?? ''})`).join(', ')}` };
  const behind = streams.filter(({ s }) => s.stale || s.lastSuccessAt === null);
  if (behind.length > 0) return { level: 'stale', text: `Stale: ${behind.map(({ stream }) => STREAM_LABELS[stream]).join(', ')} behind schedule` };
  return { level: 'fresh', text: 'Fresh: every stream synced on schedule' };
}

export const HEALTH_GLYPH: Record<AccountHealth['level'], string> = { fresh: '●', stale: '⚠', error: '✖', off: '○' };

/**
 * Freshness and account summaries from sync runs: per account and stream, when the last successful
 * run finished, whether that is older than twice the stream's interval (or never happened), and the
 * error of the last failed run after it.
 */
import { SyncIntervals } from '../../../../shared/config';
import {
  type AccountFreshness,
  type AccountSummary,
  type CloudId,
  type ProviderId,
  STREAMS,
  type StreamFreshness,
  type StreamId,
  type SyncError,
} from '../../../../shared/domain';
import type { CloudFreshness } from '../../../../shared/overview';
import { cloudOfProvider } from '../../domain/cost-row-cloud';
import type { ConnectionPool, Row } from '../db';

interface RegisteredAccount {
  name: string;
  provider: ProviderId;
  enabled: boolean;
  intervals: SyncIntervals;
}

/** Everything the overview and the accounts screen need to know about accounts. */
export interface AccountState {
  accounts: RegisteredAccount[];
  /** Clouds each account's inventory lies in. */
  inventoryClouds: Map<string, CloudId[]>;
  demoAccounts: Set<string>;
  freshness: Map<string, AccountFreshness>;
}

/** Loads accounts, their clouds and their freshness at asOf. */
export async function loadAccountState(pool: ConnectionPool, asOfMs: number): Promise<AccountState> {
  const [accountRows, cloudRows, runRows] = await Promise.all([
    pool.rows<{ name: string; provider: ProviderId; enabled: boolean; intervals: string } & Row>(
      'SELECT name, provider, enabled, intervals::VARCHAR AS intervals FROM account ORDER BY name',
    ),
    pool.rows<{ account: string; cloud: CloudId; demo: boolean } & Row>(
      'SELECT account, cloud, bool_or(demo) AS demo FROM resource GROUP BY account, cloud ORDER BY account, cloud',
    ),
    // One grouping: the last failed run counts only when it finished after the last successful one.
    pool.rows<{ account: string; stream: StreamId; last_ok: number | null; last_error_at: number | null; error: string | null } & Row>(
      `SELECT account, stream,
              epoch_ms(max(finished_at) FILTER (WHERE status = 'ok'))::DOUBLE AS last_ok,
              epoch_ms(max(finished_at) FILTER (WHERE status = 'error'))::DOUBLE AS last_error_at,
              arg_max(error::VARCHAR, finished_at) FILTER (WHERE status = 'error') AS error
       FROM sync_run GROUP BY account, stream`,
    ),
  ]);
  const accounts = accountRows.map((a) => ({
    name: a.name,
    provider: a.provider,
    enabled: a.enabled,
    intervals: SyncIntervals.parse(JSON.parse(a.intervals)),
  }));
  const inventoryClouds = new Map<string, CloudId[]>();
  const demoAccounts = new Set<string>();
  for (const c of cloudRows) {
    inventoryClouds.set(c.account, [...(inventoryClouds.get(c.account) ?? []), c.cloud]);
    if (c.demo) demoAccounts.add(c.account);
  }
  const runs = new Map(runRows.map((r) => [`${r.account}\u0000${r.stream}`, r]));
  const freshness = new Map<string, AccountFreshness>();
  for (const a of accounts) {
    const stream = (s: StreamId): StreamFreshness => {
      const r = runs.get(`${a.name}\u0000${s}`);
      const intervalMs = a.intervals[s] * 1000;
      const last = r?.last_ok ?? null;
      return {
        lastSuccessAt: last === null ? null : new Date(last).toISOString(),
        intervalMs,
        stale: last === null || asOfMs - last > 2 * intervalMs,
        lastError: r?.error && r.last_error_at !== null && (last === null || r.last_error_at > last) ? (JSON.parse(r.error) as SyncError) : null,
      };
    };
    freshness.set(a.name, {
      account: a.name,
      provider: a.provider,
      streams: {
        inventory: stream('inventory'),
        metrics: stream('metrics'),
        costs: stream('costs'),
        incidents: stream('incidents'),
      },
    });
  }
  return { accounts, inventoryClouds, demoAccounts, freshness };
}

/** The clouds an account belongs to: its inventory's, else the one its connector implies. */
export function cloudsOfAccount(state: AccountState, account: RegisteredAccount): CloudId[] {
  const inv = state.inventoryClouds.get(account.name);
  if (inv && inv.length > 0) return inv;
  const c = cloudOfProvider(account.provider);
  return c ? [c] : [];
}

/** Account summaries for the accounts screen. */
export function accountSummaries(state: AccountState): AccountSummary[] {
  return state.accounts.map((a) => ({
    name: a.name,
    provider: a.provider,
    enabled: a.enabled,
    demo: a.provider === 'demo' || state.demoAccounts.has(a.name),
    clouds: cloudsOfAccount(state, a),
    freshness: state.freshness.get(a.name)!,
  }));
}

/** A cloud's freshness: per stream the oldest success among its accounts; stale if any is stale. */
export function cloudFreshness(state: AccountState, accounts: readonly string[]): CloudFreshness {
  const mark = (s: StreamId): CloudFreshness[StreamId] => {
    const list = accounts.map((a) => state.freshness.get(a)?.streams[s]);
    if (list.length === 0 || list.some((f) => !f || f.lastSuccessAt === null)) {
      return { lastSuccessAt: null, stale: true };
    }
    const oldest = list.map((f) => f!.lastSuccessAt!).sort()[0] ?? null;
    return { lastSuccessAt: oldest, stale: list.some((f) => f!.stale) };
  };
  return Object.fromEntries(STREAMS.map((s) => [s, mark(s)])) as CloudFreshness;
}

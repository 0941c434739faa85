/** The one-pane overview (ARCHITECTURE.md "Overview"), assembled from independent queries run at once. */
import type { FleetFilter } from '../../../shared/contract';
import { CLOUD_LABELS, type CloudId, CloudId as CloudIds, type GpuState } from '../../../shared/domain';
import type { CloudOverview, GpuCounts, IncidentBrief, ModelCounts, Overview } from '../../../shared/overview';
import { cloudOfCostRow } from './cloud-map';
import type { ConnectionPool } from './db';
import { cloudFreshness, cloudsOfAccount, loadAccountState } from './freshness-query';
import { gpuStateSql } from './gpu-state-query';
import { classifyOpenIncidents, plannedMaintenance } from '../analytics/triage';
import { loadFleet, loadIncidents } from './incident-query';
import { filterSql, passesFilter } from './resource-rows';
import { spendByCloud, sumSpend } from './spend-query';
import { cloudP95Sql, cloudWindowAveragesSql } from './utilisation-query';

const HOUR_MS = 3_600_000;

/** Floors an instant to the minute (the overview describes whole minutes). */
export const floorToMinute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

const emptyCounts = (): GpuCounts => ({ total: 0, busy: 0, idle: 0, unhealthy: 0, unknown: 0, stopped: 0 });

/** Builds the overview at asOf (floored to the minute) for the filtered fleet. */
export async function queryOverview(pool: ConnectionPool, asOf: Date, now: Date, filter: FleetFilter): Promise<Overview> {
  const asOfMs = floorToMinute(asOf.getTime());
  const state = await loadAccountState(pool, asOfMs);
  const providers = new Map(state.accounts.map((a) => [a.name, a.provider]));

  const [stateRows, averages, p95, spend, fleet, incidents, costAccounts] = await Promise.all([
    pool.rows<{ cloud: CloudId; gpu_model: string; state: GpuState; n: number }>(
      `SELECT cloud, gpu_model, state, count(*)::INTEGER AS n
       FROM (${gpuStateSql(asOfMs, filterSql(filter))}) GROUP BY cloud, gpu_model, state`,
    ),
    // 1 h and 24 h in one query: the parts both windows read (the last hour's buckets, the raw edge at asOf) once.
    pool.rows<{ cloud: CloudId; avg0: number | null; avg1: number | null }>(
      cloudWindowAveragesSql(asOfMs, [HOUR_MS, 24 * HOUR_MS], filter),
    ),
    pool.rows<{ cloud: CloudId; p95: number }>(cloudP95Sql(asOfMs - 24 * HOUR_MS, asOfMs, filter)),
    spendByCloud(pool, asOfMs, filter, state.inventoryClouds, providers),
    loadFleet(pool),
    loadIncidents(pool, 'ended_at IS NULL OR ended_at > epoch_ms($asOf::BIGINT)', {
      asOf: String(asOfMs),
    }),
    pool.rows<{ account: string; provider_name: string }>(
      'SELECT DISTINCT account, ProviderName AS provider_name FROM cost_row',
    ),
  ]);

  const wanted = (c: CloudId): boolean => filter.clouds.length === 0 || filter.clouds.includes(c);
  const filteredFleet = fleet.filter((m) => passesFilter(filter, m));

  // Which accounts belong to each cloud: by inventory, by connector, and by where their charges go.
  const accountsOf = new Map<CloudId, Set<string>>();
  const addAccount = (cloud: CloudId, account: string): void => {
    if (!accountsOf.has(cloud)) accountsOf.set(cloud, new Set());
    accountsOf.get(cloud)!.add(account);
  };
  for (const a of state.accounts) for (const c of cloudsOfAccount(state, a)) addAccount(c, a.name);
  for (const m of fleet) addAccount(m.cloud, m.account);
  for (const r of costAccounts) {
    addAccount(cloudOfCostRow(state.inventoryClouds.get(r.account), r.provider_name, providers.get(r.account)), r.account);
  }

  const clouds = CloudIds.options.filter((c) => wanted(c) && (accountsOf.has(c) || spend.has(c)));
  // Reports of one outage are merged first (analytics/triage.ts), so these counts match the triage view.
  const classes = classifyOpenIncidents(incidents.filter((i) => wanted(i.cloud)), filteredFleet, asOfMs);
  const elsewhere: IncidentBrief[] = classes.elsewhere.map((c) => c.brief);
  const activeByCloud = new Map<CloudId, IncidentBrief[]>();
  for (const { brief } of classes.active) activeByCloud.set(brief.cloud, [...(activeByCloud.get(brief.cloud) ?? []), brief]);
  // Announced maintenance still ahead of asOf: listed as planned, never counted as active.
  const planned = plannedMaintenance(incidents.filter((i) => wanted(i.cloud)), filteredFleet, asOfMs);
  const plannedByCloud = new Map<CloudId, IncidentBrief[]>();
  for (const p of planned) if (p.touchesFleet) plannedByCloud.set(p.brief.cloud, [...(plannedByCloud.get(p.brief.cloud) ?? []), p.brief]);

  const cloudOverviews: CloudOverview[] = clouds.map((cloud) => {
    const gpus = emptyCounts();
    const models = new Map<string, ModelCounts>();
    for (const r of stateRows) {
      if (r.cloud !== cloud) continue;
      gpus[r.state] += r.n;
      gpus.total += r.n;
      const m = models.get(r.gpu_model) ?? { model: r.gpu_model, total: 0, busy: 0, idle: 0 };
      m.total += r.n;
      if (r.state === 'busy') m.busy += r.n;
      if (r.state === 'idle') m.idle += r.n;
      models.set(r.gpu_model, m);
    }
    const accounts = [...(accountsOf.get(cloud) ?? [])].sort();
    const active = activeByCloud.get(cloud) ?? [];
    const machines = filteredFleet.filter((m) => m.cloud === cloud);
    return {
      provider: cloud,
      label: CLOUD_LABELS[cloud],
      demo: machines.length > 0 ? machines.every((m) => m.demo) : accounts.some((a) => state.demoAccounts.has(a)),
      accounts,
      gpus,
      byModel: [...models.values()].sort((a, b) => b.total - a.total || a.model.localeCompare(b.model)),
      utilisation: {
        avg1h: averages.find((r) => r.cloud === cloud)?.avg0 ?? null,
        avg24h: averages.find((r) => r.cloud === cloud)?.avg1 ?? null,
        p95_24h: p95.find((r) => r.cloud === cloud)?.p95 ?? null,
      },
      spend: spend.get(cloud) ?? [],
      incidents: { active: active.length, list: active, planned: plannedByCloud.get(cloud) ?? [] },
      freshness: cloudFreshness(state, accounts),
    };
  });

  const totals = emptyCounts();
  for (const c of cloudOverviews) {
    for (const k of Object.keys(totals) as (keyof GpuCounts)[]) totals[k] += c.gpus[k];
  }
  return {
    generatedAt: now.toISOString(),
    asOf: new Date(asOfMs).toISOString(),
    demo: cloudOverviews.some((c) => c.demo),
    clouds: cloudOverviews,
    totals: {
      gpus: totals,
      spend: sumSpend(cloudOverviews.map((c) => c.spend)),
      incidents: { active: cloudOverviews.reduce((n, c) => n + c.incidents.active, 0) },
    },
    incidentsElsewhere: elsewhere,
    maintenancePlanned: planned.map((p) => p.brief),
  };
}

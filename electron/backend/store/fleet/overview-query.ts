/** The one-pane overview (ARCHITECTURE.md "Overview"), assembled from independent queries run at once. */
import type { FleetFilter } from '../../../../shared/contract';
import { type CloudId, CloudId as CloudIds, type ProviderId } from '../../../../shared/domain';
import {
  cloudKey,
  cloudKeyLabel,
  cloudOfKey,
  type CloudOverview,
  type CoverageCounts,
  emptyCoverage,
  type GpuCounts,
  type IncidentBrief,
  type ModelCounts,
  type Overview,
  sumSpend,
} from '../../../../shared/overview';
import { cloudOfCostRow } from '../../domain/cost-row-cloud';
import { type ConnectionPool, sqlString } from '../db';
import { type AccountState, cloudFreshness, cloudsOfAccount, loadAccountState } from './freshness-query';
import { gpuStateCountsSql, hasGapSql } from './gpu-state-query';
import { classifyOpenIncidents, plannedMaintenance } from '../../domain/incident-classes';
import { loadFleetFolded, loadIncidents, OPEN_AT_SQL } from '../incident-query';
import { type EntryAverages, keptOverviewFacts, OVERVIEW_WINDOWS_MS, type StateCount } from './kept-overview';
import { filterSql, passesFilter } from './resource-rows';
import { loadStoreShape } from './store-shape';
import type { OverviewParts } from './types';
import { type CostDayRow, loadCostDays, spendByCloud } from '../spend/spend-query';
import { cloudP95Sql, cloudWindowAveragesSql } from './utilisation-query';

const HOUR_MS = 3_600_000;

/** Floors an instant to the minute (the overview describes whole minutes). */
export const floorToMinute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

const emptyCounts = (): GpuCounts => ({ total: 0, busy: 0, idle: 0, unhealthy: 0, unknown: 0, stopped: 0 });

/** Sites of the accounts whose machines lie outside every known cloud (one per account: its config's). */
async function loadSites(pool: ConnectionPool): Promise<Map<string, string>> {
  const list = await pool.rows<{ account: string; site: string }>(
    `SELECT account, min(site) AS site FROM resource WHERE cloud = 'other' AND site IS NOT NULL GROUP BY account`,
  );
  return new Map(list.map((r) => [r.account, r.site]));
}

/** SQL for cloudKey over columns cloud and account (the site map is small: one entry per on-prem account). */
function entryKeySql(sites: ReadonlyMap<string, string>): string {
  const named = [...sites].map(([account, site]) => `WHEN account = ${sqlString(account)} THEN ${sqlString(site)}`).join(' ');
  const label = named === '' ? 'account' : `CASE ${named} ELSE account END`;
  return `CASE WHEN cloud <> 'other' THEN cloud ELSE 'other:' || ${label} END`;
}

/** Computes every part afresh (no cache in front of the store). */
const everyPartAfresh: OverviewParts = { part: (_name, _reads, compute) => compute() };

/** Builds the overview at asOf (floored to the minute) for the filtered fleet; `parts` may hand back parts computed before. */
export async function queryOverview(
  pool: ConnectionPool,
  asOf: Date,
  now: Date,
  filter: FleetFilter,
  parts: OverviewParts = everyPartAfresh,
): Promise<Overview> {
  const asOfMs = floorToMinute(asOf.getTime());
  const { part } = parts;
  // Each query starts once what it needs is known, so the small ones run beside the large ones
  // rather than before them; the largest (window means, GPU states) are asked first. Each part names
  // what it reads, so a write of one kind (costs, incidents) recomputes only the parts that read it.
  const shapeP = part('shape', ['samples', 'inventory'], () => loadStoreShape(pool));
  const sitesP = part('sites', ['inventory'], () => loadSites(pool));
  // The facts kept for this minute, when there are (kept-overview.ts): asked once, only if a part needs them.
  let keptP: ReturnType<typeof keptOverviewFacts> | null = null;
  const kept = (): ReturnType<typeof keptOverviewFacts> => (keptP ??= sitesP.then((s) => keptOverviewFacts(pool, asOfMs, filter, entryKeySql(s))));
  const averagesP = part('averages', ['samples', 'inventory'], () =>
    kept().then(
      (facts) =>
        facts?.averages ??
        Promise.all([shapeP, sitesP]).then(([{ minuteDetail, counted, retiredGpus }, sites]) =>
          // 1 h and 24 h in one query: one grouping, one join to the GPUs' names.
          pool.rows<EntryAverages>(
            cloudWindowAveragesSql(asOfMs, OVERVIEW_WINDOWS_MS, filter, entryKeySql(sites), { minuteDetail, counted: counted(), retiredGpus }),
          ),
        ),
    ),
  );
  const stateRowsP = part('states', ['samples', 'inventory'], () =>
    kept().then(
      (facts) =>
        facts?.states ??
        shapeP.then(({ minuteDetail, counted }) =>
          pool.rows<StateCount>(gpuStateCountsSql(asOfMs, `${filterSql(filter)} AND ${counted()}`, { minuteDetail })),
        ),
    ),
  );
  // The day sums, read once if spend or the cost accounts are computed (spend-query.ts).
  let costDaysP: Promise<CostDayRow[]> | null = null;
  const costDays = (): Promise<CostDayRow[]> => (costDaysP ??= loadCostDays(pool, asOfMs));
  // Freshness is read every time: every sync write records its run.
  const stateP = loadAccountState(pool, asOfMs);
  const incidentsP = part('incidents', ['incidents'], () =>
    loadIncidents(pool, OPEN_AT_SQL, { asOf: String(asOfMs) }),
  );
  const providersOf = (state: AccountState): Map<string, ProviderId> => new Map(state.accounts.map((a) => [a.name, a.provider]));
  // Each cluster outside every known cloud is its own entry, so every sum below goes by entry key.
  const keyOfWith =
    (sites: ReadonlyMap<string, string>) =>
    (cloud: CloudId, account: string): string =>
      cloudKey(cloud, account, sites.get(account) ?? null);

  const [state, sites, stateRows, priceRows, averages, p95, spend, fleet, incidents, costAccounts] = await Promise.all([
    stateP,
    sitesP,
    stateRowsP,
    part('unpriced', ['inventory'], () =>
      shapeP.then(({ counted }) =>
        pool.rows<{ cloud: CloudId; account: string; n: number }>(
          `SELECT cloud, account, count(*)::INTEGER AS n FROM resource
           WHERE ${filterSql(filter)} AND ${counted()} AND (hourly_price IS NULL OR ${hasGapSql('coverage_gaps', 'price')})
           GROUP BY cloud, account`,
        ),
      ),
    ),
    averagesP,
    part('p95', ['samples', 'inventory'], () =>
      sitesP.then((s) => pool.rows<{ key: string; p95: number }>(cloudP95Sql(asOfMs - 24 * HOUR_MS, asOfMs, filter, entryKeySql(s)))),
    ),
    // Of the account state, spend reads the accounts' clouds (inventory) and connectors (the account
    // table, which only writes that change every facet touch), not their runs.
    part('spend', ['costs', 'samples', 'inventory'], () =>
      Promise.all([stateP, sitesP, shapeP]).then(([st, s, { counted }]) =>
        spendByCloud(pool, asOfMs, filter, st.inventoryClouds, providersOf(st), keyOfWith(s), counted('r'), kept().then((f) => f?.idle ?? null), costDays()),
      ),
    ),
    part('incident fleet', ['incidents', 'inventory'], () =>
      Promise.all([incidentsP, kept()]).then(([list, facts]) => {
        const named = [...new Set(list.flatMap((i) => i.resourceIds))];
        // The kept fold serves while the incidents read name the machines it was folded for: an
        // incident written between the two reads would otherwise miss its machines.
        const fold = facts?.fleet;
        if (fold !== undefined && named.length === fold.named.size && named.every((id) => fold.named.has(id))) return fold.machines;
        return loadFleetFolded(pool, named);
      }),
    ),
    incidentsP,
    part('cost accounts', ['costs'], () =>
      costDays().then((days) => [...new Map(days.map((d) => [JSON.stringify([d.account, d.provider_name]), { account: d.account, provider_name: d.provider_name }])).values()]),
    ),
  ]);
  const providers = providersOf(state);
  const keyOf = keyOfWith(sites);

  const wanted = (c: CloudId): boolean => filter.clouds.length === 0 || filter.clouds.includes(c);
  const filteredFleet = fleet.filter((m) => passesFilter(filter, m));

  // Which accounts belong to each entry: by inventory, by connector, and by where their charges go.
  const accountsOf = new Map<string, Set<string>>();
  const addAccount = (cloud: CloudId, account: string): void => {
    const key = keyOf(cloud, account);
    if (!accountsOf.has(key)) accountsOf.set(key, new Set());
    accountsOf.get(key)!.add(account);
  };
  for (const a of state.accounts) for (const c of cloudsOfAccount(state, a)) addAccount(c, a.name);
  for (const m of fleet) addAccount(m.cloud, m.account);
  for (const r of costAccounts) {
    addAccount(cloudOfCostRow(state.inventoryClouds.get(r.account), r.provider_name, providers.get(r.account)), r.account);
  }

  // Known clouds in the pane's order, then the clusters outside them by name.
  const keys = [...new Set([...accountsOf.keys(), ...spend.keys()])].filter((k) => {
    const cloud = cloudOfKey(k);
    return cloud !== null && wanted(cloud);
  });
  const rank = (k: string): number => CloudIds.options.indexOf(cloudOfKey(k)!);
  keys.sort((a, b) => rank(a) - rank(b) || cloudKeyLabel(a).localeCompare(cloudKeyLabel(b)));
  // Reports of one outage are merged first (domain/incident-classes.ts), so these counts match the triage view.
  const classes = classifyOpenIncidents(incidents.filter((i) => wanted(i.cloud)), filteredFleet, asOfMs);
  const elsewhere: IncidentBrief[] = classes.elsewhere.map((c) => c.brief);
  const activeByKey = new Map<string, IncidentBrief[]>();
  for (const { brief } of classes.active) {
    const key = keyOf(brief.cloud, brief.account);
    activeByKey.set(key, [...(activeByKey.get(key) ?? []), brief]);
  }
  // Announced maintenance still ahead of asOf: listed as planned, never counted as active.
  const planned = plannedMaintenance(incidents.filter((i) => wanted(i.cloud)), filteredFleet, asOfMs);
  const plannedByKey = new Map<string, IncidentBrief[]>();
  for (const p of planned) {
    if (!p.touchesFleet) continue;
    const key = keyOf(p.brief.cloud, p.brief.account);
    plannedByKey.set(key, [...(plannedByKey.get(key) ?? []), p.brief]);
  }

  const cloudOverviews: CloudOverview[] = keys.map((key) => {
    const cloud = cloudOfKey(key)!;
    const gpus = emptyCounts();
    const coverage = emptyCoverage();
    const models = new Map<string, ModelCounts>();
    for (const r of stateRows) {
      if (keyOf(r.cloud, r.account) !== key) continue;
      gpus[r.state] += r.n;
      gpus.total += r.n;
      coverage.gpusWithoutMetrics += r.without_metrics;
      coverage.gpusUnplaced += r.unplaced;
      const m = models.get(r.gpu_model) ?? { model: r.gpu_model, total: 0, busy: 0, idle: 0 };
      m.total += r.n;
      if (r.state === 'busy') m.busy += r.n;
      if (r.state === 'idle') m.idle += r.n;
      models.set(r.gpu_model, m);
    }
    for (const r of priceRows) if (keyOf(r.cloud, r.account) === key) coverage.machinesWithoutPrice += r.n;
    const accounts = [...(accountsOf.get(key) ?? [])].sort();
    const active = activeByKey.get(key) ?? [];
    const machines = filteredFleet.filter((m) => keyOf(m.cloud, m.account) === key);
    const util = averages.find((r) => r.key === key);
    return {
      key,
      provider: cloud,
      label: cloudKeyLabel(key),
      demo: machines.length > 0 ? machines.every((m) => m.demo) : accounts.some((a) => state.demoAccounts.has(a)),
      accounts,
      gpus,
      byModel: [...models.values()].sort((a, b) => b.total - a.total || a.model.localeCompare(b.model)),
      utilisation: {
        avg1h: util?.avg0 ?? null,
        avg24h: util?.avg1 ?? null,
        p95_24h: p95.find((r) => r.key === key)?.p95 ?? null,
      },
      spend: spend.get(key) ?? [],
      incidents: { active: active.length, list: active, planned: plannedByKey.get(key) ?? [] },
      freshness: cloudFreshness(state, accounts),
      coverage,
    };
  });

  const totals = emptyCounts();
  const coverage = emptyCoverage();
  for (const c of cloudOverviews) {
    for (const k of Object.keys(totals) as (keyof GpuCounts)[]) totals[k] += c.gpus[k];
    for (const k of Object.keys(coverage) as (keyof CoverageCounts)[]) coverage[k] += c.coverage[k];
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
      coverage,
    },
    incidentsElsewhere: elsewhere,
    maintenancePlanned: planned.map((p) => p.brief),
  };
}

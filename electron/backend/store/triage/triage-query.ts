/**
 * Triage reads: the triage list (merged incidents by blast radius, data problems), the incident page
 * (timeline over the utilisation of the GPUs it touches), and the inputs of the derived signals.
 * Merging and classification come from domain/ (the same code the overview counts with).
 */
import type {
  Acknowledgement,
  AffectedResource,
  DataProblem,
  IncidentNote,
  IncidentPage,
  RecentChange,
  TimelineEntry,
  TriageIncident,
  TriageList,
  UtilisationTrack,
} from '../../../../shared/contract-triage';
import type { GpuState, Incident, ProviderId, StreamId, SyncError } from '../../../../shared/domain';
import type { IncidentBrief } from '../../../../shared/overview';
import { detectDataProblems, SILENT_LOOKBACK_MS, XID_LOOKBACK_MS, COLLAPSE_BASELINE_FROM_MS, type SignalInput } from '../../domain/derived-signals';
import { mergeIncidents, type MergedIncident } from '../../domain/incident-merge';
import { classifyOpenIncidents, isPlannedMaintenance } from '../../domain/incident-classes';
import { sqlString, tsLiteral, type ConnectionPool, type Row } from '../db';
import { loadAccountState } from '../fleet/freshness-query';
import { gpusByMachine, gpuStateSql, machineGpuSummary, machineKey } from '../fleet/gpu-state-query';
import { accountSamplesSql } from '../fleet/minute-rows';
import { accountQuietGpus } from '../fleet/last-samples';
import { affectedMachines, toBrief, type FleetMachine } from '../../domain/incident-fleet';
import { loadFleet, loadIncidents } from '../incident-query';
import { addMoneyTo, formatMoney, parseMoney } from '../../../../shared/decimal';
import { floorToMinute } from '../fleet/overview-query';
import { type InventoryOf, loadResources, machineListSql } from '../fleet/resource-rows';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Ended incidents stay on the triage view this long. */
export const RECENTLY_ENDED_MS = DAY_MS;
/** Runs looked at by the failing-sync rule, per stream. */
const RUNS_PER_STREAM = 20;

const iso = (ms: number): string => new Date(ms).toISOString();

/** Acknowledgements and note counts keyed by incident (member) id. */
interface Annotations {
  acks: Map<string, Acknowledgement>;
  noteCounts: Map<string, number>;
}

async function loadAnnotations(pool: ConnectionPool): Promise<Annotations> {
  const [acks, notes] = await Promise.all([
    pool.rows<{ incident_id: string; at: number; by: string } & Row>(
      'SELECT incident_id, epoch_ms(acked_at)::DOUBLE AS at, acked_by AS by FROM incident_ack',
    ),
    pool.rows<{ incident_id: string; n: number } & Row>('SELECT incident_id, count(*)::INTEGER AS n FROM incident_note GROUP BY incident_id'),
  ]);
  return {
    acks: new Map(acks.map((a) => [a.incident_id, { at: iso(a.at), by: a.by }])),
    noteCounts: new Map(notes.map((n) => [n.incident_id, n.n])),
  };
}

/** What changed within the hour before asOf. */
export function recentChanges(m: MergedIncident, asOfMs: number): RecentChange[] {
  const from = asOfMs - HOUR_MS;
  const within = (t: string): boolean => {
    const ms = Date.parse(t);
    return ms > from && ms <= asOfMs;
  };
  const out: RecentChange[] = [];
  if (within(m.startedAt)) out.push({ at: m.startedAt, kind: 'opened', text: `Opened: ${m.title}` });
  for (const s of m.sources.slice(1)) {
    if (within(s.startedAt) && s.startedAt !== m.startedAt) out.push({ at: s.startedAt, kind: 'source-added', text: `Also reported by ${s.source}: ${s.title}` });
  }
  for (const u of m.updates) if (within(u.at)) out.push({ at: u.at, kind: 'updated', text: `${u.status}: ${u.body}` });
  if (m.endedAt !== null && within(m.endedAt)) out.push({ at: m.endedAt, kind: 'ended', text: 'Ended' });
  return out.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

function triageIncident(m: MergedIncident, brief: IncidentBrief, notes: Annotations, asOfMs: number): TriageIncident {
  const ack = m.memberIds.map((id) => notes.acks.get(id)).find((a) => a !== undefined) ?? null;
  return {
    ...brief,
    summary: m.summary,
    updatedAt: m.updatedAt,
    resourceIds: m.resourceIds,
    sources: m.sources,
    acknowledged: ack,
    noteCount: m.memberIds.reduce((n, id) => n + (notes.noteCounts.get(id) ?? 0), 0),
    recentChanges: recentChanges(m, asOfMs),
  };
}

async function loadDataProblems(pool: ConnectionPool): Promise<DataProblem[]> {
  const runs = await pool.rows<
    { account: string; provider: ProviderId; stream: StreamId; finished: number; status: 'ok' | 'error'; error: string | null } & Row
  >(
    `SELECT account, provider, stream, finished, status, error FROM (
       SELECT r.account, a.provider, r.stream, epoch_ms(r.finished_at)::DOUBLE AS finished, r.status, r.error::VARCHAR AS error,
              row_number() OVER (PARTITION BY r.account, r.stream ORDER BY r.finished_at DESC) AS n
       FROM sync_run r JOIN account a ON a.name = r.account
       WHERE r.finished_at IS NOT NULL AND r.status IN ('ok', 'error')
     ) WHERE n <= ${RUNS_PER_STREAM}`,
  );
  return detectDataProblems(
    runs.map((r) => ({
      account: r.account,
      provider: r.provider,
      stream: r.stream,
      finishedMs: r.finished,
      status: r.status,
      error: r.error === null ? null : (JSON.parse(r.error) as SyncError),
    })),
  );
}

/** The triage view at asOf (floored to the minute, like the overview). */
export async function queryTriageList(pool: ConnectionPool, asOf: Date): Promise<TriageList> {
  const asOfMs = floorToMinute(asOf.getTime());
  const [fleet, reports, notes, dataProblems] = await Promise.all([
    loadFleet(pool),
    loadIncidents(pool, 'ended_at IS NULL OR ended_at > epoch_ms($from::BIGINT)', { from: String(asOfMs - RECENTLY_ENDED_MS) }),
    loadAnnotations(pool),
    loadDataProblems(pool),
  ]);
  const classes = classifyOpenIncidents(reports, fleet, asOfMs);
  const ended = mergeIncidents(reports.filter((r) => Date.parse(r.startedAt) <= asOfMs))
    .filter((m) => m.endedAt !== null && Date.parse(m.endedAt) <= asOfMs)
    .sort((a, b) => Date.parse(b.endedAt!) - Date.parse(a.endedAt!));
  const planned = mergeIncidents(reports.filter((r) => isPlannedMaintenance(r, asOfMs))).sort(
    (a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.id.localeCompare(b.id),
  );
  const active = classes.active.map((c) => triageIncident(c.merged, c.brief, notes, asOfMs));
  const atRisk = new Map<string, bigint>();
  for (const i of active) for (const a of i.atRiskPerHour) addMoneyTo(atRisk, a.currency, parseMoney(a.amount));
  return {
    asOf: iso(asOfMs),
    active,
    elsewhere: classes.elsewhere.map((c) => triageIncident(c.merged, c.brief, notes, asOfMs)),
    recentlyEnded: ended.map((m) => triageIncident(m, toBrief(m, fleet), notes, asOfMs)),
    planned: planned.map((m) => triageIncident(m, toBrief(m, fleet), notes, asOfMs)),
    dataProblems,
    totals: {
      active: active.length,
      affectedGpus: active.reduce((n, i) => n + i.affectedGpus, 0),
      atRiskPerHour: [...atRisk.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, amount]) => ({ currency, amount: formatMoney(amount) })),
    },
  };
}

/** The merged incident one of whose reports has this id, among every stored report. */
export async function findMerged(pool: ConnectionPool, id: string): Promise<MergedIncident | null> {
  const all = await loadIncidents(pool);
  if (!all.some((i) => i.id === id)) return null;
  return mergeIncidents(all).find((m) => m.memberIds.includes(id)) ?? null;
}

async function affectedResources(pool: ConnectionPool, machines: readonly FleetMachine[], asOfMs: number): Promise<AffectedResource[]> {
  if (machines.length === 0) return [];
  const { sql: where, params } = machineListSql(machines);
  const [resources, gpus] = await Promise.all([
    pool.use((conn) => loadResources(conn, where, params)),
    pool.rows<{ account: string; resource_id: string; state: GpuState; util_mean: number | null; util_n: number } & Row>(
      // Each GPU's last sample is not shown here: reading it would scan the whole window's raw samples again.
      gpuStateSql(asOfMs, where, { lastSample: false }),
      params,
    ),
  ]);
  // Grouped once: a region-wide incident affects thousands of machines, and a scan of every GPU row per machine is quadratic.
  const byMachine = gpusByMachine(gpus);
  return resources.map((r) => {
    const { states, utilisation30m } = machineGpuSummary(byMachine.get(machineKey(r.account, r.id)) ?? []);
    return {
      account: r.account,
      id: r.id,
      name: r.name,
      region: r.region,
      zone: r.zone,
      instanceType: r.instanceType,
      gpuModel: r.gpuModel,
      gpuCount: r.gpuCount,
      powerState: r.powerState,
      health: r.health,
      hourlyPrice: r.hourlyPrice,
      currency: r.currency,
      states,
      utilisation30m,
    };
  });
}

/** The chart window of an incident: from two hours before it started (at least six hours) to its end plus an hour, or asOf. */
export function incidentWindow(m: Incident, asOfMs: number): { from: number; to: number; stepMs: number } {
  const start = Date.parse(m.startedAt);
  const end = m.endedAt === null ? asOfMs : Math.min(asOfMs, Date.parse(m.endedAt) + HOUR_MS);
  const to = Math.max(end, start + MINUTE_MS);
  const from = Math.min(start - 2 * HOUR_MS, to - 6 * HOUR_MS);
  // 5-minute rollups up to a week; hourly beyond, so a chart never exceeds 2,000 points.
  const stepMs = to - from <= 7 * DAY_MS ? 5 * MINUTE_MS : HOUR_MS;
  return { from: Math.floor(from / stepMs) * stepMs, to, stepMs };
}

async function utilisationTracks(
  pool: ConnectionPool,
  m: Incident,
  affected: readonly FleetMachine[],
  window: { from: number; to: number; stepMs: number },
): Promise<UtilisationTrack[]> {
  const table = window.stepMs === HOUR_MS ? 'rollup_1h_by_name' : 'rollup_5m_by_name';
  const { sql: inAffected, params } = machineListSql(affected, 'resource_id');
  const regions = m.regions.length === 0 ? 'FALSE' : `lower(region) IN (${m.regions.map((r) => sqlString(r.toLowerCase())).join(',')})`;
  const rowsOf = await pool.rows<{ k: string; t: number; v: number } & Row>(
    `SELECT k, epoch_ms(bucket)::DOUBLE AS t, avg(util_sum / util_count) AS v FROM (
       SELECT CASE WHEN ${inAffected} THEN 'affected' ELSE 'others' END AS k, bucket, util_sum, util_count
       FROM ${table}
       WHERE bucket >= ${tsLiteral(window.from)} AND bucket <= ${tsLiteral(window.to)} AND util_count > 0
         AND cloud = ${sqlString(m.cloud)} AND (${inAffected} OR ${regions})
     ) GROUP BY k, bucket ORDER BY bucket`,
    params,
  );
  const buckets: number[] = [];
  for (let t = window.from; t <= window.to && buckets.length < 2000; t += window.stepMs) buckets.push(t);
  const track = (key: string, label: string): UtilisationTrack => {
    const values = new Map(rowsOf.filter((r) => r.k === key).map((r) => [r.t, r.v]));
    return { key, label, points: buckets.map((t) => ({ t, value: values.get(t) ?? null })) };
  };
  return [track('affected', 'GPUs it touches'), track('others', 'Rest of the region')];
}

function timelineOf(m: MergedIncident, ack: Acknowledgement | null, notes: readonly IncidentNote[], asOfMs: number): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const r of m.members) {
    entries.push({ at: r.startedAt, kind: r.id === m.id ? 'started' : 'source', source: r.source, title: r.title, body: r.summary });
    for (const u of r.updates) entries.push({ at: u.at, kind: 'update', source: r.source, title: u.status, body: u.body });
    // A maintenance window's scheduled end is not an end until it has passed.
    if (r.endedAt !== null && Date.parse(r.endedAt) <= asOfMs) entries.push({ at: r.endedAt, kind: 'ended', source: r.source, title: `${r.source} report ended`, body: r.status });
  }
  if (ack !== null) entries.push({ at: ack.at, kind: 'acknowledged', source: null, title: `Acknowledged by ${ack.by}`, body: '' });
  for (const n of notes) entries.push({ at: n.at, kind: 'note', source: null, title: `Note by ${n.author}`, body: n.body });
  const seen = new Set<string>();
  return entries
    .filter((e) => {
      const k = `${e.at}\u0000${e.kind}\u0000${e.body}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** Notes of every report of a merged incident, oldest first. */
export async function loadNotes(pool: ConnectionPool, ids: readonly string[]): Promise<IncidentNote[]> {
  if (ids.length === 0) return [];
  const list = await pool.rows<{ id: string; incident_id: string; at: number; author: string; body: string } & Row>(
    `SELECT id, incident_id, epoch_ms(noted_at)::DOUBLE AS at, author, body FROM incident_note
     WHERE incident_id IN (${ids.map(sqlString).join(',')}) ORDER BY noted_at, id`,
  );
  return list.map((n) => ({ id: n.id, incidentId: n.incident_id, at: iso(n.at), author: n.author, body: n.body }));
}

/** The incident page for any report id of a merged incident; null when no report has that id. */
export async function queryIncidentPage(pool: ConnectionPool, asOf: Date, id: string): Promise<IncidentPage | null> {
  const asOfMs = floorToMinute(asOf.getTime());
  const [merged, fleet, annotations] = await Promise.all([findMerged(pool, id), loadFleet(pool), loadAnnotations(pool)]);
  if (merged === null) return null;
  const machines = affectedMachines(merged, fleet);
  const window = incidentWindow(merged, asOfMs);
  const [affected, utilisation, notes] = await Promise.all([
    affectedResources(pool, machines, asOfMs),
    utilisationTracks(pool, merged, machines, window),
    loadNotes(pool, merged.memberIds),
  ]);
  const incident = triageIncident(merged, toBrief(merged, fleet), annotations, asOfMs);
  return {
    asOf: iso(asOfMs),
    incident,
    records: merged.members,
    timeline: timelineOf(merged, incident.acknowledged, notes, asOfMs),
    affected,
    notes,
    window: { from: window.from, to: window.to },
    stepMs: window.stepMs,
    utilisation,
  };
}

/** What the derived signals need about one account at asOf. */
export async function querySignalInput(
  pool: ConnectionPool,
  account: string,
  asOf: Date,
  inventoryOf: InventoryOf,
): Promise<SignalInput> {
  const asOfMs = floorToMinute(asOf.getTime());
  const acct = sqlString(account);
  const [resources, xid, lastSeen, buckets, state] = await Promise.all([
    inventoryOf(account),
    pool.rows<{ resource_id: string; gpu_index: number; first: number; last: number; errors: number } & Row>(
      `SELECT resource_id, gpu_index::INTEGER AS gpu_index, epoch_ms(min(ts))::DOUBLE AS first, epoch_ms(max(ts))::DOUBLE AS last,
              sum(xid)::INTEGER AS errors
       FROM ${accountSamplesSql(acct, asOfMs - XID_LOOKBACK_MS, asOfMs)} WHERE xid > 0
       GROUP BY resource_id, gpu_index`,
    ),
    // Only GPUs quiet for the newest minutes: the others are not silent.
    accountQuietGpus(pool, account, asOfMs - SILENT_LOOKBACK_MS, asOfMs),
    pool.rows<{ cloud: Incident['cloud']; region: string; t: number; s: number; n: number } & Row>(
      `SELECT cloud, region, epoch_ms(bucket)::DOUBLE AS t, sum(gpu_mean_sum) AS s, sum(gpus)::INTEGER AS n
       FROM fleet_5m WHERE account = ${acct} AND bucket >= ${tsLiteral(asOfMs - COLLAPSE_BASELINE_FROM_MS)} AND bucket < ${tsLiteral(asOfMs)}
       GROUP BY cloud, region, bucket`,
    ),
    loadAccountState(pool, asOfMs),
  ]);
  const metrics = state.freshness.get(account)?.streams.metrics;
  return {
    account,
    asOfMs,
    resources,
    xid: xid.map((h) => ({ resourceId: h.resource_id, gpuIndex: h.gpu_index, firstMs: h.first, lastMs: h.last, errors: h.errors })),
    lastSeen: lastSeen.map((s) => ({ resourceId: s.resource_id, gpuIndex: s.gpu_index, lastMs: s.last })),
    metricsFresh: metrics !== undefined && metrics.lastSuccessAt !== null && !metrics.stale,
    buckets: buckets.map((b) => ({ cloud: b.cloud, region: b.region, bucketMs: b.t, gpuMeanSum: b.s, gpus: b.n })),
  };
}

/**
 * Simulated FOCUS cost rows. Billing lags: charges exist only up to `BILLING_LAG_MS` before the
 * hour of `now`. Complete past days come as one daily row per machine, the rest (today, and a
 * yesterday still being billed) as hourly rows. GPU machines are priced from the catalog with exact
 * decimals; storage, egress and one monthly credit per cloud make billed spend differ from GPU spend.
 */
import type { FocusCostRow } from '../../../../shared/domain';
import type { DemoMachine, PoolSpec } from './fleet';
import { base32From, hashString, hexFrom, mix } from './hash';
import { fromCents, timesInteger } from './money';
import { costColumns, EMPTY_FOCUS_COLUMNS, periodColumns, regionColumns } from '../common/focus';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How far billed data trails real time. */
export const BILLING_LAG_MS = 4 * HOUR_MS;
/**
 * Rows per page. A page is made in one go on the backend's event loop, as a real connector parses one
 * answer: 5,000 rows took 250-315 ms there, which every read of a syncing collector waited behind.
 */
export const COSTS_BATCH_SIZE = 1_000;
/** Monthly credit per cloud, in cents (negative BilledCost). */
const MONTHLY_CREDIT_CENTS = -250_000;

type DemoCloud = PoolSpec['cloud'];

const PROVIDER_NAME: Readonly<Record<DemoCloud, string>> = {
  azure: 'Microsoft', gcp: 'Google Cloud', oci: 'Oracle', coreweave: 'CoreWeave',
};

/** The end of what is billed at `now`. */
export function billedThrough(nowMs: number): number {
  return Math.floor(nowMs / HOUR_MS) * HOUR_MS - BILLING_LAG_MS;
}

const billingAccounts = new Map<string, { id: string; name: string }>();

function billingAccount(cloud: DemoCloud, seed: number): { id: string; name: string } {
  const k = `${cloud}|${seed}`;
  let ba = billingAccounts.get(k);
  if (!ba) {
    ba = makeBillingAccount(cloud, seed);
    billingAccounts.set(k, ba);
  }
  return ba;
}

function makeBillingAccount(cloud: DemoCloud, seed: number): { id: string; name: string } {
  switch (cloud) {
    case 'azure':
      return { id: String(10_000_000 + (hashString('azure-ba', seed) % 89_999_999)), name: 'Contoso AI (Demo)' };
    case 'gcp': {
      const x = hexFrom('gcp-ba', seed, 18).toUpperCase();
      return { id: `${x.slice(0, 6)}-${x.slice(6, 12)}-${x.slice(12, 18)}`, name: 'Contoso AI billing (Demo)' };
    }
    case 'oci':
      return { id: `ocid1.tenancy.oc1..aaaaaaaa${base32From('oci-tenancy', seed, 52)}`, name: 'contosoai' };
    case 'coreweave':
      return { id: `cw-${hexFrom('coreweave-org', seed, 6)}`, name: 'Contoso AI (Demo)' };
  }
}

function serviceOf(m: DemoMachine): { service: string; resourceType: string } {
  switch (m.pool.cloud) {
    case 'azure':
      return { service: 'Virtual Machines', resourceType: 'Virtual machine' };
    case 'gcp':
      return m.resource.kind === 'tpu-vm'
        ? { service: 'Cloud TPU', resourceType: 'TPU node' }
        : { service: 'Compute Engine', resourceType: 'Compute instance' };
    case 'oci':
      return { service: 'Compute', resourceType: m.resource.kind === 'bare-metal' ? 'Bare metal instance' : 'Compute instance' };
    case 'coreweave':
      return { service: 'CoreWeave Kubernetes Service', resourceType: 'Kubernetes node' };
  }
}

interface RowBase {
  cloud: DemoCloud;
  seed: number;
  start: number;
  end: number;
  subAccountId: string;
  subAccountName: string;
  region: string | null;
}

function row(
  base: RowBase,
  fields: Partial<FocusCostRow> & Pick<FocusCostRow, 'BilledCost' | 'ChargeCategory' | 'ServiceName' | 'ServiceCategory'>,
): FocusCostRow {
  const ba = billingAccount(base.cloud, base.seed);
  return {
    ...EMPTY_FOCUS_COLUMNS,
    BillingAccountId: ba.id,
    BillingAccountName: ba.name,
    SubAccountId: base.subAccountId,
    SubAccountName: base.subAccountName,
    BillingCurrency: 'USD',
    ...costColumns(fields.BilledCost, fields.BilledCost),
    ...periodColumns(base.start, base.end),
    ProviderName: PROVIDER_NAME[base.cloud],
    PublisherName: PROVIDER_NAME[base.cloud],
    InvoiceIssuerName: PROVIDER_NAME[base.cloud],
    ...regionColumns(base.region),
    ...fields,
  };
}

/** The charge periods billed in [from, to) at `now`: whole past days, then hours. */
export function chargePeriods(from: number, to: number, nowMs: number): [number, number][] {
  const end = Math.min(to, billedThrough(nowMs));
  const todayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const periods: [number, number][] = [];
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < end; day += DAY_MS) {
    const dayEnd = day + DAY_MS;
    if (dayEnd <= billedThrough(nowMs) && dayEnd <= todayStart) {
      if (day >= from) periods.push([day, dayEnd]);
      continue;
    }
    for (let h = day; h < Math.min(dayEnd, end); h += HOUR_MS) if (h >= from) periods.push([h, h + HOUR_MS]);
  }
  return periods;
}

function machineRow(m: DemoMachine, seed: number, start: number, end: number, hours: number, price: string): FocusCostRow {
  const { service, resourceType } = serviceOf(m);
  const r = m.resource;
  return row(
    { cloud: m.pool.cloud, seed, start, end, subAccountId: m.subAccountId, subAccountName: m.subAccountName, region: r.region },
    {
      BilledCost: timesInteger(price, hours),
      ChargeCategory: 'Usage',
      ChargeDescription: `${r.instanceType} (${r.gpuCount}x ${r.gpuModel}), ${hours} h on demand`,
      ServiceName: service,
      ServiceCategory: 'Compute',
      AvailabilityZone: r.zone,
      ResourceId: r.id,
      ResourceName: r.name,
      ResourceType: resourceType,
      SkuId: r.instanceType,
      PricingQuantity: String(hours),
      PricingUnit: 'Hours',
      ConsumedQuantity: String(hours),
      ConsumedUnit: 'Hours',
      Tags: { ...r.tags },
    },
  );
}

/** FOCUS rows whose charge period starts in [from, to), as billed at `now`. */
export function* generateCosts(
  machines: readonly DemoMachine[],
  seed: number,
  from: number,
  to: number,
  nowMs: number,
  batchSize = COSTS_BATCH_SIZE,
): Generator<FocusCostRow[]> {
  let batch: FocusCostRow[] = [];
  const push = function* (r: FocusCostRow): Generator<FocusCostRow[]> {
    batch.push(r);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  };

  // Storage and egress are charged per sub-account and region; group the machines once.
  const groups = new Map<string, { m: DemoMachine; gpus: number }>();
  for (const m of machines) {
    const k = `${m.pool.cloud}|${m.subAccountId}|${m.resource.region}`;
    const g = groups.get(k);
    if (g) g.gpus += m.resource.gpuCount;
    else groups.set(k, { m, gpus: m.resource.gpuCount });
  }

  for (const [start, end] of chargePeriods(from, to, nowMs)) {
    for (const m of machines) {
      const price = m.resource.hourlyPrice;
      if (price === null) continue;
      const runEnd = m.stoppedSince === null ? end : Math.min(end, m.stoppedSince);
      const hours = Math.max(0, Math.round((runEnd - start) / HOUR_MS));
      if (hours === 0) continue;
      yield* push(machineRow(m, seed, start, end, hours, price));
    }
    if (end - start !== DAY_MS) continue;
    const day = Math.floor(start / DAY_MS);
    for (const [k, { m, gpus }] of groups) {
      const base: RowBase = {
        cloud: m.pool.cloud, seed, start, end, subAccountId: m.subAccountId, subAccountName: m.subAccountName, region: m.resource.region,
      };
      const h = mix(hashString(k, seed), day);
      yield* push(row(base, {
        BilledCost: fromCents(1_500 + gpus * 45 + (h % 900)),
        ChargeCategory: 'Usage',
        ChargeDescription: 'Premium SSD / persistent disk and checkpoint storage',
        ServiceName: m.pool.cloud === 'azure' ? 'Storage' : m.pool.cloud === 'gcp' ? 'Cloud Storage' : m.pool.cloud === 'oci' ? 'Block Volume' : 'CoreWeave Storage',
        ServiceCategory: 'Storage',
        PricingUnit: 'GB-Months',
        Tags: { team: m.pool.team, project: m.pool.project },
      }));
      yield* push(row(base, {
        BilledCost: fromCents(300 + gpus * 8 + (mix(h, 7) % 1_200)),
        ChargeCategory: 'Usage',
        ChargeDescription: 'Data transfer out to the internet',
        ServiceName: m.pool.cloud === 'azure' ? 'Bandwidth' : m.pool.cloud === 'gcp' ? 'Networking' : m.pool.cloud === 'oci' ? 'Networking' : 'CoreWeave Networking',
        ServiceCategory: 'Networking',
        PricingUnit: 'GB',
        Tags: { team: m.pool.team, project: m.pool.project },
      }));
    }
  }

  // One credit per cloud per month, billed once the month's first day is.
  const clouds = new Map<DemoCloud, DemoMachine>();
  for (const m of machines) if (!clouds.has(m.pool.cloud)) clouds.set(m.pool.cloud, m);
  const last = Math.min(to, billedThrough(nowMs));
  const first = new Date(from);
  for (let month = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1); month < last; ) {
    const next = new Date(month);
    const nextMonth = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1);
    if (month >= from && month + DAY_MS <= billedThrough(nowMs)) {
      for (const [cloud, m] of clouds) {
        yield* push(row(
          { cloud, seed, start: month, end: month + DAY_MS, subAccountId: m.subAccountId, subAccountName: m.subAccountName, region: null },
          {
            BilledCost: fromCents(MONTHLY_CREDIT_CENTS),
            ChargeCategory: 'Credit',
            ChargeDescription: 'Committed-use / startup program credit',
            ServiceName: null,
            ServiceCategory: null,
          },
        ));
      }
    }
    month = nextMonth;
  }
  if (batch.length > 0) yield batch;
}

/** The GPU catalog: instance type -> GPU model, count, memory and on-demand list price. */
import type { CloudId } from '../../../shared/domain';
import { CATALOG_ENTRIES } from './data/catalog-data';
import { MACHINE_PRICES, type MachinePrice } from './data/machine-prices';
import { modelMemoryGiB, normaliseGpuModel } from './normalise';
import type { CatalogEntry, CatalogLookup } from './types';

export { normaliseGpuModel, modelMemoryGiB } from './normalise';
export type { CatalogEntry, CatalogLookup } from './types';
export type { MachinePrice } from './data/machine-prices';

const byKey = new Map<string, CatalogEntry>();
for (const e of CATALOG_ENTRIES) byKey.set(key(e.cloud, e.instanceType), e);

const machines = new Map<string, MachinePrice>();
for (const m of MACHINE_PRICES) machines.set(key(m.cloud, m.machineType), m);

function key(cloud: CloudId, instanceType: string): string {
  // Instance type names are case-insensitive in practice (Azure returns both cases).
  return `${cloud}\u0000${instanceType.toLowerCase()}`;
}

function toLookup(entry: CatalogEntry, region: string): CatalogLookup {
  const exact = entry.hourlyPrice[region] ?? entry.hourlyPrice[region.toLowerCase()];
  return {
    gpuModel: entry.gpuModel,
    gpuCount: entry.gpuCount,
    gpuMemoryGiB: entry.gpuMemoryGiB,
    hourlyPrice: exact ?? entry.hourlyPrice['*'] ?? null,
    currency: entry.currency,
    source: entry.source,
  };
}

/** Every entry of the catalog. */
export function catalogEntries(): readonly CatalogEntry[] {
  return CATALOG_ENTRIES;
}

/**
 * Shape and price of an instance type in a region: the region's own price, else the "*" price,
 * else a null price; null when the catalog does not know the instance type at all.
 */
export function lookupInstance(cloud: CloudId, instanceType: string, region: string): CatalogLookup | null {
  const entry = byKey.get(key(cloud, instanceType));
  return entry ? toLookup(entry, region) : null;
}

/**
 * Price of a machine type that has no GPU of its own (an N1 VM taking attached GPUs): the region's
 * price, else "*", else null; null too when the catalog does not know the machine type.
 */
export function lookupMachine(cloud: CloudId, machineType: string, region: string): { hourlyPrice: string; currency: string; source: string } | null {
  const m = machines.get(key(cloud, machineType));
  const price = m ? (m.hourlyPrice[region] ?? m.hourlyPrice[region.toLowerCase()] ?? m.hourlyPrice['*']) : undefined;
  return m && price !== undefined ? { hourlyPrice: price, currency: m.currency, source: m.source } : null;
}

/**
 * One GPU of a Kubernetes/CoreWeave GPU product or class label ("NVIDIA-H100-80GB-HBM3",
 * "H100_NVLINK_80GB", "NVIDIA-A40-SHARED"): model, memory and the per-GPU-hour price where the
 * cloud prices GPUs by class (CoreWeave). Null when the label names no GPU model we know.
 */
export function lookupGpuClass(label: string, cloud: CloudId = 'coreweave', region = '*'): CatalogLookup | null {
  const exact = byKey.get(key(cloud, label));
  if (exact && exact.gpuCount === 1) return toLookup(exact, region);
  const model = normaliseGpuModel(label);
  const memory = modelMemoryGiB(model);
  if (memory === null) return null;
  // Only CoreWeave prices GPUs by class; elsewhere a 1-GPU machine's price includes its CPU and RAM.
  const perGpu = cloud === 'coreweave' ? CATALOG_ENTRIES.find((e) => e.cloud === cloud && e.gpuCount === 1 && e.gpuModel === model) : undefined;
  if (perGpu) return toLookup(perGpu, region);
  return { gpuModel: model, gpuCount: 1, gpuMemoryGiB: memory, hourlyPrice: null, currency: 'USD', source: `normalised from label "${label}"; no per-GPU price in the catalog` };
}

/**
 * Hourly prices of machines that carry no GPU of their own but take attached GPUs: Compute Engine
 * N1, whose accelerators (T4, V100, P100, P4) are billed per GPU on top of the machine. Kept apart
 * from the GPU catalog, whose every entry has GPUs.
 */
import { formatDecimal, normaliseDecimal } from '../../../../shared/decimal';
import type { CloudId } from '../../../../shared/domain';

/** A machine type's on-demand price without GPUs, by region ("*" = any region). */
export interface MachinePrice {
  cloud: CloudId;
  machineType: string;
  hourlyPrice: Readonly<Record<string, string>>;
  currency: string;
  source: string;
}

const GCP_N1_SOURCE =
  'ESTIMATE: Compute Engine N1 predefined on-demand rates in us-central1, $0.031611 per vCPU-hour and $0.004237 per GB-hour of ' +
  'memory (https://cloud.google.com/compute/vm-instance-pricing, not re-read 2026-11), times the machine type\'s vCPUs and memory; ' +
  '"*" repeats us-central1 for other regions.';

// Rates in units of 1e-8 USD per vCPU and per 0.05 GB of memory, so every product stays an integer.
const N1_VCPU = 3_161_100n;
const N1_TWENTIETH_GB = 21_185n;

/** vCPU counts and memory per vCPU (in 0.05 GB) of the N1 predefined families. */
const N1_FAMILIES: ReadonlyArray<{ family: string; vcpus: readonly number[]; memPerVcpu: bigint }> = [
  { family: 'standard', vcpus: [1, 2, 4, 8, 16, 32, 64, 96], memPerVcpu: 75n }, // 3.75 GB
  { family: 'highmem', vcpus: [2, 4, 8, 16, 32, 64, 96], memPerVcpu: 130n }, // 6.5 GB
  { family: 'highcpu', vcpus: [2, 4, 8, 16, 32, 64, 96], memPerVcpu: 18n }, // 0.9 GB
];

function n1Price(vcpus: number, memPerVcpu: bigint): string {
  const n = BigInt(vcpus);
  return normaliseDecimal(formatDecimal({ units: n * N1_VCPU + n * memPerVcpu * N1_TWENTIETH_GB, scale: 8 }));
}

export const MACHINE_PRICES: readonly MachinePrice[] = N1_FAMILIES.flatMap(({ family, vcpus, memPerVcpu }) =>
  vcpus.map((n): MachinePrice => {
    const price = n1Price(n, memPerVcpu);
    return { cloud: 'gcp', machineType: `n1-${family}-${n}`, hourlyPrice: { 'us-central1': price, '*': price }, currency: 'USD', source: GCP_N1_SOURCE };
  }),
);

/**
 * The GPU catalog's data, written by hand from the sources named in each entry (no parsing at
 * runtime). Prices are on-demand USD per instance-hour as exact decimal strings; "*" is the price
 * used for regions the source does not list. Entries marked "ESTIMATE" in their source are not a
 * published list price we could read; treat them as approximations.
 *
 * catalog-data.test.ts re-reads the fixture CSV/JSON rows under ./fixtures and proves the OCI,
 * AWS and CoreWeave entries match them.
 */
import type { CatalogEntry } from '../types';

const AZURE_RETAIL =
  'Azure Virtual Machines pricing, pay-as-you-go Linux, eastus (https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/), ' +
  'as transcribed with the retail prices API in datareceipts/data-receipts 109-gpu-pricing/hyperscalers.json, retrieved 2026-11-09';
const AZURE_ESTIMATE =
  'ESTIMATE: no eastus list price found in the searched sources (2026-11); value is the commonly quoted pay-as-you-go Linux price from ' +
  'https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/';
const AZURE_STAR = ' "*" repeats the eastus price for other regions (ESTIMATE).';

const GCP_PRICING =
  'Compute Engine on-demand prices (https://cloud.google.com/compute/gpus-pricing, https://cloud.google.com/compute/vm-instance-pricing) ' +
  'as totalled per machine type from the Cloud Billing Catalog API in Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml ' +
  '(generated 2025-03-06, commit 0166a59e), rounded to 6 decimals; "*" repeats us-central1 (or the first listed region) for other regions (ESTIMATE).';
const GCP_ESTIMATE =
  'ESTIMATE: us-central1 on-demand list price recalled from https://cloud.google.com/compute/gpus-pricing (not re-read 2026-11; ' +
  'no machine-readable source found in the searched corpus).';
const GCP_NO_PRICE = 'No on-demand list price found in the searched sources (2026-11); shape facts from';
const GCP_TPU_ESTIMATE =
  'ESTIMATE: on-demand price per chip-hour recalled from https://cloud.google.com/tpu/pricing (not re-read 2026-11), times chips; ' +
  'one TPU chip counts as one GPU.';

const OCI_SKYPILOT =
  'SkyPilot catalog v6 OCI vms.csv (skypilot-org/skypilot-catalog commit 6e3a02d2, catalogs/v6/oci/vms.csv), rows for eu-amsterdam-1 and eu-stockholm-1; ' +
  'shape facts from https://docs.oracle.com/en-us/iaas/Content/Compute/References/computeshapes.htm (page updated 2025-02-13). ' +
  '"*": OCI publishes one price for all commercial regions (https://www.oracle.com/cloud/price-list/).';
const OCI_DOCS_ONLY =
  'Shape facts from https://docs.oracle.com/en-us/iaas/Content/Compute/References/computeshapes.htm (page updated 2025-02-13); ';

const AWS_SKYPILOT =
  'SkyPilot catalog v7 AWS vms.csv (skypilot-org/skypilot-catalog commit 001367d2, catalogs/v7/aws/vms.csv), on-demand Price per region ' +
  '(rows de-duplicated on InstanceType, Region, AvailabilityZone; the excerpt stops after us-east-2 for p5).';

const AWS_SKYPILOT_G =
  'SkyPilot catalog v7 AWS vms.csv (skypilot-org/skypilot-catalog commit 001367d2, catalogs/v7/aws/vms.csv), on-demand Price per region ' +
  '(the same in every zone of a region; g5, g6, g6e.12/16/24xlarge, p5e, p5en: the repository was read file by file, not cloned).';

const COREWEAVE_LEGACY =
  'CoreWeave legacy resource-based pricing, USD per GPU-hour (coreweave/kubernetes-cloud resources/resource-based-pricing.md, commit 29d09bed, 2023-07-24); ' +
  'CPU and RAM are billed as separate components and are not included.';
const COREWEAVE_ESTIMATE =
  'ESTIMATE: per-GPU-hour price approximated from https://www.coreweave.com/pricing (not retrievable from a public repository, 2026-11) times GPU count.';

/** Price map helper: the same price in each listed region plus "*". */
function everywhere(price: string, regions: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = { '*': price };
  for (const r of regions) out[r] = price;
  return out;
}

const azure: CatalogEntry[] = [
  {
    cloud: 'azure', instanceType: 'Standard_ND96isr_H100_v5', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: everywhere('98.32', ['eastus']), currency: 'USD',
    source: `${AZURE_RETAIL} ($12.29 per GPU-hour x 8).${AZURE_STAR}`,
  },
  {
    cloud: 'azure', instanceType: 'Standard_ND96amsr_A100_v4', gpuModel: 'A100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: everywhere('32.77', ['eastus']), currency: 'USD', source: `${AZURE_ESTIMATE}${AZURE_STAR}`,
  },
  {
    cloud: 'azure', instanceType: 'Standard_NC24ads_A100_v4', gpuModel: 'A100 80GB', gpuCount: 1, gpuMemoryGiB: 80,
    hourlyPrice: everywhere('3.673', ['eastus']), currency: 'USD', source: `${AZURE_RETAIL}.${AZURE_STAR}`,
  },
  {
    cloud: 'azure', instanceType: 'Standard_NC48ads_A100_v4', gpuModel: 'A100 80GB', gpuCount: 2, gpuMemoryGiB: 80,
    hourlyPrice: everywhere('9.554', ['eastus']), currency: 'USD', source: `${AZURE_RETAIL}.${AZURE_STAR}`,
  },
  {
    cloud: 'azure', instanceType: 'Standard_NC96ads_A100_v4', gpuModel: 'A100 80GB', gpuCount: 4, gpuMemoryGiB: 80,
    hourlyPrice: everywhere('19.108', ['eastus']), currency: 'USD', source: `${AZURE_RETAIL}.${AZURE_STAR}`,
  },
  {
    cloud: 'azure', instanceType: 'Standard_NC40ads_H100_v5', gpuModel: 'H100 NVL 94GB', gpuCount: 1, gpuMemoryGiB: 94,
    hourlyPrice: everywhere('6.98', ['eastus']), currency: 'USD', source: `${AZURE_RETAIL}.${AZURE_STAR}`,
  },
  {
    cloud: 'azure', instanceType: 'Standard_NC80adis_H100_v5', gpuModel: 'H100 NVL 94GB', gpuCount: 2, gpuMemoryGiB: 94,
    hourlyPrice: everywhere('17.64', ['eastus']), currency: 'USD', source: `${AZURE_RETAIL}.${AZURE_STAR}`,
  },
  {
    cloud: 'azure', instanceType: 'Standard_NV36ads_A10_v5', gpuModel: 'A10 24GB', gpuCount: 1, gpuMemoryGiB: 24,
    hourlyPrice: everywhere('3.20', ['eastus']), currency: 'USD', source: `${AZURE_ESTIMATE}${AZURE_STAR}`,
  },
];

function gcpSeries(
  prefix: string, counts: readonly number[], model: string, memGiB: number,
  pricesByCount: Readonly<Record<number, Readonly<Record<string, string>>>>, source: string,
): CatalogEntry[] {
  return counts.map((n) => {
    const regional = pricesByCount[n] ?? {};
    const first = Object.values(regional)[0];
    const hourlyPrice: Record<string, string> = { ...regional };
    if (first !== undefined) hourlyPrice['*'] = regional['us-central1'] ?? first;
    return { cloud: 'gcp', instanceType: `${prefix}-${n}g`, gpuModel: model, gpuCount: n, gpuMemoryGiB: memGiB, hourlyPrice, currency: 'USD', source };
  });
}

const gcp: CatalogEntry[] = [
  ...gcpSeries('a2-highgpu', [1, 2, 4, 8], 'A100 40GB', 40, {
    1: { 'us-central1': '3.673385', 'us-east1': '3.673385', 'europe-west4': '3.747972' },
    2: { 'us-central1': '7.346770', 'us-east1': '7.346770', 'europe-west4': '7.495944' },
    4: { 'us-central1': '14.693540', 'us-east1': '14.693540', 'europe-west4': '14.991888' },
    8: { 'us-central1': '29.387080', 'us-east1': '29.387080', 'europe-west4': '29.983776' },
  }, GCP_PRICING),
  ...gcpSeries('a2-ultragpu', [1, 2, 4, 8], 'A100 80GB', 80, {
    1: { 'us-central1': '5.068798', 'us-east1': '5.068798', 'europe-west4': '5.580918' },
    2: { 'us-central1': '10.137596', 'us-east1': '10.137596', 'europe-west4': '11.161837' },
    4: { 'us-central1': '20.275192', 'us-east1': '20.275192', 'europe-west4': '22.323674' },
    8: { 'us-central1': '40.550383', 'us-east1': '40.550383', 'europe-west4': '44.647348' },
  }, `${GCP_PRICING} Includes the bundled Local SSD.`),
  {
    cloud: 'gcp', instanceType: 'a2-megagpu-16g', gpuModel: 'A100 40GB', gpuCount: 16, gpuMemoryGiB: 40,
    hourlyPrice: everywhere('55.739934', ['us-central1']), currency: 'USD', source: GCP_ESTIMATE,
  },
  // Shapes without a price we could read: the connector names the GPUs and reports the machine unpriced.
  {
    cloud: 'gcp', instanceType: 'a3-ultragpu-8g', gpuModel: 'H200 141GB', gpuCount: 8, gpuMemoryGiB: 141,
    hourlyPrice: {}, currency: 'USD', source: `${GCP_NO_PRICE} https://cloud.google.com/compute/docs/accelerator-optimized-machines (A3 Ultra: 8 x H200).`,
  },
  {
    cloud: 'gcp', instanceType: 'a4-highgpu-8g', gpuModel: 'B200 180GB', gpuCount: 8, gpuMemoryGiB: 180,
    hourlyPrice: {}, currency: 'USD', source: `${GCP_NO_PRICE} https://cloud.google.com/compute/docs/accelerator-optimized-machines (A4: 8 x B200, 1,440 GB GPU memory).`,
  },
  {
    cloud: 'gcp', instanceType: 'a3-highgpu-8g', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: { 'us-central1': '88.490000', 'us-east1': '88.490000', 'us-east4': '88.555756', 'us-west4': '99.648954', '*': '88.490000' },
    currency: 'USD', source: `${GCP_PRICING} Includes the bundled Local SSD.`,
  },
  {
    cloud: 'gcp', instanceType: 'a3-megagpu-8g', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: {
      'us-east4': '92.937588', 'us-east5': '94.066641', 'us-west4': '104.584234', 'europe-west4': '118.236831',
      'asia-southeast1': '119.974645', '*': '92.937588',
    },
    currency: 'USD', source: `${GCP_PRICING} Not offered in us-central1 in that snapshot.`,
  },
  ...([
    [4, '0.70683'], [8, '0.85355'], [12, '1.00036'], [16, '1.14718'], [24, '2.00073'], [32, '1.73444'], [48, '4.00146'], [96, '8.00292'],
  ] as const).map(([vcpus, price]): CatalogEntry => ({
    cloud: 'gcp', instanceType: `g2-standard-${vcpus}`, gpuModel: 'L4 24GB',
    gpuCount: vcpus === 24 ? 2 : vcpus === 48 ? 4 : vcpus === 96 ? 8 : 1, gpuMemoryGiB: 24,
    hourlyPrice: everywhere(price, ['us-central1']), currency: 'USD', source: GCP_ESTIMATE,
  })),
  // N1 VMs take GPUs as attached accelerators, priced per GPU; the machine itself is priced apart.
  {
    cloud: 'gcp', instanceType: 'nvidia-tesla-t4', gpuModel: 'T4 16GB', gpuCount: 1, gpuMemoryGiB: 16,
    hourlyPrice: everywhere('0.35', ['us-central1']), currency: 'USD',
    source: `Accelerator type attached to an N1 machine, price per GPU excluding the machine. ${GCP_ESTIMATE}`,
  },
  {
    cloud: 'gcp', instanceType: 'nvidia-tesla-p100', gpuModel: 'P100 16GB', gpuCount: 1, gpuMemoryGiB: 16,
    hourlyPrice: everywhere('1.46', ['us-central1']), currency: 'USD',
    source: `Accelerator type attached to an N1 machine, price per GPU excluding the machine. ${GCP_ESTIMATE}`,
  },
  {
    cloud: 'gcp', instanceType: 'nvidia-tesla-p4', gpuModel: 'P4 8GB', gpuCount: 1, gpuMemoryGiB: 8,
    hourlyPrice: everywhere('0.60', ['us-central1']), currency: 'USD',
    source: `Accelerator type attached to an N1 machine, price per GPU excluding the machine. ${GCP_ESTIMATE}`,
  },
  {
    cloud: 'gcp', instanceType: 'nvidia-tesla-v100', gpuModel: 'V100 16GB', gpuCount: 1, gpuMemoryGiB: 16,
    hourlyPrice: everywhere('2.48', ['us-central1']), currency: 'USD',
    source: `Accelerator type attached to an N1 machine, price per GPU excluding the machine. ${GCP_ESTIMATE}`,
  },
  ...[1, 4, 8, 16, 32, 64, 128, 256].map((chips): CatalogEntry => ({
    cloud: 'gcp', instanceType: `v5litepod-${chips}`, gpuModel: 'TPU v5e', gpuCount: chips, gpuMemoryGiB: 16,
    hourlyPrice: everywhere(decimalTimes('1.20', chips), ['us-central1', 'us-west4', 'us-east5', 'europe-west4']), currency: 'USD',
    source: `${GCP_TPU_ESTIMATE} $1.20 per chip-hour.`,
  })),
  ...[1, 4, 8].map((chips): CatalogEntry => ({
    cloud: 'gcp', instanceType: `ct5lp-hightpu-${chips}t`, gpuModel: 'TPU v5e', gpuCount: chips, gpuMemoryGiB: 16,
    hourlyPrice: everywhere(decimalTimes('1.20', chips), ['us-central1', 'us-west4', 'us-east5', 'europe-west4']), currency: 'USD',
    source: `GKE machine type for TPU v5e slices. ${GCP_TPU_ESTIMATE} $1.20 per chip-hour.`,
  })),
  // TPU v4 slice names count TensorCores: v4-8 is 4 chips.
  ...[8, 16, 32, 64, 128].map((cores): CatalogEntry => ({
    cloud: 'gcp', instanceType: `v4-${cores}`, gpuModel: 'TPU v4', gpuCount: cores / 2, gpuMemoryGiB: 32,
    hourlyPrice: everywhere(decimalTimes('3.22', cores / 2), ['us-central2']), currency: 'USD',
    source: `${GCP_TPU_ESTIMATE} $3.22 per chip-hour (us-central2).`,
  })),
  {
    cloud: 'gcp', instanceType: 'ct4p-hightpu-4t', gpuModel: 'TPU v4', gpuCount: 4, gpuMemoryGiB: 32,
    hourlyPrice: everywhere('12.88', ['us-central2']), currency: 'USD',
    source: `GKE machine type for TPU v4 slices. ${GCP_TPU_ESTIMATE} $3.22 per chip-hour (us-central2).`,
  },
];

const OCI_FIXTURE_REGIONS = ['eu-amsterdam-1', 'eu-stockholm-1'] as const;

const oci: CatalogEntry[] = [
  ...([
    ['VM.GPU.A10.1', 'A10 24GB', 1, 24, '2'],
    ['VM.GPU.A10.2', 'A10 24GB', 2, 24, '4'],
    ['BM.GPU.A10.4', 'A10 24GB', 4, 24, '8'],
    ['BM.GPU.A100-v2.8', 'A100 80GB', 8, 80, '32'],
    ['BM.GPU4.8', 'A100 40GB', 8, 40, '24.4'],
    ['VM.GPU2.1', 'P100 16GB', 1, 16, '1.275'],
    ['BM.GPU2.2', 'P100 16GB', 2, 16, '2.55'],
    ['VM.GPU3.1', 'V100 16GB', 1, 16, '2.95'],
    ['VM.GPU3.2', 'V100 16GB', 2, 16, '5.9'],
    ['VM.GPU3.4', 'V100 16GB', 4, 16, '11.8'],
    ['BM.GPU3.8', 'V100 16GB', 8, 16, '23.6'],
  ] as const).map(([shape, model, count, mem, price]): CatalogEntry => ({
    cloud: 'oci', instanceType: shape, gpuModel: model, gpuCount: count, gpuMemoryGiB: mem,
    hourlyPrice: everywhere(price, OCI_FIXTURE_REGIONS), currency: 'USD', source: OCI_SKYPILOT,
  })),
  {
    cloud: 'oci', instanceType: 'BM.GPU.H100.8', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: { '*': '80.00' }, currency: 'USD',
    source: `${OCI_DOCS_ONLY}ESTIMATE: $10.00 per GPU-hour x 8 as listed on https://www.oracle.com/cloud/price-list/ (not in the SkyPilot v6 excerpt; not re-read 2026-11).`,
  },
  {
    cloud: 'oci', instanceType: 'BM.GPU.H200.8', gpuModel: 'H200 141GB', gpuCount: 8, gpuMemoryGiB: 141,
    hourlyPrice: {}, currency: 'USD', source: `${OCI_DOCS_ONLY}no price found.`,
  },
  {
    cloud: 'oci', instanceType: 'BM.GPU.L40S.4', gpuModel: 'L40S 48GB', gpuCount: 4, gpuMemoryGiB: 48,
    hourlyPrice: {}, currency: 'USD', source: `${OCI_DOCS_ONLY}no price found.`,
  },
  {
    cloud: 'oci', instanceType: 'BM.GPU.MI300X.8', gpuModel: 'MI300X 192GB', gpuCount: 8, gpuMemoryGiB: 192,
    hourlyPrice: {}, currency: 'USD', source: `${OCI_DOCS_ONLY}no price found.`,
  },
];

const aws: CatalogEntry[] = [
  {
    cloud: 'aws', instanceType: 'p3dn.24xlarge', gpuModel: 'V100 32GB', gpuCount: 8, gpuMemoryGiB: 32,
    hourlyPrice: { 'ap-northeast-1': '42.783', 'eu-west-1': '33.711', 'us-east-1': '31.212', 'us-west-2': '31.212' },
    currency: 'USD', source: AWS_SKYPILOT,
  },
  {
    cloud: 'aws', instanceType: 'p4d.24xlarge', gpuModel: 'A100 40GB', gpuCount: 8, gpuMemoryGiB: 40,
    hourlyPrice: {
      'ap-northeast-1': '44.92215', 'ap-northeast-2': '45.38848', 'ap-south-1': '39.32', 'ap-southeast-2': '42.60438',
      'eu-central-1': '40.94475', 'eu-west-1': '35.39655', 'us-east-1': '32.7726', 'us-east-2': '32.7726', 'us-west-2': '32.7726',
    },
    currency: 'USD', source: AWS_SKYPILOT,
  },
  {
    cloud: 'aws', instanceType: 'p4de.24xlarge', gpuModel: 'A100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: { 'us-east-1': '40.96575', 'us-west-2': '40.96575' },
    currency: 'USD', source: AWS_SKYPILOT,
  },
  {
    cloud: 'aws', instanceType: 'p5.48xlarge', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: {
      'ap-northeast-1': '123.19496', 'ap-south-1': '117.984', 'ap-southeast-2': '127.816', 'ca-central-1': '113.068',
      'eu-north-1': '105.2024', 'eu-west-2': '127.816', 'us-east-1': '98.32', 'us-east-2': '98.32',
      // The regions after us-east-2, from the rows the first excerpt left out.
      'us-west-1': '122.9', 'us-west-2': '98.32',
    },
    currency: 'USD', source: AWS_SKYPILOT,
  },
  {
    cloud: 'aws', instanceType: 'g5.12xlarge', gpuModel: 'A10G 24GB', gpuCount: 4, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '8.22609', 'ap-northeast-2': '6.97442', 'ap-south-1': '6.81091', 'ap-southeast-2': '7.37473', 'ap-southeast-3': '7.93854', 'ca-central-1': '6.29784', 'eu-central-1': '7.09282', 'eu-north-1': '6.01593', 'eu-west-1': '6.33167', 'eu-west-2': '7.19994', 'me-central-1': '6.9575', 'us-east-1': '5.672', 'us-east-2': '5.672', 'us-west-2': '5.672' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g5.16xlarge', gpuModel: 'A10G 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '5.94042', 'ap-northeast-2': '5.03653', 'ap-south-1': '4.91846', 'ap-southeast-2': '5.32561', 'ap-southeast-3': '5.73277', 'ca-central-1': '4.54794', 'eu-central-1': '5.12204', 'eu-north-1': '4.34437', 'eu-west-1': '4.57237', 'eu-west-2': '5.1994', 'me-central-1': '5.02432', 'us-east-1': '4.096', 'us-east-2': '4.096', 'us-west-2': '4.096' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g5.24xlarge', gpuModel: 'A10G 24GB', gpuCount: 4, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '11.81123', 'ap-northeast-2': '10.01404', 'ap-south-1': '9.77928', 'ap-southeast-2': '10.58882', 'ap-southeast-3': '11.39836', 'ca-central-1': '9.04259', 'eu-central-1': '10.18405', 'eu-north-1': '8.63782', 'eu-west-1': '9.09117', 'eu-west-2': '10.33786', 'me-central-1': '9.98976', 'us-east-1': '8.144', 'us-east-2': '8.144', 'us-west-2': '8.144' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g5.2xlarge', gpuModel: 'A10G 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '1.75776', 'ap-northeast-2': '1.4903', 'ap-south-1': '1.45536', 'ap-southeast-2': '1.57584', 'ap-southeast-3': '1.69632', 'ca-central-1': '1.34573', 'eu-central-1': '1.5156', 'eu-north-1': '1.28549', 'eu-west-1': '1.35296', 'eu-west-2': '1.53849', 'me-central-1': '1.48669', 'us-east-1': '1.212', 'us-east-2': '1.212', 'us-west-2': '1.212' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g5.48xlarge', gpuModel: 'A10G 24GB', gpuCount: 8, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '23.62246', 'ap-northeast-2': '20.02809', 'ap-south-1': '19.55855', 'ap-southeast-2': '21.17764', 'ap-southeast-3': '22.79672', 'ca-central-1': '18.08518', 'eu-central-1': '20.3681', 'eu-north-1': '17.27564', 'eu-west-1': '18.18233', 'eu-west-2': '20.67572', 'me-central-1': '19.97951', 'us-east-1': '16.288', 'us-east-2': '16.288', 'us-west-2': '16.288' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g5.4xlarge', gpuModel: 'A10G 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '2.35528', 'ap-northeast-2': '1.99691', 'ap-south-1': '1.95009', 'ap-southeast-2': '2.11152', 'ap-southeast-3': '2.27295', 'ca-central-1': '1.80319', 'eu-central-1': '2.03081', 'eu-north-1': '1.72247', 'eu-west-1': '1.81287', 'eu-west-2': '2.06148', 'me-central-1': '1.99206', 'us-east-1': '1.624', 'us-east-2': '1.624', 'us-west-2': '1.624' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g5.8xlarge', gpuModel: 'A10G 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '3.55033', 'ap-northeast-2': '3.01012', 'ap-south-1': '2.93955', 'ap-southeast-2': '3.18289', 'ap-southeast-3': '3.42623', 'ca-central-1': '2.71811', 'eu-central-1': '3.06122', 'eu-north-1': '2.59644', 'eu-west-1': '2.73271', 'eu-west-2': '3.10745', 'me-central-1': '3.00282', 'us-east-1': '2.448', 'us-east-2': '2.448', 'us-west-2': '2.448' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g5.xlarge', gpuModel: 'A10G 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '1.459', 'ap-northeast-2': '1.237', 'ap-south-1': '1.208', 'ap-southeast-2': '1.308', 'ap-southeast-3': '1.408', 'ca-central-1': '1.117', 'eu-central-1': '1.258', 'eu-north-1': '1.067', 'eu-west-1': '1.123', 'eu-west-2': '1.277', 'me-central-1': '1.234', 'us-east-1': '1.006', 'us-east-2': '1.006', 'us-west-2': '1.006' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.12xlarge', gpuModel: 'L4 24GB', gpuCount: 4, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '6.67369', 'ap-northeast-2': '5.65823', 'ap-south-1': '5.52558', 'ap-southeast-2': '5.98299', 'ca-central-1': '5.10933', 'eu-central-1': '5.75429', 'eu-north-1': '4.88062', 'eu-west-2': '5.8412', 'eu-west-3': '5.8412', 'us-east-1': '4.6016', 'us-east-2': '4.6016', 'us-west-2': '4.6016' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.16xlarge', gpuModel: 'L4 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '4.92637', 'ap-northeast-2': '4.17678', 'ap-south-1': '4.07886', 'ap-southeast-2': '4.41652', 'ca-central-1': '3.7716', 'eu-central-1': '4.24769', 'eu-north-1': '3.60277', 'eu-west-2': '4.31184', 'eu-west-3': '4.31184', 'us-east-1': '3.3968', 'us-east-2': '3.3968', 'us-west-2': '3.3968' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.24xlarge', gpuModel: 'L4 24GB', gpuCount: 4, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '9.68103', 'ap-northeast-2': '8.20797', 'ap-south-1': '8.01555', 'ap-southeast-2': '8.67909', 'ca-central-1': '7.41173', 'eu-central-1': '8.34732', 'eu-north-1': '7.07996', 'eu-west-2': '8.47339', 'eu-west-3': '8.47339', 'us-east-1': '6.6752', 'us-east-2': '6.6752', 'us-west-2': '6.6752' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.2xlarge', gpuModel: 'L4 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '1.41781', 'ap-northeast-2': '1.20208', 'ap-south-1': '1.1739', 'ap-southeast-2': '1.27107', 'ca-central-1': '1.08547', 'eu-central-1': '1.22249', 'eu-north-1': '1.03688', 'eu-west-2': '1.24095', 'eu-west-3': '1.24095', 'us-east-1': '0.9776', 'us-east-2': '0.9776', 'us-west-2': '0.9776' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.48xlarge', gpuModel: 'L4 24GB', gpuCount: 8, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '19.36206', 'ap-northeast-2': '16.41595', 'ap-south-1': '16.0311', 'ap-southeast-2': '17.35817', 'ca-central-1': '14.82346', 'eu-central-1': '16.69464', 'eu-north-1': '14.15992', 'eu-west-2': '16.94678', 'eu-west-3': '16.94678', 'us-east-1': '13.3504', 'us-east-2': '13.3504', 'us-west-2': '13.3504' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.4xlarge', gpuModel: 'L4 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '1.91903', 'ap-northeast-2': '1.62704', 'ap-south-1': '1.58889', 'ap-southeast-2': '1.72042', 'ca-central-1': '1.4692', 'eu-central-1': '1.65466', 'eu-north-1': '1.40343', 'eu-west-2': '1.67965', 'eu-west-3': '1.67965', 'us-east-1': '1.3232', 'us-east-2': '1.3232', 'us-west-2': '1.3232' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.8xlarge', gpuModel: 'L4 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '2.92148', 'ap-northeast-2': '2.47695', 'ap-south-1': '2.41888', 'ap-southeast-2': '2.61912', 'ca-central-1': '2.23666', 'eu-central-1': '2.519', 'eu-north-1': '2.13655', 'eu-west-2': '2.55705', 'eu-west-3': '2.55705', 'us-east-1': '2.0144', 'us-east-2': '2.0144', 'us-west-2': '2.0144' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6.xlarge', gpuModel: 'L4 24GB', gpuCount: 1, gpuMemoryGiB: 22.3515625,
    hourlyPrice: { 'ap-northeast-1': '1.1672', 'ap-northeast-2': '0.9896', 'ap-south-1': '0.9664', 'ap-southeast-2': '1.0464', 'ca-central-1': '0.8936', 'eu-central-1': '1.0064', 'eu-north-1': '0.8536', 'eu-west-2': '1.0216', 'eu-west-3': '1.0216', 'us-east-1': '0.8048', 'us-east-2': '0.8048', 'us-west-2': '0.8048' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6e.12xlarge', gpuModel: 'L40S 48GB', gpuCount: 4, gpuMemoryGiB: 44.703125,
    hourlyPrice: { 'ap-northeast-1': '15.21742', 'ap-northeast-2': '12.90014', 'eu-central-1': '13.12002', 'eu-north-1': '11.12975', 'us-east-1': '10.49264', 'us-east-2': '10.49264', 'us-west-2': '10.49264' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6e.16xlarge', gpuModel: 'L40S 48GB', gpuCount: 1, gpuMemoryGiB: 44.703125,
    hourlyPrice: { 'ap-northeast-1': '10.98917', 'ap-northeast-2': '9.31575', 'eu-central-1': '9.47454', 'eu-north-1': '8.03728', 'us-east-1': '7.57719', 'us-east-2': '7.57719', 'us-west-2': '7.57719' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'g6e.24xlarge', gpuModel: 'L40S 48GB', gpuCount: 4, gpuMemoryGiB: 44.703125,
    hourlyPrice: { 'ap-northeast-1': '21.84956', 'ap-northeast-2': '18.52234', 'eu-central-1': '18.83806', 'eu-north-1': '15.98037', 'us-east-1': '15.06559', 'us-east-2': '15.06559', 'us-west-2': '15.06559' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    // H200; no on-demand price in any region (sold through Capacity Blocks for ML): its machines show a price gap.
    cloud: 'aws', instanceType: 'p5e.48xlarge', gpuModel: 'H200 141GB', gpuCount: 8, gpuMemoryGiB: 141,
    hourlyPrice: {},
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
  {
    cloud: 'aws', instanceType: 'p5en.48xlarge', gpuModel: 'H200 141GB', gpuCount: 8, gpuMemoryGiB: 141,
    hourlyPrice: { 'ap-northeast-1': '106.0', 'ap-northeast-2': '117.024', 'ap-south-1': '101.76', 'ap-southeast-3': '117.024', 'us-east-1': '84.8', 'us-east-2': '84.8', 'us-west-1': '106.0', 'us-west-2': '84.8' },
    currency: 'USD', source: AWS_SKYPILOT_G,
  },
];

/** CoreWeave GPU classes (gpu.nvidia.com/class): one GPU each, priced per GPU-hour. */
export const COREWEAVE_GPU_CLASSES: readonly (readonly [label: string, model: string, memGiB: number, perGpuHour: string])[] = [
  ['H100_NVLINK_80GB', 'H100 80GB', 80, '4.78'],
  ['H100_PCIE', 'H100 80GB', 80, '4.25'],
  ['A100_NVLINK_80GB', 'A100 80GB', 80, '2.21'],
  ['A100_NVLINK', 'A100 40GB', 40, '2.06'],
  ['A100_PCIE_40GB', 'A100 40GB', 40, '2.06'],
  ['A100_PCIE_80GB', 'A100 80GB', 80, '2.21'],
  ['Tesla_V100_NVLINK', 'V100 16GB', 16, '0.80'],
  ['A40', 'A40 48GB', 48, '1.28'],
  ['RTX_A6000', 'RTX A6000 48GB', 48, '1.28'],
  ['RTX_A5000', 'RTX A5000 24GB', 24, '0.77'],
  ['RTX_A4000', 'RTX A4000 16GB', 16, '0.61'],
  ['Quadro_RTX_5000', 'RTX 5000 16GB', 16, '0.57'],
  ['Quadro_RTX_4000', 'RTX 4000 8GB', 8, '0.24'],
];

const coreweave: CatalogEntry[] = [
  ...COREWEAVE_GPU_CLASSES.map(([label, model, mem, price]): CatalogEntry => ({
    cloud: 'coreweave', instanceType: label, gpuModel: model, gpuCount: 1, gpuMemoryGiB: mem,
    hourlyPrice: { '*': price }, currency: 'USD', source: COREWEAVE_LEGACY,
  })),
  // Node types (instance price = per-GPU price x GPU count).
  {
    cloud: 'coreweave', instanceType: 'gd-8xh100ib-i128', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    hourlyPrice: { '*': decimalTimes('4.78', 8) }, currency: 'USD',
    source: `8x H100 HGX node with InfiniBand (instance type name as seen on CKS nodes); ${COREWEAVE_LEGACY} H100_NVLINK_80GB $4.78 x 8.`,
  },
  {
    cloud: 'coreweave', instanceType: 'gd-8xh200ib-i128', gpuModel: 'H200 141GB', gpuCount: 8, gpuMemoryGiB: 141,
    hourlyPrice: { '*': decimalTimes('6.31', 8) }, currency: 'USD', source: `8x H200 HGX node. ${COREWEAVE_ESTIMATE} ($6.31 per GPU-hour)`,
  },
  {
    cloud: 'coreweave', instanceType: 'gd-8xl40s-i128', gpuModel: 'L40S 48GB', gpuCount: 8, gpuMemoryGiB: 48,
    hourlyPrice: { '*': decimalTimes('2.25', 8) }, currency: 'USD', source: `8x L40S node. ${COREWEAVE_ESTIMATE} ($2.25 per GPU-hour)`,
  },
  {
    cloud: 'coreweave', instanceType: 'gd-1xgh200', gpuModel: 'GH200 96GB', gpuCount: 1, gpuMemoryGiB: 96,
    hourlyPrice: { '*': '6.50' }, currency: 'USD', source: `1x GH200 Grace Hopper node. ${COREWEAVE_ESTIMATE} ($6.50 per GPU-hour)`,
  },
];

/** Exact decimal times a small integer (no floats), keeping the decimal places of `price`. */
function decimalTimes(price: string, n: number): string {
  const [int, frac = ''] = price.split('.');
  const units = BigInt(`${int}${frac}`) * BigInt(n);
  if (frac.length === 0) return units.toString();
  const s = units.toString().padStart(frac.length + 1, '0');
  return `${s.slice(0, -frac.length)}.${s.slice(-frac.length)}`;
}

/** Every catalog entry, in cloud order. */
export const CATALOG_ENTRIES: readonly CatalogEntry[] = [...azure, ...gcp, ...oci, ...aws, ...coreweave];

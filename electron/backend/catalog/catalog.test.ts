import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../shared/domain';
import { catalogEntries, lookupGpuClass, lookupInstance, modelMemoryGiB, normaliseGpuModel } from './index';

describe('lookupInstance', () => {
  it('finds the 8x H100 Azure ND v5 with its eastus price', () => {
    expect(lookupInstance('azure', 'Standard_ND96isr_H100_v5', 'eastus')).toMatchObject({
      gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80, hourlyPrice: '98.32', currency: 'USD',
    });
  });

  it('prefers the region price over "*" and falls back to "*"', () => {
    expect(lookupInstance('gcp', 'a2-ultragpu-8g', 'europe-west4')?.hourlyPrice).toBe('44.647348');
    expect(lookupInstance('gcp', 'a2-ultragpu-8g', 'us-central1')?.hourlyPrice).toBe('40.550383');
    expect(lookupInstance('gcp', 'a2-ultragpu-8g', 'asia-east1')?.hourlyPrice).toBe('40.550383');
    expect(lookupInstance('oci', 'VM.GPU.A10.1', 'us-ashburn-1')?.hourlyPrice).toBe('2');
  });

  it('returns the shape with a null price where no price is known', () => {
    expect(lookupInstance('aws', 'p5.48xlarge', 'sa-east-1')).toMatchObject({ gpuCount: 8, hourlyPrice: null });
    expect(lookupInstance('oci', 'BM.GPU.H200.8', 'us-ashburn-1')).toMatchObject({ gpuModel: 'H200 141GB', hourlyPrice: null });
  });

  it('returns null for an instance type it does not know, and is case-insensitive', () => {
    expect(lookupInstance('azure', 'Standard_D4s_v5', 'eastus')).toBeNull();
    expect(lookupInstance('azure', 'standard_nd96isr_h100_v5', 'eastus')?.gpuCount).toBe(8);
    expect(lookupInstance('gcp', 'Standard_ND96isr_H100_v5', 'eastus')).toBeNull();
  });

  it('counts TPU chips as GPUs', () => {
    expect(lookupInstance('gcp', 'v5litepod-8', 'us-west4')).toMatchObject({ gpuModel: 'TPU v5e', gpuCount: 8, hourlyPrice: '9.60' });
    expect(lookupInstance('gcp', 'ct5lp-hightpu-4t', 'us-west4')?.gpuCount).toBe(4);
    expect(lookupInstance('gcp', 'v4-8', 'us-central2')).toMatchObject({ gpuModel: 'TPU v4', gpuCount: 4 });
  });

  it('covers the instance types the brief names', () => {
    const need: [Parameters<typeof lookupInstance>[0], string][] = [
      ['azure', 'Standard_ND96amsr_A100_v4'], ['azure', 'Standard_NC24ads_A100_v4'], ['azure', 'Standard_NC48ads_A100_v4'],
      ['azure', 'Standard_NC96ads_A100_v4'], ['azure', 'Standard_NC40ads_H100_v5'], ['azure', 'Standard_NV36ads_A10_v5'],
      ['gcp', 'a3-highgpu-8g'], ['gcp', 'a3-megagpu-8g'], ['gcp', 'a2-highgpu-4g'], ['gcp', 'g2-standard-96'],
      ['gcp', 'nvidia-tesla-t4'], ['gcp', 'nvidia-tesla-v100'], ['oci', 'BM.GPU.H100.8'], ['oci', 'BM.GPU.A100-v2.8'],
      ['oci', 'BM.GPU4.8'], ['oci', 'VM.GPU.A10.2'], ['oci', 'BM.GPU.A10.4'], ['aws', 'p4d.24xlarge'], ['aws', 'p4de.24xlarge'],
      ['coreweave', 'gd-8xh200ib-i128'], ['coreweave', 'gd-8xl40s-i128'], ['coreweave', 'gd-1xgh200'],
    ];
    for (const [cloud, type] of need) expect(lookupInstance(cloud, type, '*'), `${cloud} ${type}`).not.toBeNull();
    expect(lookupInstance('gcp', 'g2-standard-96', 'us-central1')?.gpuCount).toBe(8);
  });
});

describe('lookupGpuClass', () => {
  it('maps GFD product labels and CoreWeave classes to a model and a per-GPU price', () => {
    expect(lookupGpuClass('NVIDIA-H100-80GB-HBM3')).toMatchObject({ gpuModel: 'H100 80GB', gpuCount: 1, hourlyPrice: '4.78' });
    expect(lookupGpuClass('A100_NVLINK')).toMatchObject({ gpuModel: 'A100 40GB', hourlyPrice: '2.06' });
    expect(lookupGpuClass('NVIDIA-A40-SHARED')).toMatchObject({ gpuModel: 'A40 48GB', hourlyPrice: '1.28' });
  });

  it('knows the model but no price where the cloud does not price per GPU', () => {
    expect(lookupGpuClass('NVIDIA-L4', 'gcp')).toMatchObject({ gpuModel: 'L4 24GB', gpuMemoryGiB: 24, hourlyPrice: null });
    expect(lookupGpuClass('nvidia-tesla-t4', 'gcp')).toMatchObject({ gpuModel: 'T4 16GB', hourlyPrice: '0.35' });
  });

  it('returns null for a label that names no GPU', () => {
    expect(lookupGpuClass('cpu')).toBeNull();
  });
});

describe('normaliseGpuModel', () => {
  it.each([
    ['NVIDIA H100 80GB HBM3', 'H100 80GB'],
    ['nvidia-h100-80gb', 'H100 80GB'],
    ['H100_NVLINK_80GB', 'H100 80GB'],
    ['nvidia-h100-mega-80gb', 'H100 80GB'],
    ['NVIDIA H100 NVL', 'H100 NVL 94GB'],
    ['NVIDIA H200 Tensor Core GPUs 141 GB', 'H200 141GB'],
    // DCGM's modelName and GKE's accelerator label for Grace Blackwell: 186 GB of HBM3e per GPU, not B200's 180.
    ['NVIDIA GB200', 'GB200 186GB'],
    ['nvidia-gb200', 'GB200 186GB'],
    ['NVIDIA A100-SXM4-80GB', 'A100 80GB'],
    ['A100-80GB', 'A100 80GB'],
    ['nvidia-tesla-a100', 'A100 40GB'],
    ['A100_NVLINK', 'A100 40GB'],
    ['NVIDIA A10G', 'A10G 24GB'],
    ['NVIDIA A10 24 GB', 'A10 24GB'],
    ['nvidia-l4', 'L4 24GB'],
    ['NVIDIA L40S', 'L40S 48GB'],
    ['Tesla-V100-SXM2-16GB', 'V100 16GB'],
    ['V100-32GB', 'V100 32GB'],
    ['nvidia-tesla-t4', 'T4 16GB'],
    ['NVIDIA-RTX-4000-Ada-Generation', 'RTX 4000 Ada 20GB'],
    ['Quadro_RTX_4000', 'RTX 4000 8GB'],
    ['RTX_A6000', 'RTX A6000 48GB'],
    ['NVIDIA-A40-SHARED', 'A40 48GB'],
    ['GRID-A100-40C', 'A100 40GB'],
    ['v5litepod-8', 'TPU v5e'],
    ['tpu-v5-lite-podslice', 'TPU v5e'],
    ['ct5lp-hightpu-4t', 'TPU v5e'],
    ['tpu-v4-podslice', 'TPU v4'],
    ['v4-8', 'TPU v4'],
    ['MI300X 192 GB', 'MI300X 192GB'],
  ])('%s -> %s', (raw, want) => {
    expect(normaliseGpuModel(raw)).toBe(want);
  });

  it('gives GB200 the 186 GB per GPU its systems expose', () => {
    expect(modelMemoryGiB('GB200 186GB')).toBe(186);
  });

  it('uses the memory size where the name lacks it', () => {
    expect(normaliseGpuModel('A100', 81920)).toBe('A100 80GB');
    expect(normaliseGpuModel('A100', 40960)).toBe('A100 40GB');
    expect(normaliseGpuModel('V100', 32768)).toBe('V100 32GB');
  });

  it('keeps an unknown name, tidied, so it still groups', () => {
    expect(normaliseGpuModel('  Some_New  Accelerator ')).toBe('Some New Accelerator');
  });

  it('every catalog model is already normal', () => {
    for (const e of catalogEntries()) expect(normaliseGpuModel(e.gpuModel), e.gpuModel).toBe(e.gpuModel);
  });
});

describe('catalog entries', () => {
  it('every entry names its source and has valid decimal prices', () => {
    const seen = new Set<string>();
    for (const e of catalogEntries()) {
      const k = `${e.cloud}/${e.instanceType}`;
      expect(seen.has(k), `duplicate ${k}`).toBe(false);
      seen.add(k);
      expect(e.source.length, k).toBeGreaterThan(20);
      expect(e.currency).toBe('USD');
      expect(e.gpuCount).toBeGreaterThan(0);
      for (const [region, price] of Object.entries(e.hourlyPrice)) {
        expect(Decimal.safeParse(price).success, `${k} ${region} ${price}`).toBe(true);
        expect(BigInt(price.replace('.', '')) > 0n, `${k} ${region} positive`).toBe(true);
      }
    }
    expect(seen.size).toBeGreaterThan(60);
  });

  it('marks every estimate as such', () => {
    expect(lookupInstance('azure', 'Standard_NV36ads_A10_v5', 'eastus')?.source).toMatch(/ESTIMATE/);
    expect(lookupInstance('azure', 'Standard_ND96isr_H100_v5', 'eastus')?.source).toMatch(/https:\/\/azure\.microsoft\.com.*2026-11-09/);
  });
});

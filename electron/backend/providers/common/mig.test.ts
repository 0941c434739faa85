import { describe, expect, it } from 'vitest';
import { normaliseGpuModel } from '../../catalog';
import { maxInstancesPerGpu, migLayoutFromLabels } from './mig';

describe('MIG tables use the catalog model names', () => {
  it('knows the instances per GPU of every MIG-capable model by the name the catalog gives its GFD product', () => {
    for (const [product, profile, max] of [
      ['NVIDIA-A100-SXM4-40GB', '1g.5gb', 7],
      ['NVIDIA-A100-SXM4-80GB', '1g.10gb', 7],
      ['NVIDIA-H100-80GB-HBM3', '3g.40gb', 2],
      ['NVIDIA-H200', '1g.18gb', 7],
      ['NVIDIA-B200', '1g.23gb', 7],
      ['NVIDIA-B200', '3g.90gb', 2],
      ['NVIDIA-A30', '2g.12gb', 2],
    ] as const) {
      expect(maxInstancesPerGpu(normaliseGpuModel(product), profile), `${product} ${profile}`).toBe(max);
    }
  });

  it('counts B200 GPUs exactly from a single-strategy layout that fills every GPU', () => {
    const layout = migLayoutFromLabels({ 'nvidia.com/gpu.product': 'NVIDIA-B200-MIG-3g.90gb', 'nvidia.com/gpu.count': '16', 'nvidia.com/mig.config': 'all-3g.90gb' }, undefined);
    expect(layout).toMatchObject({ strategy: 'single', gpus: 8, uncertain: null });
  });
});

/**
 * MIG (Multi-Instance GPU) handling shared by the providers that read GPU feature discovery (GFD)
 * labels and dcgm-exporter series. A MIG-partitioned GPU is still one GPU (glossary): these helpers
 * turn MIG device counts back into physical GPUs and weigh MIG instances into their parent GPU.
 *
 * GFD label semantics (NVIDIA k8s-device-plugin, docs/gpu-feature-discovery and internal/lm):
 * - `single` strategy: `nvidia.com/gpu.count` is the number of MIG devices, `nvidia.com/gpu.product`
 *   is `<model>-MIG-<profile>` (or `<model>-MIG-INVALID` with count 0 when the layout is not uniform),
 *   `nvidia.com/gpu.memory` is one MIG device's memory, `nvidia.com/gpu.slices.gi` the profile's GPU
 *   instance slices.
 * - `mixed` strategy: `nvidia.com/gpu.count` and `.product` still describe the physical GPUs (MIG
 *   enabled or not), and each profile gets `nvidia.com/mig-<profile>.count` (capacity
 *   `nvidia.com/mig-<profile>`).
 * - `nvidia.com/mig.config` is the MIG manager's layout name (`all-1g.10gb`: every GPU holds the
 *   profile's maximum number of instances); it is absent where no MIG manager runs.
 */
import { normaliseGpuModel } from '../../catalog';

export type MigStrategy = 'single' | 'mixed';

/** What a node's labels say about its MIG layout, with the physical GPU count derived from it. */
export interface MigLayout {
  strategy: MigStrategy;
  /** The physical GPU's product label, without the MIG profile ("NVIDIA-H100-80GB-HBM3"). */
  physicalProduct: string | null;
  /** MIG devices per profile ("1g.10gb" -> 56). */
  devices: Record<string, number>;
  /** Physical GPUs: exact, or the lower bound described in `uncertain`. */
  gpus: number;
  /** Why `gpus` is only a lower bound (in the SRE's words); null when the labels tell it exactly. */
  uncertain: string | null;
}

/**
 * Maximum instances of each profile on one GPU (NVIDIA MIG user guide, supported profiles), by the
 * catalog's model name. Profile names repeat across models with different maxima (1g.10gb is 7 per
 * A100 80GB but 4 per A100 40GB), so the physical model picks the table.
 */
const MAX_INSTANCES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'A100 40GB': { '1g.5gb': 7, '1g.5gb+me': 1, '1g.10gb': 4, '2g.10gb': 3, '3g.20gb': 2, '4g.20gb': 1, '7g.40gb': 1 },
  'A100 80GB': { '1g.10gb': 7, '1g.10gb+me': 1, '1g.20gb': 4, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  'H100 80GB': { '1g.10gb': 7, '1g.10gb+me': 1, '1g.20gb': 4, '2g.20gb': 3, '3g.40gb': 2, '4g.40gb': 1, '7g.80gb': 1 },
  'H100 NVL 94GB': { '1g.12gb': 7, '1g.12gb+me': 1, '1g.24gb': 4, '2g.24gb': 3, '3g.47gb': 2, '4g.47gb': 1, '7g.94gb': 1 },
  'GH200 96GB': { '1g.12gb': 7, '1g.12gb+me': 1, '1g.24gb': 4, '2g.24gb': 3, '3g.48gb': 2, '4g.48gb': 1, '7g.96gb': 1 },
  'H200 141GB': { '1g.18gb': 7, '1g.18gb+me': 1, '1g.35gb': 4, '2g.35gb': 3, '3g.71gb': 2, '4g.71gb': 1, '7g.141gb': 1 },
  'B200 180GB': { '1g.23gb': 7, '1g.23gb+me': 1, '1g.45gb': 4, '2g.45gb': 3, '3g.90gb': 2, '4g.90gb': 1, '7g.180gb': 1 },
  A30: { '1g.6gb': 4, '1g.6gb+me': 1, '2g.12gb': 2, '2g.12gb+me': 1, '4g.24gb': 1 },
};

/** GPU instance slices of one whole GPU: 4 on the A30, 7 on every other MIG-capable GPU. */
function slicesPerGpu(model: string): number {
  return /\bA30\b/.test(model) ? 4 : 7;
}

/** GPU instance slices a profile takes ("3g.40gb" -> 3); null when the name is not a MIG profile. */
export function profileSlices(profile: string | undefined): number | null {
  const m = /^(\d+)g\./i.exec(profile ?? '');
  return m ? Number(m[1]) : null;
}

/** How many instances of `profile` one GPU of `model` holds at most; null when we do not know. */
export function maxInstancesPerGpu(model: string, profile: string): number | null {
  const p = profile.toLowerCase();
  const own = MAX_INSTANCES[model]?.[p];
  if (own !== undefined) return own;
  // A model the table does not name: only trust a profile whose maximum is the same on every GPU.
  const all = new Set(Object.values(MAX_INSTANCES).flatMap((t) => (t[p] === undefined ? [] : [t[p]])));
  return all.size === 1 ? ([...all][0] ?? null) : null;
}

function positiveInt(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value);
  return n > 0 ? n : null;
}

const MIG_PRODUCT = /^(.*)-MIG-(.+)$/i;

/**
 * The node's MIG layout from GFD labels and capacity; null when no GPU on it is MIG-partitioned.
 * Physical GPUs: `mixed` reads `nvidia.com/gpu.count` (GFD counts every physical GPU there);
 * `single` divides the MIG devices by the profile's instances per GPU, exact only when
 * `nvidia.com/mig.config` is `all-<profile>` (the layout that fills every GPU), else the smallest
 * count the devices fit on, marked uncertain.
 */
export function migLayoutFromLabels(labels: Readonly<Record<string, string>>, capacity: Readonly<Record<string, string>> | undefined): MigLayout | null {
  const product = labels['nvidia.com/gpu.product'];
  const strategyLabel = labels['nvidia.com/mig.strategy'];
  const config = labels['nvidia.com/mig.config'];
  const single = product ? MIG_PRODUCT.exec(product) : null;

  if (single && strategyLabel !== 'mixed') {
    const physicalProduct = single[1] ?? null;
    // Time-sliced MIG devices get GFD's -SHARED suffix; the profile is what precedes it.
    const profile = (single[2] ?? '').toLowerCase().replace(/-shared$/, '');
    const model = normaliseGpuModel(physicalProduct ?? '');
    const devices = positiveInt(labels['nvidia.com/gpu.count']) ?? positiveInt(capacity?.['nvidia.com/gpu']) ?? 0;
    if (profile === 'invalid' || devices === 0) {
      return {
        strategy: 'single',
        physicalProduct,
        devices: {},
        gpus: 1,
        uncertain: `GPU feature discovery reports MIG strategy single with a layout it cannot label (${product ?? 'no product'}): counted as at least 1 GPU`,
      };
    }
    const max = maxInstancesPerGpu(model, profile);
    const perGpu = max ?? (() => {
      const gi = positiveInt(labels['nvidia.com/gpu.slices.gi']) ?? profileSlices(profile);
      return gi ? Math.max(1, Math.floor(slicesPerGpu(model) / gi)) : null;
    })();
    const base = { strategy: 'single' as const, physicalProduct, devices: { [profile]: devices } };
    if (max !== null && devices % max === 0 && config === `all-${profile}`) return { ...base, gpus: devices / max, uncertain: null };
    if (perGpu === null) {
      return { ...base, gpus: 1, uncertain: `${devices} MIG devices of unknown profile ${profile} (MIG strategy single): counted as at least 1 GPU` };
    }
    const gpus = Math.ceil(devices / perGpu);
    const why =
      max === null
        ? `profile ${profile} is not one we know for ${model}, so at most ${perGpu} per GPU is assumed from its slices`
        : config === undefined
          ? `no nvidia.com/mig.config label says every GPU holds the maximum ${max}`
          : config !== `all-${profile}`
            ? `nvidia.com/mig.config "${config}" does not say how many share a GPU (at most ${max})`
            : `${devices} is not a multiple of ${max} per GPU`;
    return { ...base, gpus, uncertain: `${devices} MIG devices of profile ${profile} (MIG strategy single): ${why}; counted as at least ${gpus} GPU${gpus === 1 ? '' : 's'}` };
  }

  const devices: Record<string, number> = {};
  for (const [k, v] of Object.entries(labels)) {
    const m = /^nvidia\.com\/mig-(.+)\.count$/.exec(k);
    const n = positiveInt(v);
    if (m?.[1] && n !== null) devices[m[1].toLowerCase()] = n;
  }
  for (const [k, v] of Object.entries(capacity ?? {})) {
    const m = /^nvidia\.com\/mig-(.+)$/.exec(k);
    const n = positiveInt(v);
    if (m?.[1] && n !== null) devices[m[1].toLowerCase()] ??= n;
  }
  if (Object.keys(devices).length === 0) return null;
  const physicalProduct = product ?? null;
  const counted = positiveInt(labels['nvidia.com/gpu.count']);
  if (counted !== null) return { strategy: 'mixed', physicalProduct, devices, gpus: counted, uncertain: null };
  // No physical count: the fewest GPUs whose slices hold every MIG device.
  const model = normaliseGpuModel(physicalProduct ?? '');
  const slices = Object.entries(devices).reduce((s, [p, n]) => s + (profileSlices(p) ?? 1) * n, 0);
  const gpus = Math.max(1, Math.ceil(slices / slicesPerGpu(model)));
  const list = Object.entries(devices).map(([p, n]) => `${n} x ${p}`).join(', ');
  return { strategy: 'mixed', physicalProduct, devices, gpus, uncertain: `MIG devices ${list} (MIG strategy mixed) and no nvidia.com/gpu.count label: counted as at least ${gpus} GPU${gpus === 1 ? '' : 's'}` };
}

/** Weight of one dcgm-exporter series in its parent GPU: the MIG instance's GI slices, 1 without MIG. */
export function migInstanceWeight(metric: Readonly<Record<string, string>>): number {
  return profileSlices(metric.GPU_I_PROFILE) ?? 1;
}

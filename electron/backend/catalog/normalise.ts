/**
 * GPU model names arrive in many spellings: DCGM's modelName ("NVIDIA H100 80GB HBM3"), GFD node
 * labels ("NVIDIA-H100-80GB-HBM3", "Tesla-V100-SXM2-16GB", "NVIDIA-A40-SHARED"), Google accelerator
 * types ("nvidia-h100-80gb", "nvidia-tesla-t4"), CoreWeave classes ("H100_NVLINK_80GB"), SkyPilot
 * names ("A100-80GB") and TPU slice names ("v5litepod-8"). The pane groups by one name per model.
 */

/** Memory per GPU in GiB for each normalised model we name (used where the raw name lacks it). */
const MODEL_MEMORY_GIB: Readonly<Record<string, number>> = {
  // GB200 exposes 186 GB of HBM3e per GPU (Compute Engine A4X: 744 GB over 4 GPUs; MLCommons GB200 system descriptions: 186 GB).
  'GB200 186GB': 186,
  // HGX B200 systems expose 180 GB per GPU (Compute Engine A4: 1,440 GB over 8 GPUs; AWS P6 alike).
  'B200 180GB': 180,
  'GH200 96GB': 96,
  'H200 141GB': 141,
  'H100 80GB': 80,
  'H100 NVL 94GB': 94,
  'A100 80GB': 80,
  'A100 40GB': 40,
  'A10G 24GB': 24,
  'A10 24GB': 24,
  'A40 48GB': 48,
  'L40S 48GB': 48,
  'L40 48GB': 48,
  'L4 24GB': 24,
  'T4 16GB': 16,
  'V100 32GB': 32,
  'V100 16GB': 16,
  'P100 16GB': 16,
  'P4 8GB': 8,
  'K80 12GB': 12,
  'RTX A6000 48GB': 48,
  'RTX A5000 24GB': 24,
  'RTX A4000 16GB': 16,
  'RTX 5000 16GB': 16,
  'RTX 4000 8GB': 8,
  'RTX 4000 Ada 20GB': 20,
  'MI300X 192GB': 192,
  'RTX PRO 6000 96GB': 96,
  'TPU v2': 16,
  'TPU v3': 32,
  'TPU v4': 32,
  'TPU v5e': 16,
  'TPU v5p': 95,
  'TPU v6e': 32,
};

/** Memory per GPU (GiB) of a normalised model name, or null when the name is not one we know. */
export function modelMemoryGiB(model: string): number | null {
  return MODEL_MEMORY_GIB[model] ?? null;
}

function statedMemoryGb(tokens: string): number | null {
  const m = /\b(\d{2,3})\s?GB?\b/.exec(tokens);
  return m ? Number(m[1]) : null;
}

/**
 * One name per GPU model, e.g. "NVIDIA H100 80GB HBM3", "nvidia-h100-80gb" and "H100_NVLINK_80GB"
 * all become "H100 80GB". `memoryMiB` settles names that do not say their memory ("A100").
 * Unknown names come back trimmed, with runs of separators collapsed, so they still group.
 */
export function normaliseGpuModel(raw: string, memoryMiB?: number | null): string {
  const trimmed = raw.trim();
  // Separators become spaces; vendor words and sharing suffixes carry no model information.
  const t = ` ${trimmed.toUpperCase().replace(/[-_/,()]+/g, ' ')} `
    .replace(/\bSHARED\b/g, ' ')
    .replace(/\b(NVIDIA|TESLA|TENSOR CORE GPUS?|GPUS?|AMD|INSTINCT|GRID)\b/g, ' ')
    .replace(/\s+/g, ' ');
  const gb = statedMemoryGb(t);
  const memGb = gb ?? (memoryMiB != null && memoryMiB > 0 ? memoryMiB / 1024 : null);

  // TPUs first: their names contain digits that look like NVIDIA parts ("v4", "v5").
  if (/\b(V5 ?LITE ?POD|V5LITEPOD|V5 ?LITE|V5E|CT5LP|TPU V5 LITE)\b/.test(t)) return 'TPU v5e';
  if (/\b(V5P|CT5P)\b/.test(t)) return 'TPU v5p';
  if (/\b(V6E|CT6E)\b/.test(t)) return 'TPU v6e';
  if (/\bTPU V4\b|\bV4 PODSLICE\b|\bCT4P\b|^ V4 \d+ $/.test(t)) return 'TPU v4';

  if (/\bGB200\b/.test(t)) return 'GB200 186GB';
  if (/\bB200\b/.test(t)) return 'B200 180GB';
  if (/\bGH200\b/.test(t)) return 'GH200 96GB';
  if (/\bH200\b/.test(t)) return 'H200 141GB';
  if (/\bH100\b/.test(t)) {
    if (/\bNVL\b/.test(t) || gb === 94 || gb === 96) return 'H100 NVL 94GB';
    return 'H100 80GB';
  }
  if (/\bA100\b/.test(t)) return memGb != null && memGb > 45 ? 'A100 80GB' : 'A100 40GB';
  if (/\bA10G\b/.test(t)) return 'A10G 24GB';
  if (/\bA10\b/.test(t)) return 'A10 24GB';
  if (/\bA40\b/.test(t)) return 'A40 48GB';
  if (/\bL40S\b/.test(t)) return 'L40S 48GB';
  if (/\bL40\b/.test(t)) return 'L40 48GB';
  if (/\bL4\b/.test(t)) return 'L4 24GB';
  if (/\bT4\b/.test(t)) return 'T4 16GB';
  if (/\bV100\b/.test(t)) return memGb != null && memGb > 20 ? 'V100 32GB' : 'V100 16GB';
  if (/\bP100\b/.test(t)) return 'P100 16GB';
  if (/\bP4\b/.test(t)) return 'P4 8GB';
  if (/\bK80\b/.test(t)) return 'K80 12GB';
  if (/\bRTX PRO 6000\b/.test(t)) return 'RTX PRO 6000 96GB';
  if (/\bRTX ?A6000\b/.test(t)) return 'RTX A6000 48GB';
  if (/\bRTX ?A5000\b/.test(t)) return 'RTX A5000 24GB';
  if (/\bRTX ?A4000\b/.test(t)) return 'RTX A4000 16GB';
  if (/\bRTX 4000 ADA\b/.test(t)) return 'RTX 4000 Ada 20GB';
  if (/\bRTX 5000\b/.test(t)) return 'RTX 5000 16GB';
  if (/\bRTX 4000\b/.test(t)) return 'RTX 4000 8GB';
  if (/\bMI300X\b/.test(t)) return 'MI300X 192GB';
  return trimmed.replace(/[\s_]+/g, ' ');
}

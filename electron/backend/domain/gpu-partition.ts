/** Partial GPUs: a machine's device that is a share of one physical GPU (AWS g6f, Azure NVadsA10 v5). */

/** 0.125 -> "1/8": the slice as the clouds name it; a share that is no unit fraction as a decimal. */
export function partitionLabel(partition: number): string {
  const d = Math.round(1 / partition);
  return Math.abs(1 / d - partition) < 1e-6 ? `1/${d}` : String(Number(partition.toFixed(4)));
}

/** The model line of a slice: the whole GPU's model and the share, so slices never merge with whole GPUs. */
export function slicedModel(wholeModel: string, partition: number): string {
  return `${wholeModel} ${partitionLabel(partition)}`;
}

/**
 * How utilisation is averaged (glossary). A GPU's utilisation over a window is the mean of all its
 * samples there, whatever series they came in (merged by GPU before the store sees them). A fleet
 * average is the mean over GPUs that have samples in the window: not over machines, not over series,
 * and a GPU without samples neither counts as 0 nor weighs in. The TypeScript functions and the SQL
 * fragments below are the same rule; store/fleet-utilisation.test.ts runs both over the same samples.
 */

/** A GPU's mean over a window: the mean of all its samples; null without any. */
export function gpuMean(samples: readonly (number | null)[]): number | null {
  const measured = samples.filter((s): s is number => s !== null);
  return measured.length === 0 ? null : measured.reduce((a, b) => a + b, 0) / measured.length;
}

/** The fleet's mean: over GPUs with samples, each GPU weighing the same; null when none has any. */
export function fleetMean(gpuMeans: readonly (number | null)[]): number | null {
  return gpuMean(gpuMeans);
}

/**
 * SQL aggregate: a GPU's mean from partial sums of its samples (raw samples as sum = value, count = 1;
 * rollups as util_sum, util_count), so a window read from several parts equals one over raw samples;
 * `where` keeps only the rows of one window.
 */
export function gpuMeanSql(sumColumn: string, countColumn: string, where?: string): string {
  const only = where === undefined ? '' : ` FILTER (WHERE ${where})`;
  return `sum(${sumColumn})${only} / sum(${countColumn})${only}`;
}

/** SQL aggregate: the fleet's mean over per-GPU means (one row per GPU); NULL means skip that GPU. */
export function fleetMeanSql(gpuMeanColumn: string): string {
  return `avg(${gpuMeanColumn})`;
}

/**
 * SQL aggregate: the fleet's mean from partial fleet sums (fleet_5m / fleet_1h rows: the sum of the
 * GPU means of a group and the number of GPUs in it), equal to fleetMeanSql over all their GPUs.
 */
export function fleetMeanOfSumsSql(gpuMeanSumColumn: string, gpusColumn: string): string {
  return `sum(${gpuMeanSumColumn}) / sum(${gpusColumn})`;
}

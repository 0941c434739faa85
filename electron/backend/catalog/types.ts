/** The GPU catalog: instance type -> GPU model, count, memory and list price. */
import type { CloudId } from '../../../shared/domain';

/** One instance type as the catalog knows it. */
export interface CatalogEntry {
  cloud: CloudId;
  instanceType: string;
  /** Normalised GPU model name, e.g. "H100 80GB", "A100 80GB", "TPU v5e". */
  gpuModel: string;
  gpuCount: number;
  /** Memory per GPU in GiB. */
  gpuMemoryGiB: number;
  /** On-demand price of the whole instance per hour by region ("*" = any region), exact decimal. */
  hourlyPrice: Readonly<Record<string, string>>;
  currency: string;
  /** Where the facts come from (URL or dataset and its date). */
  source: string;
}

/** The price and shape of one instance type in one region, or null when the catalog lacks it. */
export interface CatalogLookup {
  gpuModel: string;
  gpuCount: number;
  gpuMemoryGiB: number;
  /** null when the catalog knows the shape but has no price for the region. */
  hourlyPrice: string | null;
  currency: string;
  source: string;
}

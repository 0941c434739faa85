/** Words for what the pane cannot tell about a machine, shared by the machine table and the accounts screen. */
import type { MachineGap } from '../../../shared/contract';

/** The short label of each kind of gap, as the cloud cards count them. */
export const GAP_LABELS: Readonly<Record<MachineGap['kind'], string>> = {
  metrics: 'no metrics',
  price: 'no price',
  placement: 'unplaced',
};

/** A machine's gaps in one line: "no metrics: no GPU sample in the last 30 minutes; no price: ...". */
export function gapsLine(gaps: readonly Pick<MachineGap, 'kind' | 'reason'>[]): string {
  return gaps.map((g) => `${GAP_LABELS[g.kind]}: ${g.reason}`).join('; ');
}

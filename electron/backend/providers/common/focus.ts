/** Provider-neutral pieces of FOCUS cost rows. */

/** The FOCUS billing period holding `ms`: its UTC calendar month, as ISO instants [start, end). */
export function billingMonthOf(ms: number): { start: string; end: string } {
  const d = new Date(ms);
  return {
    start: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString(),
    end: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString(),
  };
}

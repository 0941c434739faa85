import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../../shared/contract-spend';
import { decodeReportQuery, encodeReportQuery } from './report-link';
import { presetPeriod } from './period';

describe('report route query', () => {
  it('round-trips a query with non-ASCII text and refuses garbage', () => {
    const query = CostReportQuery.parse({ title: 'Dépenses — GPU', from: '2026-10-01', to: '2026-10-31', groupBy: ['cloud', 'tag:team'], filter: { tags: { team: ['ml'] } } });
    expect(decodeReportQuery(encodeReportQuery(query))).toEqual(query);
    expect(decodeReportQuery('not-base64!')).toBeNull();
    expect(decodeReportQuery(encodeReportQuery({ ...query, from: 'yesterday' } as CostReportQuery))).toBeNull();
  });

  it('periods are whole UTC days', () => {
    const now = new Date('2026-03-05T10:00:00Z');
    expect(presetPeriod('month-to-date', now)).toEqual({ from: '2026-03-01', to: '2026-03-05' });
    expect(presetPeriod('previous-month', now)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    // Thirty whole days ending yesterday, as a saved "last 30 days" report covers (shared/period.ts).
    expect(presetPeriod('last-30-days', now)).toEqual({ from: '2026-02-03', to: '2026-03-04' });
  });
});

import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import type { ResponseOf, SeriesOrigin } from '../../../shared/contract';
import { AS_OF, hourlySeries, resourceRow } from '../testing/fixtures';
import { renderWithApi } from '../testing/render';
import { DEFAULT_PARAMS } from '../routing/route';
import { ResourcePage } from './resource-page';

function detail(seriesOrigin?: SeriesOrigin): ResponseOf<'fleet:resource'> {
  const row = resourceRow();
  return {
    asOf: AS_OF,
    stepMs: 60_000,
    resource: { ...row, kind: 'vm', gpuMemoryGiB: 80, healthReason: null, tags: {}, gpuUuids: ['GPU-0'], gpuCount: 1 },
    gpus: [{ index: 0, uuid: 'GPU-0', state: 'busy', utilisation30m: 88, xidErrors30m: 0, lastSampleAt: AS_OF }],
    series: [hourlySeries('0', 'GPU 0', [80, 90])],
    ...(seriesOrigin ? { seriesOrigin } : {}),
    incidents: [],
  };
}

async function page(origin?: SeriesOrigin): Promise<HTMLElement> {
  renderWithApi(<ResourcePage account="prod-k8s" id="node-1" params={{ ...DEFAULT_PARAMS, range: '1h' }} />, {
    'fleet:resource': () => detail(origin),
  });
  return screen.findByTestId('resource-page');
}

describe('ResourcePage, where the minutes came from', () => {
  it('names the metrics source when the minutes were asked of it, not stored here', async () => {
    const p = await page({ source: 'source', sourceName: 'Prometheus at prom.example:9090', unreachable: null });
    expect(within(p).getByTestId('series-origin').textContent).toBe('Minutes from Prometheus at prom.example:9090, not stored here');
  });

  it('says the stored 5-minute rollups are shown, and why, when the source could not be reached', async () => {
    const p = await page({ source: 'store', sourceName: null, unreachable: 'Prometheus at prom.example:9090 is unavailable' });
    const line = within(p).getByRole('status');
    expect(line.textContent).toContain('Showing the 5-minute rollups stored here');
    expect(line.textContent).toContain('Prometheus at prom.example:9090 is unavailable');
    expect(within(p).getByTestId('gpu-utilisation-chart').getAttribute('data-series-count')).toBe('1');
  });

  it('says nothing of a source for a machine whose minutes are stored here', async () => {
    const p = await page({ source: 'store', sourceName: null, unreachable: null });
    expect(within(p).queryByTestId('series-origin')).toBeNull();
  });
});

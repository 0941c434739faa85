/**
 * GPU machines held in memory: sorted in the browser, and virtualized so 10,000 GPUs cost a
 * screenful of rows. The pane's tables page through the backend instead (machine-table.tsx); this
 * one is the whole-fleet path they replaced, still reachable to compare them (`#/machines?rows=all`).
 * It stays a real <table> (spacer rows above and below the window) so headers and cells keep
 * their semantics for screen readers and axe.
 */
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { MachineSortKey, ResourceRow, SortDirection } from '../../../shared/contract';
import { formatMoney, formatPercent } from '../../../shared/format';
import type { GpuState } from '../../../shared/domain';
import { openInApp } from '../lib/open-link';
import { gapsLine } from './coverage';
import { StateTag, STATE_ORDER } from './gpu-states';

export type SortKey = MachineSortKey;
export type { SortDirection };
export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

/** The machine table's columns, in order (the paged table shares them). */
export const COLUMNS: readonly { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'name', label: 'Name' },
  { key: 'region', label: 'Region' },
  { key: 'instanceType', label: 'Instance type' },
  { key: 'gpuModel', label: 'GPU model' },
  { key: 'gpuCount', label: 'GPUs', numeric: true },
  { key: 'states', label: 'States' },
  { key: 'utilisation30m', label: 'Util 30m', numeric: true },
  { key: 'hourlyPrice', label: '$/h', numeric: true },
  { key: 'health', label: 'Health' },
  { key: 'coverage', label: 'Not measured, priced or placed' },
];

const HEALTH_RANK = { unavailable: 0, degraded: 1, unknown: 2, ok: 3 } as const;
export const ROW_HEIGHT = 40;

// Machines with trouble sort first under "states": unhealthy, then unknown, then idle.
function stateRank(r: ResourceRow): number {
  return r.states.unhealthy * 1e6 + r.states.unknown * 1e4 + r.states.idle * 1e2 + r.states.stopped;
}

type Value = string | number | null;
function sortValue(r: ResourceRow, key: SortKey): Value {
  switch (key) {
    case 'name':
    case 'region':
    case 'instanceType':
    case 'gpuModel':
      return r[key].toLowerCase();
    case 'gpuCount':
      return r.gpuCount;
    case 'states':
      return stateRank(r);
    case 'utilisation30m':
      return r.utilisation30m;
    case 'hourlyPrice':
      // Ordering only, never summed: a float is fine here.
      return r.hourlyPrice === null ? null : Number(r.hourlyPrice);
    case 'health':
      return HEALTH_RANK[r.health];
    case 'coverage':
      // Machines with nothing missing have nothing to sort by: they go last.
      return r.coverageGaps.length === 0 ? null : r.coverageGaps.length;
  }
}

/** Sorts rows by a column; unmeasured values (null) always go last, ties keep name order. */
export function sortResources(rows: readonly ResourceRow[], sort: SortState): ResourceRow[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) {
      if (va === vb) return a.name.localeCompare(b.name);
      return va === null ? 1 : -1;
    }
    const cmp = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return cmp !== 0 ? sign * cmp : a.name.localeCompare(b.name);
  });
}

/** What clicking `key`'s header does: flip its direction, or sort by it (numbers largest first). */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  const largestFirst = key === 'utilisation30m' || key === 'hourlyPrice' || key === 'gpuCount' || key === 'coverage';
  return { key, direction: largestFirst ? 'descending' : 'ascending' };
}

function StatesCell({ states }: { states: Record<GpuState, number> }): ReactNode {
  const parts = STATE_ORDER.filter((s) => states[s] > 0);
  if (parts.length === 0) return <span className="muted">—</span>;
  return (
    <span className="states-cell">
      {parts.map((s) => (
        <StateTag key={s} state={s} count={states[s]} />
      ))}
    </span>
  );
}

/** Stands in for the rows scrolled out of view above or below (nothing when `height` is 0). */
export function SpacerRow({ height }: { height: number }): ReactNode {
  if (height <= 0) return null;
  return (
    <tr aria-hidden="true" className="spacer">
      <td colSpan={COLUMNS.length} style={{ height }} />
    </tr>
  );
}

/** The header row: each column a sort button, its th carrying aria-sort. */
export function SortHeaders({ sort, onSort }: { sort: SortState; onSort: (key: SortKey) => void }): ReactNode {
  return (
    <thead>
      <tr aria-rowindex={1}>
        {COLUMNS.map((c) => (
          <th key={c.key} scope="col" className={c.numeric === true ? 'num' : undefined} aria-sort={sort.key === c.key ? sort.direction : 'none'}>
            <button type="button" className="sort-button" data-testid={`sort-${c.key}`} onClick={() => onSort(c.key)}>
              {c.label}
              <span className="sort-button__mark" aria-hidden="true">
                {sort.key === c.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}
              </span>
            </button>
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** One machine's cells: its name (a link to the machine) as the row header, then the columns. */
export function MachineCells({ row: r, href, onOpen }: { row: ResourceRow; href: string; onOpen: () => void }): ReactNode {
  return (
    <>
      <th scope="row" className="data-table__name">
        <a href={href} className="stretched-link" onClick={openInApp(onOpen)}>
          {r.name}
        </a>
        {r.demo ? <span className="badge badge--demo badge--small">demo</span> : null}
      </th>
      <td>{r.region}</td>
      <td>{r.instanceType}</td>
      <td>{r.gpuModel}</td>
      <td className="num">{r.gpuCount}</td>
      <td>
        <StatesCell states={r.states} />
      </td>
      <td className="num" data-testid="row-util">
        {formatPercent(r.utilisation30m)}
      </td>
      <td className="num">{r.hourlyPrice === null ? '—' : formatMoney(r.hourlyPrice, r.currency)}</td>
      <td>
        <span className={`health health--${r.health}`}>{r.health}</span>
      </td>
      <td data-testid="row-coverage" className="data-table__coverage">
        {r.coverageGaps.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <span title={gapsLine(r.coverageGaps)}>
            <span aria-hidden="true">⚠ </span>
            {gapsLine(r.coverageGaps)}
          </span>
        )}
      </td>
    </>
  );
}

export interface ResourceTableProps {
  rows: readonly ResourceRow[];
  caption: string;
  hrefFor: (row: ResourceRow) => string;
  onOpen: (row: ResourceRow) => void;
  initialSort?: SortState;
}

/** Sortable by clicking a header (a button: Enter and Space work); each row links to its machine. */
export function ResourceTable({ rows, caption, hrefFor, onOpen, initialSort }: ResourceTableProps): ReactNode {
  const [sort, setSort] = useState<SortState>(initialSort ?? { key: 'name', direction: 'ascending' });
  const sorted = useMemo(() => sortResources(rows, sort), [rows, sort]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1000, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0) : 0;

  const toggle = (key: SortKey): void => setSort((s) => nextSort(s, key));

  return (
    <div className="table-scroll" ref={scrollRef} tabIndex={0} role="region" aria-label={caption} data-testid="resource-table-scroll">
      <table className="data-table" data-testid="resource-table" aria-rowcount={sorted.length + 1}>
        <caption className="visually-hidden">
          {caption}, sorted by {COLUMNS.find((c) => c.key === sort.key)?.label} {sort.direction}
        </caption>
        <SortHeaders sort={sort} onSort={toggle} />
        <tbody>
          <SpacerRow height={padTop} />
          {items.map((item) => {
            const r = sorted[item.index];
            if (r === undefined) return null;
            return (
              <tr
                key={`${r.account}:${r.id}`}
                className="data-table__row"
                aria-rowindex={item.index + 2}
                data-testid="resource-row"
                data-resource-id={r.id}
              >
                <MachineCells row={r} href={hrefFor(r)} onOpen={() => onOpen(r)} />
              </tr>
            );
          })}
          <SpacerRow height={padBottom} />
        </tbody>
      </table>
    </div>
  );
}

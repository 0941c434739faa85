/**
 * The machine table for fleets of any size: the backend sorts, filters and counts (`fleet:machines`),
 * and the table asks only for the windows of rows it shows, so 12,500 machines never cross IPC, get
 * parsed or sorted at once, and scrolling never blocks the page: a few rows mount in full per task,
 * the rest of a fast-moving screen shows names only for a task or two. It stays a real <table> with
 * spacer rows (as resource-table.tsx) and moves through rows from the keyboard: arrows, Page Up/Down,
 * Home and End.
 */
import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useQueries } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { FleetFilter, ResourceRow } from '../../../shared/contract';
import { machinesQuery } from '../api/queries';
import { EmptyState, ErrorState, LoadingSkeleton } from './status';
import { COLUMNS, MachineCells, nextSort, ROW_HEIGHT, SortHeaders, SpacerRow, type SortKey, type SortState } from './resource-table';

/** Rows per request: a few screens, so a scroll asks rarely and each answer is small. */
export const WINDOW_ROWS = 100;
/**
 * Rows that may mount in full per task (each has a link, ten cells and state tags); the rest of a
 * screen shows skim rows for the next few tasks. A wheel step brings in fewer than this. In the
 * bench, 6 (against 12 or all) halved the main-thread CPU of a scroll through cached windows.
 */
export const FULL_ROWS_PER_TASK = 6;
/** Typing settles this long before the backend is asked. */
const TEXT_DEBOUNCE_MS = 200;

export interface MachineTableProps {
  /** What the table lists, e.g. "Microsoft Azure GPU machines". */
  caption: string;
  filter: FleetFilter;
  /** Only one overview entry's machines; every machine when absent. */
  cloudKey?: string;
  asOf?: string;
  hrefFor: (row: ResourceRow) => string;
  onOpen: (row: ResourceRow) => void;
  onClearFilters?: () => void;
  initialSort?: SortState;
}

function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The windows covering rows first..last (always the first window, which carries the count). */
function windowsFor(first: number, last: number): number[] {
  const from = Math.floor(Math.max(0, first) / WINDOW_ROWS);
  const to = Math.floor(Math.max(0, last) / WINDOW_ROWS);
  const list = [0];
  for (let w = Math.max(1, from); w <= to; w++) list.push(w);
  return list;
}

/** One machine's row; memoised so a scroll renders only the rows that come into view. */
const MachineRow = memo(function MachineRow({
  row,
  index,
  active,
  href,
  onOpen,
}: {
  row: ResourceRow;
  index: number;
  active: boolean;
  href: string;
  onOpen: (row: ResourceRow) => void;
}): ReactNode {
  return (
    <tr
      className={active ? 'data-table__row data-table__row--active' : 'data-table__row'}
      aria-rowindex={index + 2}
      data-testid="resource-row"
      data-resource-id={row.id}
    >
      <MachineCells row={row} href={href} onOpen={() => onOpen(row)} />
    </tr>
  );
});

/**
 * A row position in the virtual window and what it shows there: the machine's full row, a skim row
 * (its name only, until a later task has room for its cells) or, with no machine, "Loading…".
 */
export interface Slot {
  index: number;
  row: ResourceRow | undefined;
  full: boolean;
}

const rowKey = (row: ResourceRow): string => `${row.account}:${row.id}`;

/**
 * Plans which rows render in full in this render: rows already full stay full, and at most `budget`
 * more (the active row first, then top down) join them; the others are skimmed. So a fling or a
 * jump across the fleet mounts a bounded number of full rows per task instead of a screenful.
 */
export function planSlots(
  positions: readonly { index: number; row: ResourceRow | undefined }[],
  wasFull: ReadonlySet<string>,
  active: number | null,
  budget: number,
): Slot[] {
  let left = budget;
  const full = new Set<number>();
  // Rows already full stay so without spending the budget, whichever pass reaches them.
  const take = (index: number, row: ResourceRow | undefined): void => {
    if (row === undefined || full.has(index)) return;
    if (wasFull.has(rowKey(row))) full.add(index);
    else if (left > 0) {
      left -= 1;
      full.add(index);
    }
  };
  const activeSlot = positions.find((s) => s.index === active);
  if (activeSlot !== undefined) take(activeSlot.index, activeSlot.row);
  for (const s of positions) take(s.index, s.row);
  return positions.map((s) => ({ ...s, full: full.has(s.index) }));
}

/** The rows in the virtual window with the spacers that stand for the rows above and below. */
function MachineRows({
  slots,
  totalRows,
  active,
  hrefFor,
  onOpen,
}: {
  slots: Slot[];
  totalRows: number;
  active: number | null;
  hrefFor: (row: ResourceRow) => string;
  onOpen: (row: ResourceRow) => void;
}): ReactNode {
  const firstIndex = slots[0]?.index ?? 0;
  const lastIndex = slots[slots.length - 1]?.index ?? -1;
  const padTop = firstIndex * ROW_HEIGHT;
  const padBottom = slots.length > 0 ? Math.max(0, (totalRows - lastIndex - 1) * ROW_HEIGHT) : 0;
  return (
    <tbody>
      <SpacerRow height={padTop} />
      {slots.map(({ index, row, full }) => {
        if (row === undefined) {
          return (
            <tr key={`pending-${index}`} aria-rowindex={index + 2} className="data-table__row data-table__row--pending" data-testid="pending-row">
              <td colSpan={COLUMNS.length} className="muted">
                Loading…
              </td>
            </tr>
          );
        }
        if (!full) {
          // One cell, no link: a few nodes where a full row has dozens.
          return (
            <tr key={`skim-${rowKey(row)}`} aria-rowindex={index + 2} className="data-table__row data-table__row--skim" data-testid="skim-row">
              <td colSpan={COLUMNS.length}>{row.name}</td>
            </tr>
          );
        }
        return <MachineRow key={rowKey(row)} row={row} index={index} active={index === active} href={hrefFor(row)} onOpen={onOpen} />;
      })}
      <SpacerRow height={padBottom} />
    </tbody>
  );
}

/** Sortable, filterable, paged: each header a sort button, each row a link to its machine. */
export function MachineTable({ caption, filter, cloudKey, asOf, hrefFor, onOpen, onClearFilters, initialSort }: MachineTableProps): ReactNode {
  const [sort, setSort] = useState<SortState>(initialSort ?? { key: 'name', direction: 'ascending' });
  const [typed, setTyped] = useState('');
  const text = useDebounced(typed, TEXT_DEBOUNCE_MS).trim();
  const selection = { filter, ...(cloudKey === undefined ? {} : { cloudKey }), text, sort, ...(asOf === undefined ? {} : { asOf }) };
  // The last count answered (with its GPUs and the text it matched) sizes the scroll area while a new
  // order or filter loads, so the table keeps its place on screen instead of collapsing to a spinner.
  const [summary, setSummary] = useState<{ total: number; gpus: number; text: string } | null>(null);
  const total = summary?.total ?? null;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState<number | null>(null);
  // Rows keep one onOpen across renders (the page's may be a new closure each time).
  const onOpenRef = useRef(onOpen);
  onOpenRef.current = onOpen;
  const openRow = useCallback((row: ResourceRow) => onOpenRef.current(row), []);
  const hrefForRef = useRef(hrefFor);
  hrefForRef.current = hrefFor;
  const hrefOf = useCallback((row: ResourceRow) => hrefForRef.current(row), []);

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // A few rows beyond the screen: enough for arrow keys and wheel steps, few to mount per scroll frame.
    overscan: 4,
    initialRect: { width: 1000, height: 600 },
    // A scroll renders the new rows in a task of React's own, not inside the scroll event: with
    // flushSync the frame's task held the render, layout and paint at once (25-30 ms of CPU, over
    // 50 ms on a busy machine).
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const windows = windowsFor(items[0]?.index ?? 0, items[items.length - 1]?.index ?? 0);
  const answers = useQueries({
    queries: windows.map((w) => machinesQuery(selection, w * WINDOW_ROWS, WINDOW_ROWS)),
  });
  const first = answers[0];
  // The first window of the current selection, once answered: it carries the count.
  const current = first?.data;
  useEffect(() => {
    if (current === undefined) return;
    setSummary({ total: current.total, gpus: current.gpus, text });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the text belongs to the answer it came with
  }, [current]);

  // A new order or filter starts at the top, as a new list.
  const selectionId = JSON.stringify([sort, text, filter, cloudKey, asOf]);
  useEffect(() => {
    setActive(null);
    scrollRef.current?.scrollTo?.({ top: 0 });
  }, [selectionId]);

  // The count of what is on screen: the answer's own as soon as it comes (`total` catches up after
  // this render). A shorter answer then leaves no rows of the last one below its end, where they
  // showed machines the answer holds too: twice on screen, and two rows with one key for React.
  const rowCount = current?.total ?? total;
  // The rows last on screen, by position: while a new order or filter loads, they stay (the table
  // is marked busy) instead of every row flashing to "Loading…" and back.
  const shown = useRef(new Map<number, ResourceRow>());
  const rowAt = (index: number): ResourceRow | undefined => {
    const w = Math.floor(index / WINDOW_ROWS);
    const answer = answers[windows.indexOf(w)]?.data;
    return answer?.rows[index - w * WINDOW_ROWS];
  };
  const onScreen = new Map<number, ResourceRow>();
  const positions = items
    .filter((item) => rowCount === null || item.index < rowCount)
    .map((item) => {
      const row = rowAt(item.index) ?? shown.current.get(item.index);
      if (row !== undefined) onScreen.set(item.index, row);
      return { index: item.index, row };
    });
  useEffect(() => {
    shown.current = onScreen;
  });
  // Rows mount in full a budget at a time; with skim rows left, the next budget goes in a task of
  // its own (not the same frame, where it would add to the scroll's work).
  const fullKeys = useRef<ReadonlySet<string>>(new Set());
  const slots = planSlots(positions, fullKeys.current, active, FULL_ROWS_PER_TASK);
  const skimming = slots.some((s) => s.row !== undefined && !s.full);
  const [, nextBudget] = useState(0);
  useEffect(() => {
    fullKeys.current = new Set(slots.flatMap((s) => (s.full && s.row !== undefined ? [rowKey(s.row)] : [])));
    if (!skimming) return;
    const task = setTimeout(() => nextBudget((n) => n + 1), 0);
    return () => clearTimeout(task);
  });

  // Keyboard: move the active row and keep it focused once its full row (and link) is on screen.
  const activeShown = active === null ? undefined : slots.find((s) => s.index === active && s.full)?.row;
  useEffect(() => {
    if (active === null || activeShown === undefined) return;
    const link = scrollRef.current?.querySelector<HTMLAnchorElement>(`tr[aria-rowindex="${active + 2}"] a`);
    if (link !== null && link !== undefined && document.activeElement !== link) link.focus({ preventScroll: true });
  }, [active, activeShown]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const count = total ?? 0;
    const target = event.target as HTMLElement;
    // Header buttons and anything outside the rows keep their own keys.
    if (count === 0 || (target !== scrollRef.current && target.closest('tbody') === null)) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1);
    // From the row holding focus; from the container, the first arrow lands on the top row.
    const focusedRow = Number(target.closest('tr')?.getAttribute('aria-rowindex') ?? NaN) - 2;
    const onRow = Number.isInteger(focusedRow) && focusedRow >= 0;
    const from = onRow ? focusedRow : (virtualizer.getVirtualItems()[0]?.index ?? 0);
    const moves: Record<string, number> = {
      ArrowDown: from + (onRow ? 1 : 0),
      ArrowUp: from - 1,
      PageDown: from + page,
      PageUp: from - page,
      Home: 0,
      End: count - 1,
    };
    const to = moves[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = Math.min(count - 1, Math.max(0, to));
    setActive(next);
    revealRow(next);
  };

  // Scrolls just enough to show row `index` below the sticky header (the browser's scroll event
  // then moves the virtual window; done by hand so the row is placed the same way every time).
  const revealRow = (index: number): void => {
    const el = scrollRef.current;
    if (el === null) return;
    const header = el.querySelector('thead')?.getBoundingClientRect().height ?? 0;
    const top = header + index * ROW_HEIGHT;
    const view = el.clientHeight;
    if (top - header < el.scrollTop) el.scrollTop = top - header;
    else if (top + ROW_HEIGHT > el.scrollTop + view) el.scrollTop = top + ROW_HEIGHT - view;
  };

  const filterLabel = `Filter ${caption}`;
  const search = (
    <div className="machine-table__tools">
      <label className="machine-table__search">
        <span>Find machines</span>{' '}
        <input
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-label={filterLabel}
          placeholder="name, id, region, GPU model or tag"
          data-testid="machine-filter"
        />
      </label>
      {summary !== null ? (
        <p className="muted" data-testid="resources-summary" aria-live="polite">
          {summary.total} {summary.total === 1 ? 'machine' : 'machines'}, {summary.gpus} GPUs
          {summary.text !== '' ? ` matching “${summary.text}”` : ''}
        </p>
      ) : null}
    </div>
  );

  let body: ReactNode;
  const failed = answers.find((a) => a.isError);
  if (failed !== undefined && total === null) {
    body = <ErrorState title={`Could not load ${caption}.`} error={failed.error} onRetry={() => answers.forEach((a) => void a.refetch())} />;
  } else if (total === null) {
    body = <LoadingSkeleton label={`Loading ${caption}`} rows={6} testId="resources-loading" />;
  } else if (current !== undefined && current.total === 0) {
    const filtered = filter.regions.length + filter.gpuModels.length > 0;
    body =
      text !== '' ? (
        <div className="notice" data-testid="empty-state" data-reason="no-text-match" role="status">
          <p className="notice__title">No machines match “{text}”.</p>
          <button type="button" className="button" onClick={() => setTyped('')}>
            Clear the search
          </button>
        </div>
      ) : (
        <EmptyState reason={filtered ? 'no-match' : 'no-gpus'} {...(onClearFilters === undefined ? {} : { onClearFilters })} />
      );
  } else {
    // Busy while a window loads or skim rows wait for their cells.
    const busy = skimming || answers.some((a) => a.isFetching);
    body = (
      <>
        {failed !== undefined ? (
          <ErrorState title={`Could not load some ${caption}.`} error={failed.error} onRetry={() => void failed.refetch()} />
        ) : null}
        <div
          className="table-scroll"
          ref={scrollRef}
          tabIndex={0}
          role="region"
          aria-label={caption}
          data-testid="resource-table-scroll"
          onKeyDown={onKeyDown}
        >
          <table className="data-table" data-testid="resource-table" aria-rowcount={(rowCount ?? 0) + 1} aria-busy={busy}>
            <caption className="visually-hidden">
              {caption}, sorted by {COLUMNS.find((c) => c.key === sort.key)?.label} {sort.direction}
            </caption>
            <SortHeaders sort={sort} onSort={(key: SortKey) => setSort((s) => nextSort(s, key))} />
            <MachineRows slots={slots} totalRows={rowCount ?? 0} active={active} hrefFor={hrefOf} onOpen={openRow} />
          </table>
        </div>
      </>
    );
  }

  return (
    <div className="machine-table" data-testid="machine-table">
      {search}
      {body}
    </div>
  );
}

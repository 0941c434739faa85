/**
 * Saved report definitions and their schedule: the list (with last run and last error) and a form
 * to create, edit or delete one: period, group-by keys, formats, folder and cadence. Every keystroke
 * is checked with the contract's ReportDefinition schema plus the backend's one extra rule (a
 * scheduled report needs a folder).
 */
import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ReportDefinition, SpendFilter, spendGroupLabel, type ReportFormat, type SpendGroupKey } from '../../../../shared/contract-spend';
import { keys } from '../../api/query-keys';
import { savedReportsQuery } from '../../api/spend-queries';
import { useWriteMutation } from '../../api/write-mutation';
import { errorMessage } from '../status';
import { issuesByField } from './field-errors';
import { EditorActions } from './editor-actions';

const FORMATS: readonly { format: ReportFormat; label: string }[] = [
  { format: 'csv', label: 'CSV' },
  { format: 'xlsx', label: 'XLSX' },
  { format: 'pdf', label: 'PDF' },
  { format: 'focus', label: 'FOCUS CSV' },
];
const SCHEDULES = ['none', 'daily', 'weekly', 'monthly'] as const;
type Schedule = (typeof SCHEDULES)[number];
const PERIODS = { 'previous-month': 'Previous month', 'month-to-date': 'Month to date', 'last-days': 'Last N days' } as const;
type PeriodKind = keyof typeof PERIODS;

interface ReportDraft {
  id: string;
  name: string;
  periodKind: PeriodKind;
  days: string;
  groupBy: SpendGroupKey[];
  formats: ReportFormat[];
  schedule: Schedule;
  folder: string;
  /** Kept from the saved definition: the editor does not change filters or run history. */
  kept: Pick<ReportDefinition, 'filter' | 'lastRunAt' | 'lastError'>;
}

function draftOf(def: ReportDefinition | null): ReportDraft {
  return {
    id: def?.id ?? `report-${Date.now().toString(36)}`,
    name: def?.name ?? '',
    periodKind: def?.period.kind ?? 'previous-month',
    days: def?.period.kind === 'last-days' ? String(def.period.days) : '30',
    groupBy: def ? [...def.groupBy] : ['cloud'],
    formats: def ? [...def.formats] : ['csv'],
    schedule: def?.schedule ?? 'none',
    folder: def?.folder ?? '',
    kept: { filter: def?.filter ?? SpendFilter.parse({}), lastRunAt: def?.lastRunAt ?? null, lastError: def?.lastError ?? null },
  };
}

/** The definition a draft describes, with the issues by field ("period.days", "folder", ...). */
export function parseReportDraft(d: ReportDraft): { definition: ReportDefinition | null; errors: Record<string, string> } {
  const period = d.periodKind === 'last-days' ? { kind: 'last-days', days: /^\d+$/.test(d.days.trim()) ? Number(d.days.trim()) : Number.NaN } : { kind: d.periodKind };
  const result = ReportDefinition.safeParse({
    id: d.id,
    name: d.name.trim(),
    period,
    groupBy: d.groupBy,
    filter: d.kept.filter,
    formats: d.formats,
    schedule: d.schedule,
    folder: d.folder.trim() === '' ? null : d.folder.trim(),
    lastRunAt: d.kept.lastRunAt,
    lastError: d.kept.lastError,
  });
  const errors = result.success ? {} : issuesByField(result.error.issues);
  if (d.schedule !== 'none' && d.folder.trim() === '') errors.folder ??= 'a scheduled report needs a folder to write into';
  return { definition: result.success && Object.keys(errors).length === 0 ? result.data : null, errors };
}

function toggle<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
}

function ReportForm({ initial, groupKeys, onClose }: { initial: ReportDefinition | null; groupKeys: readonly SpendGroupKey[]; onClose: () => void }): ReactNode {
  const [draft, setDraft] = useState(() => draftOf(initial));
  const [touched, setTouched] = useState(false);
  const { definition, errors } = parseReportDraft(draft);
  const shown = (field: string): string | undefined => (touched ? errors[field] : undefined);
  const set = (patch: Partial<ReportDraft>): void => {
    setTouched(true);
    setDraft({ ...draft, ...patch });
  };
  const save = useWriteMutation({
    area: 'spend',
    call: (api, def: ReportDefinition) => api['reports:save'](def),
    invalidates: [keys.spend.reports()],
    onSuccess: onClose,
  });
  const offered = [...new Set([...groupKeys, ...draft.groupBy])];
  const error = (field: string, testId: string): ReactNode =>
    shown(field) === undefined ? null : (
      <span className="field-error" data-testid={testId}>
        {shown(field)}
      </span>
    );
  return (
    <form
      className="spend-editor"
      aria-label={initial ? `Edit saved report ${initial.name}` : 'New saved report'}
      data-testid="report-form"
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (definition !== null) save.mutate(definition);
      }}
    >
      <label>
        Name <input value={draft.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={shown('name') !== undefined} data-testid="report-name" />
        {error('name', 'report-error-name')}
      </label>
      <label>
        Period
        <select value={draft.periodKind} onChange={(e) => set({ periodKind: e.target.value as PeriodKind })} data-testid="report-period">
          {Object.entries(PERIODS).map(([kind, label]) => (
            <option key={kind} value={kind}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {draft.periodKind === 'last-days' ? (
        <label>
          Days <input value={draft.days} onChange={(e) => set({ days: e.target.value })} inputMode="numeric" size={4} aria-invalid={shown('period.days') !== undefined} data-testid="report-days" />
          {error('period.days', 'report-error-days')}
        </label>
      ) : null}
      <fieldset data-testid="report-group-by">
        <legend>Group by (up to 4)</legend>
        {offered.map((k) => (
          <label key={k}>
            <input type="checkbox" checked={draft.groupBy.includes(k)} onChange={(e) => set({ groupBy: toggle(draft.groupBy, k, e.target.checked) })} /> {spendGroupLabel(k)}
          </label>
        ))}
        {error('groupBy', 'report-error-group-by')}
      </fieldset>
      <fieldset data-testid="report-formats">
        <legend>Formats</legend>
        {FORMATS.map((f) => (
          <label key={f.format}>
            <input type="checkbox" checked={draft.formats.includes(f.format)} onChange={(e) => set({ formats: toggle(draft.formats, f.format, e.target.checked) })} data-testid={`report-format-${f.format}`} />{' '}
            {f.label}
          </label>
        ))}
        {error('formats', 'report-error-formats')}
      </fieldset>
      <label>
        Schedule
        <select value={draft.schedule} onChange={(e) => set({ schedule: e.target.value as Schedule })} data-testid="report-schedule">
          {SCHEDULES.map((s) => (
            <option key={s} value={s}>
              {s === 'none' ? 'Not scheduled' : s[0]?.toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Folder on the backend host{' '}
        <input value={draft.folder} onChange={(e) => set({ folder: e.target.value })} size={40} aria-invalid={shown('folder') !== undefined} data-testid="report-folder" />
        {error('folder', 'report-error-folder')}
      </label>
      <EditorActions
        onClose={onClose}
        saving={save.isPending}
        disabled={(touched && definition === null) || !save.allowed}
        label="Save report"
        testId="report-save"
        error={save.errorText}
      />
    </form>
  );
}

function describePeriod(def: ReportDefinition): string {
  return def.period.kind === 'last-days' ? `last ${def.period.days} days` : PERIODS[def.period.kind].toLowerCase();
}

/** Saved reports with New, Edit and Delete; `groupKeys` are the keys the store offers. */
export function SavedReportsPanel({ groupKeys }: { groupKeys: readonly SpendGroupKey[] }): ReactNode {
  const reports = useQuery(savedReportsQuery());
  const [editing, setEditing] = useState<ReportDefinition | 'new' | null>(null);
  const remove = useWriteMutation({
    area: 'spend',
    call: (api, id: string) => api['reports:delete']({ id }),
    invalidates: [keys.spend.reports()],
  });
  if (reports.isError) return <p role="alert">{errorMessage(reports.error)}</p>;
  const list = reports.data?.reports ?? [];
  return (
    <>
      {list.length === 0 ? <p className="muted">No saved reports yet.</p> : null}
      <ul className="saved-reports">
        {list.map((def) => (
          <li key={def.id} data-testid={`saved-report-${def.id}`}>
            <strong>{def.name}</strong>{' '}
            <span className="muted">
              {describePeriod(def)} by {def.groupBy.map(spendGroupLabel).join(', ')} · {def.formats.join(', ')} ·{' '}
              {def.schedule === 'none' ? 'not scheduled' : `${def.schedule} into ${def.folder ?? '?'}`}
              {def.lastRunAt ? ` · last run ${def.lastRunAt.slice(0, 16).replace('T', ' ')} UTC` : ''}
            </span>
            {def.lastError ? (
              <span className="notice notice--error" role="alert">
                {' '}
                Last run failed: {def.lastError}
              </span>
            ) : null}{' '}
            <button type="button" className="button button--quiet" onClick={() => setEditing(def)} aria-label={`Edit saved report ${def.name}`} data-testid={`report-edit-${def.id}`}>
              Edit
            </button>
            <button
              type="button"
              className="button button--quiet"
              onClick={() => {
                if (window.confirm(`Delete the saved report "${def.name}"?`)) remove.mutate(def.id);
              }}
              aria-label={`Delete saved report ${def.name}`}
              data-testid={`report-delete-${def.id}`}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      {remove.errorText !== null ? (
        <p role="alert" className="notice notice--error">
          {remove.errorText}
        </p>
      ) : null}
      {editing === null ? (
        <button type="button" className="button button--quiet" onClick={() => setEditing('new')} data-testid="report-new">
          New saved report…
        </button>
      ) : (
        <ReportForm key={editing === 'new' ? 'new' : editing.id} initial={editing === 'new' ? null : editing} groupKeys={groupKeys} onClose={() => setEditing(null)} />
      )}
    </>
  );
}

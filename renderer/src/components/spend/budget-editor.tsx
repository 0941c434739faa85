/**
 * Budgets per cloud or tag: the list with burn rate and forecast, and a form to create, edit or
 * delete one. The form checks every keystroke against the contract's Budget schema, so what it
 * sends is what the backend accepts.
 */
import { useState, type ReactNode } from 'react';
import { CLOUD_LABELS, CloudId } from '../../../../shared/domain';
import { Budget, type BudgetStatus } from '../../../../shared/contract-spend';
import { keys } from '../../api/query-keys';
import { useWriteMutation } from '../../api/write-mutation';
import { BudgetList } from './budget-list';
import { issuesByField } from './field-errors';
import { EditorActions } from './editor-actions';

/** What the form holds while typing: text as typed, checked against Budget on every change. */
interface BudgetDraft {
  id: string;
  name: string;
  scopeKind: 'cloud' | 'tag';
  cloud: CloudId;
  tagKey: string;
  tagValue: string;
  currency: string;
  monthlyAmount: string;
}

function draftOf(budget: Budget | null): BudgetDraft {
  return {
    id: budget?.id ?? `budget-${Date.now().toString(36)}`,
    name: budget?.name ?? '',
    scopeKind: budget?.scope.kind ?? 'cloud',
    cloud: budget?.scope.kind === 'cloud' ? budget.scope.cloud : 'azure',
    tagKey: budget?.scope.kind === 'tag' ? budget.scope.key : 'team',
    tagValue: budget?.scope.kind === 'tag' ? budget.scope.value : '',
    currency: budget?.currency ?? 'USD',
    monthlyAmount: budget?.monthlyAmount ?? '',
  };
}

/** The Budget the draft describes, checked by the contract's schema. */
export function parseBudgetDraft(d: BudgetDraft): ReturnType<typeof Budget.safeParse> {
  return Budget.safeParse({
    id: d.id,
    name: d.name.trim(),
    scope: d.scopeKind === 'cloud' ? { kind: 'cloud', cloud: d.cloud } : { kind: 'tag', key: d.tagKey.trim(), value: d.tagValue.trim() },
    currency: d.currency.trim(),
    monthlyAmount: d.monthlyAmount.trim().replace(/,/g, ''),
  });
}

function FieldError({ id, message }: { id: string; message: string | undefined }): ReactNode {
  return message === undefined ? null : (
    <span id={id} className="field-error" data-testid={id}>
      {message}
    </span>
  );
}

function BudgetForm({ initial, onClose }: { initial: Budget | null; onClose: () => void }): ReactNode {
  const [draft, setDraft] = useState(() => draftOf(initial));
  const [touched, setTouched] = useState(false);
  const parsed = parseBudgetDraft(draft);
  const errors = parsed.success ? {} : issuesByField(parsed.error.issues);
  const shown = (field: string): string | undefined => (touched ? errors[field] : undefined);
  const save = useWriteMutation({
    area: 'spend',
    call: (api, budget: Budget) => api['spend:budget-save'](budget),
    invalidates: [keys.spend.budgets.all()],
    onSuccess: onClose,
  });
  const set = (patch: Partial<BudgetDraft>): void => {
    setTouched(true);
    setDraft({ ...draft, ...patch });
  };
  const invalid = (field: string) => ({ 'aria-invalid': shown(field) !== undefined, 'aria-describedby': shown(field) ? `budget-error-${field.replace('.', '-')}` : undefined });
  return (
    <form
      className="spend-editor"
      aria-label={initial ? `Edit budget ${initial.name}` : 'New budget'}
      data-testid="budget-form"
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (parsed.success) save.mutate(parsed.data);
      }}
    >
      <label>
        Name <input value={draft.name} onChange={(e) => set({ name: e.target.value })} data-testid="budget-name" {...invalid('name')} />
        <FieldError id="budget-error-name" message={shown('name')} />
      </label>
      <label>
        For
        <select value={draft.scopeKind} onChange={(e) => set({ scopeKind: e.target.value === 'tag' ? 'tag' : 'cloud' })} data-testid="budget-scope">
          <option value="cloud">a cloud</option>
          <option value="tag">a tag value</option>
        </select>
      </label>
      {draft.scopeKind === 'cloud' ? (
        <label>
          Cloud
          <select value={draft.cloud} onChange={(e) => set({ cloud: CloudId.parse(e.target.value) })} data-testid="budget-cloud">
            {CloudId.options.map((c) => (
              <option key={c} value={c}>
                {CLOUD_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <>
          <label>
            Tag key <input value={draft.tagKey} onChange={(e) => set({ tagKey: e.target.value })} data-testid="budget-tag-key" {...invalid('scope.key')} />
            <FieldError id="budget-error-scope-key" message={shown('scope.key')} />
          </label>
          <label>
            Tag value <input value={draft.tagValue} onChange={(e) => set({ tagValue: e.target.value })} data-testid="budget-tag-value" {...invalid('scope.value')} />
            <FieldError id="budget-error-scope-value" message={shown('scope.value')} />
          </label>
        </>
      )}
      <label>
        Currency <input value={draft.currency} onChange={(e) => set({ currency: e.target.value.toUpperCase() })} maxLength={3} size={4} data-testid="budget-currency" {...invalid('currency')} />
        <FieldError id="budget-error-currency" message={shown('currency')} />
      </label>
      <label>
        Monthly amount{' '}
        <input value={draft.monthlyAmount} onChange={(e) => set({ monthlyAmount: e.target.value })} inputMode="decimal" data-testid="budget-amount" {...invalid('monthlyAmount')} />
        <FieldError id="budget-error-monthlyAmount" message={shown('monthlyAmount')} />
      </label>
      <EditorActions
        onClose={onClose}
        saving={save.isPending}
        disabled={(touched && !parsed.success) || !save.allowed}
        label="Save budget"
        testId="budget-save"
        error={save.errorText}
      />
    </form>
  );
}

/** Budgets this month, with New, Edit and Delete. */
export function BudgetsPanel({ budgets }: { budgets: readonly BudgetStatus[] }): ReactNode {
  const [editing, setEditing] = useState<Budget | 'new' | null>(null);
  const remove = useWriteMutation({
    area: 'spend',
    call: (api, id: string) => api['spend:budget-delete']({ id }),
    invalidates: [keys.spend.budgets.all()],
  });
  return (
    <>
      <BudgetList
        budgets={budgets}
        onEdit={(b) => setEditing(Budget.parse({ id: b.id, name: b.name, scope: b.scope, currency: b.currency, monthlyAmount: b.monthlyAmount }))}
        onDelete={(b) => {
          if (window.confirm(`Delete the budget "${b.name}"?`)) remove.mutate(b.id);
        }}
      />
      {remove.errorText !== null ? (
        <p role="alert" className="notice notice--error">
          {remove.errorText}
        </p>
      ) : null}
      {editing === null ? (
        <button type="button" className="button button--quiet" onClick={() => setEditing('new')} data-testid="budget-new">
          New budget…
        </button>
      ) : (
        <BudgetForm key={editing === 'new' ? 'new' : editing.id} initial={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
    </>
  );
}

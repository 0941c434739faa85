/** Edits the alert rules (on/off and thresholds) and quiet hours. */
import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { AlertRule, AlertSettings } from '../../../../shared/contract-triage';
import { keys } from '../../api/query-keys';
import { alertSettingsQuery } from '../../api/triage-queries';
import { useWriteMutation } from '../../api/write-mutation';
import { WritesHint } from '../writes-hint';

const LABELS: Readonly<Record<AlertRule['kind'], string>> = {
  'idle-gpus': 'Idle GPUs',
  'utilisation-collapse': 'Utilisation collapse',
  'unhealthy-gpus': 'Unhealthy GPUs',
  'provider-incident': 'New provider incident in a region the fleet uses',
  'spend-forecast': 'Spend forecast over budget',
};

function RuleFields({ rule, onChange, disabled }: { rule: AlertRule; onChange: (r: AlertRule) => void; disabled: boolean }): ReactNode {
  const num = (value: string): number => Math.max(0, Math.floor(Number(value) || 0));
  switch (rule.kind) {
    case 'idle-gpus':
      return (
        <>
          {' '}more than <input aria-label="Idle GPU threshold" type="number" min={0} value={rule.minGpus} disabled={disabled} onChange={(e) => onChange({ ...rule, minGpus: num(e.target.value) })} /> for{' '}
          <input aria-label="Minutes" type="number" min={1} value={rule.forMinutes} disabled={disabled} onChange={(e) => onChange({ ...rule, forMinutes: Math.max(1, num(e.target.value)) })} /> minutes
        </>
      );
    case 'unhealthy-gpus':
      return (
        <>
          {' '}at least <input aria-label="Unhealthy GPU threshold" type="number" min={1} value={rule.minGpus} disabled={disabled} onChange={(e) => onChange({ ...rule, minGpus: Math.max(1, num(e.target.value)) })} />
        </>
      );
    case 'provider-incident':
      return (
        <>
          {' '}severity at least{' '}
          <select aria-label="Lowest severity" value={rule.minSeverity} disabled={disabled} onChange={(e) => onChange({ ...rule, minSeverity: e.target.value as typeof rule.minSeverity })}>
            <option value="critical">critical</option>
            <option value="major">major</option>
            <option value="minor">minor</option>
          </select>
        </>
      );
    case 'spend-forecast':
      return (
        <>
          {' '}budget <input aria-label="Monthly budget" value={rule.budget} disabled={disabled} onChange={(e) => onChange({ ...rule, budget: e.target.value })} /> {rule.currency}
        </>
      );
    case 'utilisation-collapse':
      return null;
  }
}

export function AlertSettingsPanel({ readOnly }: { readOnly: boolean }): ReactNode {
  const settings = useQuery(alertSettingsQuery());
  const [draft, setDraft] = useState<AlertSettings | null>(null);
  const save = useWriteMutation({
    area: 'triage',
    call: (api, next: AlertSettings) => api['alerts:set-settings'](next),
    invalidates: [keys.alerts.all()],
    onSuccess: () => setDraft(null),
  });
  const current = draft ?? settings.data;
  if (current === undefined) return null;
  const update = (next: AlertSettings): void => setDraft(next);
  const status = save.errorText ?? (save.isSuccess && draft === null ? 'Alert rules saved' : null);
  return (
    <details className="alert-settings" data-testid="alert-settings">
      <summary>Alert rules and quiet hours</summary>
      {readOnly ? <WritesHint area="triage" what="edit alert rules and quiet hours" /> : null}
      <ul>
        {current.rules.map((rule, n) => (
          <li key={rule.id}>
            <label>
              <input
                type="checkbox"
                checked={rule.enabled}
                disabled={readOnly}
                onChange={(e) => update({ ...current, rules: current.rules.map((r, m) => (m === n ? { ...r, enabled: e.target.checked } : r)) })}
              />{' '}
              {LABELS[rule.kind]}
            </label>
            <RuleFields rule={rule} disabled={readOnly} onChange={(r) => update({ ...current, rules: current.rules.map((x, m) => (m === n ? r : x)) })} />
          </li>
        ))}
      </ul>
      <p>
        <label>
          <input type="checkbox" checked={current.quietHours.enabled} disabled={readOnly} onChange={(e) => update({ ...current, quietHours: { ...current.quietHours, enabled: e.target.checked } })} />{' '}
          Quiet hours (no desktop notification)
        </label>{' '}
        from <input aria-label="Quiet hours start" type="time" value={current.quietHours.start} disabled={readOnly} onChange={(e) => update({ ...current, quietHours: { ...current.quietHours, start: e.target.value } })} /> to{' '}
        <input aria-label="Quiet hours end" type="time" value={current.quietHours.end} disabled={readOnly} onChange={(e) => update({ ...current, quietHours: { ...current.quietHours, end: e.target.value } })} />
      </p>
      <button type="button" className="button" disabled={readOnly || !save.allowed || draft === null || save.isPending} onClick={() => save.mutate(current)} data-testid="alert-settings-save">
        Save alert rules
      </button>
      {status ? <p role="status">{status}</p> : null}
    </details>
  );
}

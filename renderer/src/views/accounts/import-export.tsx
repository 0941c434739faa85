/** Export, download and import of the config file (the one `fleetpane sync --config` reads). */
import { useState, type ReactNode } from 'react';
import { keys } from '../../api/query-keys';
import { useWriteMutation } from '../../api/write-mutation';
import { offerDownload } from '../../lib/download';

export function ImportExport(): ReactNode {
  const [text, setText] = useState('');
  // Exporting reads the config (secrets as references only); importing replaces every account.
  const exported = useWriteMutation({ call: (api) => api['accounts:export']({}), onSuccess: (r) => setText(r.text) });
  const imported = useWriteMutation({
    area: 'accounts',
    call: (api) => api['accounts:import']({ text }),
    invalidates: [keys.accounts.all(), keys.fleet.all()],
  });
  return (
    <section aria-labelledby="config-heading" className="card">
      <h3 id="config-heading">Config file</h3>
      <p className="muted account-hint">The same file <code>fleetpane sync --config</code> reads. Secrets appear only as references.</p>
      <div className="toolbar">
        <button type="button" className="button" data-testid="export" disabled={exported.isPending} onClick={() => exported.mutate()}>
          Export
        </button>
        <button type="button" className="button" disabled={text === ''} onClick={() => offerDownload('fleetpane-config.json', new Blob([text], { type: 'application/json' }))}>
          Download
        </button>
        <button
          type="button"
          className="button"
          data-testid="import"
          disabled={text === '' || !imported.allowed || imported.isPending}
          title={imported.refusal ?? undefined}
          onClick={() => imported.mutate()}
        >
          Import (replaces every account)
        </button>
      </div>
      <label className="form-field">
        <span className="form-field__label">Config JSON</span>
        <textarea className="code-input" data-testid="config-text" rows={8} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {exported.errorText !== null ? <p role="alert">{exported.errorText}</p> : null}
      {imported.errorText !== null ? <p role="alert">{imported.errorText}</p> : null}
      {imported.isSuccess ? <p role="status">Imported {imported.data.accounts.join(', ')}.</p> : null}
    </section>
  );
}

/** The banner: app name, the demo warning, and the instant the numbers describe. */
import type { ReactNode } from 'react';
import type { Overview } from '../../../shared/overview';
import { formatUtcClock, formatUtcDateTime } from '../lib/time';

/** True when any number on the pane comes from the simulated demo fleet. */
export function isDemo(overview: Overview): boolean {
  return overview.demo || overview.clouds.some((c) => c.demo);
}

/** Header; `overview` is undefined while loading. */
export function AppHeader({ overview, pinned }: { overview: Overview | undefined; pinned: boolean }): ReactNode {
  return (
    <header className="app-header">
      <h1 className="app-header__name">
        <a href="#/">Fleetpane</a>
      </h1>
      <a className="app-header__link" href="#/machines" data-testid="nav-machines">
        Machines
      </a>
      <a className="app-header__link" href="#/triage" data-testid="nav-triage">
        Triage{overview !== undefined ? ` (${overview.totals.incidents.active})` : ''}
      </a>
      <a className="app-header__link" href="#/spend" data-testid="nav-spend">
        Spend
      </a>
      <a className="app-header__link" href="#/accounts" data-testid="nav-accounts">
        Accounts
      </a>
      {overview !== undefined && isDemo(overview) ? (
        <span className="badge badge--demo badge--large" data-testid="demo-badge" role="note">
          DEMO FLEET
        </span>
      ) : null}
      {overview !== undefined ? (
        <p className="app-header__as-of" data-testid="as-of" data-as-of={overview.asOf} title={`Generated ${formatUtcDateTime(overview.generatedAt)}`}>
          as of <time dateTime={overview.asOf}>{formatUtcClock(overview.asOf)}</time>
          {pinned ? <span className="muted"> (pinned)</span> : null}
        </p>
      ) : null}
    </header>
  );
}

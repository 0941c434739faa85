/** The app shell: header, breadcrumb, filters and the page the hash route names. */
import { lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { cloudKey, cloudKeyLabel, cloudOfKey } from '../../shared/overview';
import { overviewQuery, resourceQuery } from './api/queries';
import { AppHeader } from './components/app-header';
import { FilterBar } from './components/filter-bar';
import { formatHash, pagePath, parentPage, type Page, type ViewParams } from './routing/route';
import { useRoute } from './routing/use-route';
import { useWrites } from './api/writes';
import { CloudPage } from './views/cloud-page';
import { MachinesPage } from './views/machines-page';
import { OverviewPage } from './views/overview-page';
import { LoadingSkeleton } from './components/status';

// The first screen is the overview; every other screen (and the charts they draw) loads when opened,
// so the pane's first paint does not wait for code it does not show.
const ResourcePage = lazy(() => import('./views/resource-page').then((m) => ({ default: m.ResourcePage })));
const IncidentPageView = lazy(() => import('./views/triage/incident-page').then((m) => ({ default: m.IncidentPageView })));
const SnapshotPage = lazy(() => import('./views/triage/snapshot-page').then((m) => ({ default: m.SnapshotPage })));
const TriagePage = lazy(() => import('./views/triage/triage-page').then((m) => ({ default: m.TriagePage })));
const AccountsPage = lazy(() => import('./views/accounts/accounts-page').then((m) => ({ default: m.AccountsPage })));
const ReportPage = lazy(() => import('./views/spend/report-page').then((m) => ({ default: m.ReportPage })));
const SpendPage = lazy(() => import('./views/spend/spend-page').then((m) => ({ default: m.SpendPage })));

function isEditable(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || target.matches('input, textarea, select, [role="combobox"], [role="textbox"]'))
  );
}

/** The breadcrumb's last crumb: what the page is, in the words of the header's links. */
function currentLabel(page: Exclude<Page, { name: 'overview' }>): string {
  switch (page.name) {
    case 'cloud':
      return cloudKeyLabel(page.cloud);
    case 'machines':
      return 'Machines';
    case 'resource':
      return page.id.split('/').pop() ?? page.id;
    case 'triage':
      return 'Triage';
    case 'incident':
      return 'Incident';
    case 'snapshot':
      return 'Snapshot';
    case 'spend':
      return 'Spend';
    case 'report':
      return 'Cost report';
    case 'accounts':
      return 'Accounts';
    case 'not-found':
      return 'Not found';
  }
}

/** Pages whose content the fleet filter narrows (spend has its own period, so no time range there). */
function filtersApply(page: Page): boolean {
  return page.name === 'overview' || page.name === 'cloud' || page.name === 'machines' || page.name === 'resource' || page.name === 'spend';
}

function Breadcrumb({ page, params, cloudOfResource }: { page: Page; params: ViewParams; cloudOfResource: Page | null }): ReactNode {
  if (page.name === 'overview') return null;
  const crumbs: { label: string; href: string }[] = [{ label: 'Fleet', href: formatHash({ name: 'overview' }, params) }];
  if (page.name === 'resource' && cloudOfResource?.name === 'cloud') {
    crumbs.push({ label: cloudKeyLabel(cloudOfResource.cloud), href: formatHash(cloudOfResource, params) });
  }
  if (page.name === 'incident' || page.name === 'snapshot') crumbs.push({ label: 'Triage', href: formatHash({ name: 'triage' }, params) });
  const current = currentLabel(page);
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb" data-testid="breadcrumb">
      <ol>
        {crumbs.map((c) => (
          <li key={c.href}>
            <a href={c.href}>{c.label}</a>
          </li>
        ))}
        <li aria-current="page">{current}</li>
      </ol>
      <p className="breadcrumb__hint muted">Esc goes back</p>
    </nav>
  );
}

/** The whole renderer UI; needs an ApiProvider above it. */
export function App(): ReactNode {
  const { route, go, setParams, back } = useRoute();
  const { page, params } = route;
  const overview = useQuery(overviewQuery(params.filter, params.asOf));
  const writes = useWrites();
  const resource = useQuery({
    ...resourceQuery(page.name === 'resource' ? page.account : '', page.name === 'resource' ? page.id : '', params.range, params.asOf),
    enabled: page.name === 'resource',
  });
  const cloudOfResource: Page | null =
    resource.data !== undefined
      ? { name: 'cloud', cloud: cloudKey(resource.data.resource.cloud, resource.data.resource.account, resource.data.resource.site) }
      : null;
  const parent = parentPage(page, cloudOfResource?.name === 'cloud' ? cloudOfResource.cloud : undefined);

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isEditable(e.target)) return;
      if ((e.key === 'Escape' || e.key === 'Backspace') && parent !== null) {
        e.preventDefault();
        back(parent);
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [back, parent]);

  // Move focus to the new page's content so keyboard and screen-reader users start there.
  const mainRef = useRef<HTMLElement>(null);
  const path = pagePath(page);
  const firstPath = useRef(path);
  useEffect(() => {
    if (path !== firstPath.current) {
      firstPath.current = '';
      mainRef.current?.focus({ preventScroll: false });
    }
  }, [path]);

  const clearFilters = (): void => setParams({ ...params, filter: { clouds: [], regions: [], gpuModels: [] } });

  let content: ReactNode;
  switch (page.name) {
    case 'overview':
      content = <OverviewPage params={params} onOpenCloud={(cloud) => go({ name: 'cloud', cloud })} onClearFilters={clearFilters} />;
      break;
    case 'cloud':
      content = <CloudPage cloud={page.cloud} params={params} onOpen={(p) => go(p)} onClearFilters={clearFilters} />;
      break;
    case 'machines':
      content = <MachinesPage params={params} wholeFleet={page.wholeFleet} onOpen={(p) => go(p)} onClearFilters={clearFilters} />;
      break;
    case 'resource':
      content = <ResourcePage account={page.account} id={page.id} params={params} />;
      break;
    case 'triage':
      content = <TriagePage params={params} readOnly={!writes.allowed('triage')} />;
      break;
    case 'incident':
      content = <IncidentPageView id={page.id} params={params} readOnly={!writes.allowed('triage')} />;
      break;
    case 'snapshot':
      content = <SnapshotPage />;
      break;
    case 'accounts':
      content = <AccountsPage />;
      break;
    case 'spend':
      content = <SpendPage params={params} />;
      break;
    case 'report':
      // The printable report stands alone: no header, filters or navigation on paper.
      return (
        <Suspense fallback={<LoadingSkeleton label="Loading the report" />}>
          <ReportPage encoded={page.q} />
        </Suspense>
      );
    case 'not-found':
      content = (
        <section aria-labelledby="not-found-heading" className="notice" data-testid="not-found">
          <h2 id="not-found-heading">Page not found</h2>
          <p>
            Nothing lives at <code>{page.path}</code>. <a href={formatHash({ name: 'overview' }, params)}>Back to the fleet</a>
          </p>
        </section>
      );
      break;
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        mainRef.current?.focus();
      }}>
        Skip to content
      </a>
      <AppHeader overview={overview.data} pinned={params.asOf !== undefined} />
      <Breadcrumb page={page} params={params} cloudOfResource={cloudOfResource} />
      {filtersApply(page) ? (
        <FilterBar params={params} onChange={setParams} lockedCloud={page.name === 'cloud' ? (cloudOfKey(page.cloud) ?? undefined) : undefined} showRange={page.name !== 'spend'} />
      ) : null}
      <main id="main" ref={mainRef} tabIndex={-1} className="app-main" data-page={page.name}>
        <Suspense fallback={<LoadingSkeleton label="Loading" testId="page-loading" />}>{content}</Suspense>
      </main>
    </div>
  );
}

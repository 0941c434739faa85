/** The current hash route as React state, plus navigation that keeps Back working. */
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { formatHash, parseHash, type Page, type Route, type ViewParams } from './route';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = (): string => window.location.hash;

// How many pages the user opened within the app, so Escape steps back instead of leaving it.
let inAppDepth = 0;

export interface Navigation {
  route: Route;
  /** Opens a page (a new history entry), keeping the current filters unless given. */
  go(page: Page, params?: ViewParams): void;
  /** Changes filters/range in place (no history entry per filter tweak). */
  setParams(params: ViewParams): void;
  /** Steps back in history if the user navigated here, else goes to `fallback`. */
  back(fallback: Page | null): void;
}

/** Subscribes to the location hash and returns the route with navigation helpers. */
export function useRoute(): Navigation {
  const hash = useSyncExternalStore(subscribe, getHash, getHash);
  const route = useMemo(() => parseHash(hash), [hash]);

  const go = useCallback((page: Page, params?: ViewParams) => {
    inAppDepth += 1;
    window.location.hash = formatHash(page, params ?? parseHash(window.location.hash).params);
  }, []);

  const setParams = useCallback((params: ViewParams) => {
    const current = parseHash(window.location.hash);
    const next = formatHash(current.page, params);
    const url = `${window.location.pathname}${window.location.search}${next}`;
    window.history.replaceState(window.history.state, '', url);
    // replaceState does not fire hashchange; tell the subscribers ourselves.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  }, []);

  const back = useCallback((fallback: Page | null) => {
    if (inAppDepth > 0) {
      inAppDepth -= 1;
      window.history.back();
    } else if (fallback !== null) {
      window.location.hash = formatHash(fallback, parseHash(window.location.hash).params);
    }
  }, []);

  return { route, go, setParams, back };
}

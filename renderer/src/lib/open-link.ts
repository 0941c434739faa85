/**
 * A link that opens an in-app page: a plain click goes through the app's navigation (so Escape can
 * step back to where the user came from), a click with a modifier or another button does what the
 * browser does with any link (new tab or window, copy, ...).
 */
import type { MouseEvent } from 'react';

export function openInApp(onOpen: (() => void) | undefined): ((e: MouseEvent<HTMLAnchorElement>) => void) | undefined {
  if (onOpen === undefined) return undefined;
  return (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    onOpen();
  };
}

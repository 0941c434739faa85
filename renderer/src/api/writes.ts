/**
 * Which writes the backend accepts (app:info's `writes`), so controls that would be refused are
 * disabled up front with a hint instead of failing on click.
 */
import { queryOptions, useQuery } from '@tanstack/react-query';
import { SERVE_WRITE_FLAGS, type ResponseOf } from '../../../shared/contract';
import { apiOf } from './queries';
import { keys } from './query-keys';

export type AppInfo = ResponseOf<'app:info'>;
export type WriteArea = keyof AppInfo['writes'];

/** app:info; it does not change while the backend runs. */
export function appInfoQuery() {
  return queryOptions({
    queryKey: keys.app.info(),
    queryFn: ({ client }) => apiOf(client)['app:info']({}),
    staleTime: Infinity,
  });
}

export interface Writes {
  /** Whether the area's writes are accepted; true until app:info answers (the backend still refuses). */
  allowed: (area: WriteArea) => boolean;
  mode: AppInfo['mode'] | undefined;
}

/** The writes this backend allows. */
export function useWrites(): Writes {
  const info = useQuery(appInfoQuery());
  return {
    allowed: (area) => info.data?.writes[area] ?? true,
    mode: info.data?.mode,
  };
}

/** The serve command that allows each area's writes (the contract's one table of flags). */
export const WRITE_FLAGS: Record<WriteArea, string> = {
  triage: `fleetpane serve ${SERVE_WRITE_FLAGS.triage.flag}`,
  spend: `fleetpane serve ${SERVE_WRITE_FLAGS.spend.flag}`,
  accounts: `fleetpane serve ${SERVE_WRITE_FLAGS.accounts.flag}`,
};

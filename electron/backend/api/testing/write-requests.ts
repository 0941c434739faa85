/**
 * For tests of the write policy: a valid request for every channel that writes, and an accounts
 * service that accepts every config change, so a write that the policy lets through reaches its
 * handler and answers.
 */
import { WRITE_CHANNELS, WRITE_KINDS, type ChannelId, type RequestOf } from '../../../../shared/contract';
import type { AccountsService } from '../../accounts/accounts-service';

type WriteRequests = { [C in ChannelId]?: RequestOf<C> };

/** One valid request per write channel (the contract test fails when a new write channel lacks one). */
export const WRITE_REQUESTS: WriteRequests = {
  'accounts:save': { entry: { name: 'lab', provider: 'kubernetes' } },
  'accounts:set-enabled': { name: 'demo', enabled: false },
  'accounts:remove': { name: 'demo', confirm: 'demo' },
  'accounts:set-demo': { enabled: false },
  'accounts:import': { text: '{"accounts":[]}' },
  'accounts:remove-imported': { name: 'focus', confirm: 'focus' },
  'spend:budget-save': { id: 'b1', name: 'Azure', scope: { kind: 'cloud', cloud: 'azure' }, currency: 'USD', monthlyAmount: '1000' },
  'spend:budget-delete': { id: 'b1' },
  'spend:import-focus': { account: 'focus', files: ['focus.csv'] },
  'reports:save': { id: 'r1', name: 'Monthly', period: { kind: 'previous-month' }, groupBy: ['cloud'], filter: {}, formats: ['csv'] },
  'reports:delete': { id: 'r1' },
  'triage:acknowledge': { id: 'status:1' },
  'triage:add-note': { id: 'status:1', body: 'looking' },
  'alerts:set-settings': { rules: [], quietHours: { enabled: false, start: '22:00', end: '07:00' } },
};

/** Every write channel with its kind. */
export function writeChannels(): { channel: ChannelId; kind: (typeof WRITE_KINDS)[number] }[] {
  return WRITE_KINDS.flatMap((kind) => WRITE_CHANNELS[kind].map((channel) => ({ channel, kind })));
}

/** An accounts service that may change the config and answers every change (a stand-in, no file). */
export function managingAccounts(): AccountsService {
  const service: Partial<Record<keyof AccountsService, unknown>> = {
    canManage: () => true,
    configuredNames: () => ['demo'],
    save: async (entry: Record<string, unknown>) => String(entry.name),
    setEnabled: async (name: string) => name,
    remove: async (name: string) => name,
    setDemo: async (enabled: boolean) => enabled,
    importText: async () => [],
  };
  return service as unknown as AccountsService;
}

/**
 * The accounts screen's part of the contract: discovery of ambient credentials, the configured
 * accounts with their per-stream state, add/enable/remove, test connection, import/export of the
 * config file. Secrets typed by the user travel only in `secrets` of a save or test request and are
 * never part of any response.
 */
import { z } from 'zod';
import type { ChannelDefinition } from './contract-writes';
import { ProviderId, StreamId, SyncError, IsoTime } from './domain';
import { ConnectorDiagnostics, ConnectorIdentity } from './connector-diagnostics';

/** The env variable names the desktop app gives secrets it stores encrypted (referenced from the config). */
export const SECRET_NAME_PATTERN = /^FLEETPANE_SECRET_[A-Z0-9_]{1,80}$/;
export const SecretName = z.string().regex(SECRET_NAME_PATTERN, 'secret names are FLEETPANE_SECRET_ followed by A-Z, 0-9 or _');

/** An account the machine's ambient credentials can reach, ready to add as a config entry. */
export const DiscoveredAccount = z.object({
  /** Suggested account name (unique within one discovery). */
  name: z.string(),
  provider: ProviderId,
  /** What it is, in the provider's words: "subscription GPU Prod (1234...)", "context aks-prod". */
  label: z.string(),
  /** Who the credential is, where known: "alice@contoso.com (Azure CLI)". */
  identity: z.string().nullable(),
  /** The config entry to add: no secrets, only references to ambient credentials. */
  config: z.record(z.string(), z.unknown()),
  /** Things to know before switching it on (an exec plugin runs a command, costs need a billing export). */
  notes: z.array(z.string()),
});
export type DiscoveredAccount = z.infer<typeof DiscoveredAccount>;

/** Something discovery saw but could not use, and what the user can do about it. */
export const DiscoveryProblem = z.object({
  /** Where it looked: "~/.azure/azureProfile.json", "kubeconfig /home/a/.kube/config". */
  source: z.string(),
  reason: z.string(),
  /** The one thing to do, e.g. "run `az login`"; null when nothing helps. */
  action: z.string().nullable(),
});
export type DiscoveryProblem = z.infer<typeof DiscoveryProblem>;

/** One connector's discovery result. */
export const Discovery = z.object({
  provider: ProviderId,
  /** What kind of credential it looked for: "Azure CLI login", "gcloud application-default credentials". */
  source: z.string(),
  found: z.array(DiscoveredAccount),
  problems: z.array(DiscoveryProblem),
});
export type Discovery = z.infer<typeof Discovery>;

/** One field problem of a hand-typed entry, with the field's dotted path. */
export const FieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

/** Secrets typed in the form, by the name the config references them with ({ "env": NAME }). */
export const SecretValues = z.record(SecretName, z.string().min(1).max(16_384));

export const StreamState = z.object({
  lastSuccessAt: IsoTime.nullable(),
  /** When the engine will run it next (null: not scheduled, e.g. disabled or not syncing here). */
  nextSyncAt: IsoTime.nullable(),
  intervalMs: z.number().int().positive(),
  stale: z.boolean(),
  lastError: SyncError.nullable(),
});
export type StreamState = z.infer<typeof StreamState>;

/** Remaining provider API budget as the last responses reported it (Azure ARM reads, ...). */
export const ApiBudget = z.object({ scope: z.string(), remaining: z.number().nullable(), observedAt: IsoTime.nullable() });
export type ApiBudget = z.infer<typeof ApiBudget>;

export const ConfiguredAccount = z.object({
  name: z.string(),
  provider: ProviderId,
  enabled: z.boolean(),
  demo: z.boolean(),
  /** The config entry as the file holds it (secret references only, never values). */
  config: z.record(z.string(), z.unknown()),
  /** Secret names the entry references and whether a value is available to this backend. */
  secrets: z.array(z.object({ name: z.string(), available: z.boolean() })),
  streams: z.object({ inventory: StreamState, metrics: StreamState, costs: StreamState, incidents: StreamState }),
  budget: z.array(ApiBudget),
  /** What the account's connector reports about itself (null: the connector reports nothing, or none is running). */
  diagnostics: ConnectorDiagnostics.nullable(),
});
export type ConfiguredAccount = z.infer<typeof ConfiguredAccount>;

export const AccountsState = z.object({
  accounts: z.array(ConfiguredAccount),
  /** The config file the screen edits (null: none yet, the built-in demo fleet). */
  configFile: z.string().nullable(),
  /** Whether this backend may change the config (serve mode: only with --manage-accounts). */
  canManage: z.boolean(),
  /** Why not, when it may not. */
  manageRefusal: z.string().nullable(),
  /** Whether typed secrets can be stored here, and why not. */
  secretStorage: z.object({ available: z.boolean(), reason: z.string().nullable() }),
  /** The simulated demo fleet is switched on. */
  demoEnabled: z.boolean(),
  /**
   * Whether this backend syncs the listed accounts. False for `fleetpane serve` without --config: it
   * shows the accounts a store holds as they were last synced, by whichever Fleetpane wrote it.
   */
  syncedHere: z.boolean(),
});
export type AccountsState = z.infer<typeof AccountsState>;

export const ConnectionTestResult = z.object({
  ok: z.boolean(),
  /** One line: "read 12 GPU machines" or the provider's error in full. */
  message: z.string(),
  errorKind: z.string().nullable(),
  identity: z.string().nullable(),
  /** Who the credential is, as the provider's cheap whoami said (null: no whoami, or it failed). */
  whoami: ConnectorIdentity.nullable(),
  /** Roles/permissions the error says are missing (empty when unknown or none). */
  missingPermissions: z.array(z.string()),
  gpuMachines: z.number().int().nonnegative().nullable(),
  durationMs: z.number().int().nonnegative(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

/**
 * An imported account: cost rows in the store under a name no configured account has (from
 * `fleetpane import-focus --account NAME`, the spend screen's import or a serve upload). The accounts
 * screen lists it so it can be removed with its cost rows.
 */
export const ImportedAccount = z.object({
  name: z.string(),
  /** FOCUS ProviderName of its rows ("Microsoft", "Oracle", ...), sorted. */
  providers: z.array(z.string()),
  /** Cost rows stored under it. */
  rows: z.number().int().nonnegative(),
  /** First ChargePeriodStart and last ChargePeriodEnd of its rows. */
  from: IsoTime,
  to: IsoTime,
});
export type ImportedAccount = z.infer<typeof ImportedAccount>;

/** A provider this build can read: its id, what the screen calls it, and the entry its editor starts from. */
export const ProviderInfo = z.object({
  id: ProviderId,
  label: z.string(),
  /** A starting config entry: no secrets, placeholders where the user fills in (secret references only). */
  template: z.record(z.string(), z.unknown()),
});
export type ProviderInfo = z.infer<typeof ProviderInfo>;

const AccountEntry = z.record(z.string(), z.unknown());
const AccountName = z.object({ name: z.string().min(1).max(64) });

/** Channels of the accounts screen. */
export const accountsChannels = {
  'accounts:state': { request: z.object({}), response: AccountsState },
  /** The providers of this build, in the registry's order (read-only; answered where accounts can be managed). */
  'accounts:providers': { request: z.object({}), response: z.object({ providers: z.array(ProviderInfo) }) },
  'accounts:discover': { request: z.object({}), response: z.object({ results: z.array(Discovery) }) },
  'accounts:validate': {
    request: z.object({ entry: AccountEntry }),
    response: z.object({ ok: z.boolean(), issues: z.array(FieldIssue) }),
  },
  'accounts:save': {
    request: z.object({ entry: AccountEntry, secrets: SecretValues.default({}), replace: z.boolean().default(false) }),
    response: z.object({ name: z.string() }),
    writes: 'accounts',
  },
  'accounts:set-enabled': { request: AccountName.extend({ enabled: z.boolean() }), response: z.object({ name: z.string() }), writes: 'accounts' },
  'accounts:remove': {
    /** `confirm` must repeat the name: the screen asks before removing an account and its data. */
    request: AccountName.extend({ confirm: z.string() }),
    response: z.object({ name: z.string() }),
    writes: 'accounts',
  },
  'accounts:imported': { request: z.object({}), response: z.object({ accounts: z.array(ImportedAccount) }) },
  'accounts:remove-imported': {
    /** `confirm` must repeat the name: the screen asks before deleting an imported account's cost rows. */
    request: AccountName.extend({ confirm: z.string() }),
    response: z.object({ name: z.string(), deletedRows: z.number().int().nonnegative() }),
    // Only cost rows that came in through FOCUS imports go: the same kind of change as an import.
    writes: 'spend',
  },
  'accounts:test': {
    request: z.object({ name: z.string().optional(), entry: AccountEntry.optional(), secrets: SecretValues.default({}) }),
    response: ConnectionTestResult,
  },
  'accounts:set-demo': { request: z.object({ enabled: z.boolean() }), response: z.object({ demoEnabled: z.boolean() }), writes: 'accounts' },
  'accounts:export': { request: z.object({}), response: z.object({ text: z.string() }) },
  'accounts:import': {
    request: z.object({ text: z.string().max(1_000_000) }),
    response: z.object({ accounts: z.array(z.string()) }),
    writes: 'accounts',
  },
} as const satisfies Record<string, ChannelDefinition>;

/** Streams in display order (re-exported for the screen). */
export const ACCOUNT_STREAMS: readonly StreamId[] = StreamId.options;

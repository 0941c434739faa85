/**
 * The accounts screen's backend: owns the config file (the same format `fleetpane sync --config`
 * reads), keeps the sync engine in step with it (add, switch on/off, remove with its stored data),
 * runs discovery and connection tests, and keeps typed secrets in the vault, never in the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { AccountConfigBase, ConfigFile } from '../../../shared/config';
import { ApiError, type AppEvent } from '../../../shared/contract';
import type {
  AccountsState,
  ConfiguredAccount,
  ConnectionTestResult,
  Discovery,
  FieldIssue,
  StreamState,
} from '../../../shared/contract-accounts';
import { STREAMS, type StreamId } from '../../../shared/domain';
import { ConnectorDiagnostics } from '../../../shared/connector-diagnostics';
import { ConfigIssuesError, ConnectorError, type Connector, type DiscoveryContext } from '../providers/types';
import { unknownProviderIssue, type ProviderInfo, type ProviderSet } from '../providers/provider-set';
import type { FleetStore } from '../store/types';
import type { SyncEngine } from '../sync/engine';
import { intervalSeconds } from '../sync/freshness';
import { describeJsonError } from '../../../shared/redact';
import { safeErrorText } from '../sync/safe-error';
import { testConnection } from './connection-test';
import { secretAccessIssues, type SecretAccessPolicy } from './secret-access';
import { secretNamesIn, type SecretVault } from './secret-vault';

/** The demo account's name when the screen switches the demo fleet on. */
export const DEMO_ACCOUNT = 'demo';

export interface AccountsServiceOptions {
  store: FleetStore;
  /** Absent where nothing syncs (serve without --config). */
  engine?: SyncEngine;
  /** The file the screen saves to (null: nowhere; the config cannot change). */
  configFile: string | null;
  /** The accounts in use now, as their entries read (raw: defaults not filled in). */
  entries: readonly Record<string, unknown>[];
  /** Null when the config may change; otherwise why not (serve without --manage-accounts). */
  manageRefusal: string | null;
  vault: SecretVault;
  /** The providers of this build (the registry's): validation, connectors, discovery, identity, templates. */
  providers: ProviderSet;
  discoveryContext: () => DiscoveryContext;
  now?: () => Date;
  log?: (line: string) => void;
  /**
   * Serve: what an entry from a request may read and where it may connect (see secret-access.ts).
   * Absent on the desktop, whose user is the operator.
   */
  secretAccess?: SecretAccessPolicy;
}

/** Implements the accounts channels over one config file, one engine, one store and one vault. */
export class AccountsService {
  private entries: Record<string, unknown>[];
  /** Real accounts whose inventory has synced at least once (the demo switches off at the first). */
  private readonly synced = new Set<string>();
  private readonly now: () => Date;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AccountsServiceOptions) {
    this.entries = options.entries.map((e) => ({ ...e }));
    this.now = options.now ?? (() => new Date());
  }

  /** Reads which accounts already synced, so only a real account's first sync switches the demo off. */
  async init(): Promise<void> {
    const { accounts } = await this.options.store.accounts(this.now());
    for (const a of accounts) if (!a.demo && a.freshness.streams.inventory.lastSuccessAt !== null) this.synced.add(a.name);
  }

  /** True when every enabled account is the demo (the pane labels the fleet as simulated). */
  demoOnly(): boolean {
    const enabled = this.entries.filter((e) => e.enabled !== false);
    return enabled.length > 0 && enabled.every((e) => e.provider === 'demo');
  }

  /** Sync events: a real account's first successful inventory switches the demo fleet off. */
  onEvent(event: AppEvent): void {
    if (event.type !== 'sync-progress' || event.stream !== 'inventory' || event.phase !== 'finished') return;
    const entry = this.entries.find((e) => e.name === event.account);
    if (!entry || entry.provider === 'demo' || this.synced.has(event.account)) return;
    this.synced.add(event.account);
    if (this.demoEnabled() && this.options.configFile !== null) {
      void this.serial(() => this.switchDemo(false)).catch((error: unknown) => this.log(`could not switch the demo fleet off: ${String(error)}`));
    }
  }

  async state(): Promise<AccountsState> {
    const { accounts } = await this.options.store.accounts(this.now());
    const stored = new Map(accounts.map((a) => [a.name, a]));
    const list: ConfiguredAccount[] = [];
    for (const entry of this.entries) {
      const base = AccountConfigBase.safeParse(entry);
      if (!base.success) continue;
      const config = base.data;
      const summary = stored.get(config.name);
      const diagnostics = this.diagnosticsOf(config.name);
      const streams = {} as Record<StreamId, StreamState>;
      for (const stream of STREAMS) {
        const f = summary?.freshness.streams[stream];
        const next = this.options.engine?.nextSyncAt(config.name, stream) ?? null;
        streams[stream] = {
          lastSuccessAt: f?.lastSuccessAt ?? null,
          nextSyncAt: next === null ? null : next.toISOString(),
          intervalMs: f?.intervalMs ?? intervalSeconds(config.syncIntervals, stream) * 1000,
          stale: f?.stale ?? true,
          lastError: f?.lastError ?? null,
        };
      }
      list.push({
        name: config.name,
        provider: config.provider,
        enabled: config.enabled,
        demo: config.provider === 'demo',
        config: entry,
        secrets: secretNamesIn(entry).map((name) => ({ name, available: this.options.vault.has(name) })),
        streams: streams as ConfiguredAccount['streams'],
        budget: diagnostics?.budget.map((b) => ({ scope: b.scope, remaining: b.remaining, observedAt: b.observedAt })) ?? [],
        diagnostics,
      });
    }
    const reason = await this.options.vault.unavailableReason();
    return {
      accounts: list,
      configFile: this.options.configFile,
      canManage: this.manageRefusal() === null,
      manageRefusal: this.manageRefusal(),
      secretStorage: { available: reason === null, reason },
      demoEnabled: this.demoEnabled(),
      syncedHere: this.options.engine !== undefined,
    };
  }

  /** Every connector's discovery; accounts already configured are left out, unavailable providers explained. */
  async discover(): Promise<Discovery[]> {
    this.requireManage();
    const ctx = this.options.discoveryContext();
    const { providers } = this.options;
    const configured = new Set(this.entries.map((e) => JSON.stringify(providers.identityKey(e))));
    const results = await Promise.all(
      providers.discoverers.map(async (discover) => {
        try {
          return await discover(ctx);
        } catch (error) {
          // Discovery never throws by design; one that does must not hide the others' results.
          this.log(`a discovery failed: ${error instanceof Error ? error.message : String(error)}`);
          return null;
        }
      }),
    );
    return results.filter((r): r is Discovery => r !== null).map((result) => {
      const available = providers.ids.includes(result.provider);
      const found = result.found.filter((f) => !configured.has(JSON.stringify(providers.identityKey(f.config))));
      const unusable = found.filter((f) => !providers.ids.includes(f.provider));
      return {
        ...result,
        found: found.filter((f) => providers.ids.includes(f.provider)),
        problems: [
          ...result.problems,
          ...(unusable.length > 0 || !available
            ? unusable.map((f) => ({ source: f.label, reason: `the ${f.provider} connector is not in this build yet`, action: null }))
            : []),
        ],
      };
    });
  }

  /** Id, label and config template of each provider this build has, for the screen's editor. */
  providers(): ProviderInfo[] {
    return this.options.providers.info();
  }

  /** Checks a hand-typed entry with the shared schema and its connector's schema; issues name the field. */
  validate(entry: Record<string, unknown>, options: { isNew?: boolean } = {}): FieldIssue[] {
    const base = AccountConfigBase.safeParse(entry);
    if (!base.success) return base.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
    if (!this.options.providers.ids.includes(base.data.provider)) return [unknownProviderIssue(base.data.provider, this.options.providers.ids)];
    if (options.isNew && this.entries.some((e) => e.name === base.data.name)) {
      return [{ path: 'name', message: `an account named "${base.data.name}" exists already` }];
    }
    try {
      this.options.providers.parseAccountConfig(base.data);
      return [];
    } catch (error) {
      return issuesOf(error);
    }
  }

  /**
   * validate() for an entry that came in a request, plus serve's limits: which variables and files it
   * may read, and whether it may name an endpoint. Entries of the config file skip the limits.
   */
  validateRequest(entry: Record<string, unknown>, options: { isNew?: boolean } = {}): FieldIssue[] {
    const issues = this.validate(entry, options);
    if (issues.length > 0 || this.options.secretAccess === undefined) return issues;
    return secretAccessIssues(entry, this.options.secretAccess);
  }

  /** Adds (or with `replace`, changes) an account; typed secrets go to the vault, never the file. */
  save(entry: Record<string, unknown>, secrets: Record<string, string>, replace: boolean): Promise<string> {
    return this.serial(async () => {
      this.requireManage();
      const exists = this.entries.some((e) => e.name === entry.name);
      const issues = this.validateRequest(entry, { isNew: !replace });
      if (issues.length > 0) throw new ApiError('bad-request', `account not saved: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      if (replace && !exists) throw new ApiError('not-found', `no account named "${String(entry.name)}" to change`);
      const referenced = new Set(secretNamesIn(entry));
      for (const name of Object.keys(secrets)) {
        if (!referenced.has(name)) throw new ApiError('bad-request', `secret ${name} is not referenced by the entry (use { "env": "${name}" } where the secret goes)`);
      }
      if (Object.keys(secrets).length > 0) {
        const reason = await this.options.vault.unavailableReason();
        if (reason !== null) throw new ApiError('bad-request', `secrets cannot be stored: ${reason}`);
      }
      for (const [name, value] of Object.entries(secrets)) await this.options.vault.put(name, value);
      const config = this.options.providers.parseAccountConfig(AccountConfigBase.parse(entry));
      const next = replace ? this.entries.map((e) => (e.name === config.name ? { ...entry } : e)) : [...this.entries, { ...entry }];
      await this.persist(next);
      if (replace) await this.options.engine?.removeAccount(config.name);
      await this.options.engine?.addAccount({ config, connector: await this.options.providers.createConnector(config) });
      return config.name;
    });
  }

  setEnabled(name: string, enabled: boolean): Promise<string> {
    return this.serial(async () => {
      this.requireManage();
      this.entryOf(name);
      await this.persist(this.entries.map((e) => (e.name === name ? { ...e, enabled } : e)));
      await this.options.engine?.setEnabled(name, enabled);
      return name;
    });
  }

  /** Removes the account from the config, stops its syncs and deletes its stored data and its stored secrets. */
  remove(name: string, confirm: string): Promise<string> {
    return this.serial(async () => {
      this.requireManage();
      const entry = this.entryOf(name);
      if (confirm !== name) throw new ApiError('bad-request', `type the account name "${name}" to confirm removing it and its data`);
      await this.persist(this.entries.filter((e) => e.name !== name));
      await this.options.engine?.removeAccount(name);
      await this.options.store.removeAccount(name);
      const stillUsed = new Set(this.entries.flatMap((e) => secretNamesIn(e)));
      for (const secret of secretNamesIn(entry)) if (!stillUsed.has(secret)) await this.options.vault.delete(secret);
      this.synced.delete(name);
      return name;
    });
  }

  /** One cheap read with a configured account (by name) or a hand-typed entry. */
  async test(request: { name?: string | undefined; entry?: Record<string, unknown> | undefined; secrets: Record<string, string> }): Promise<ConnectionTestResult> {
    let raw: Record<string, unknown>;
    let issues: FieldIssue[];
    if (request.entry !== undefined) {
      // Testing an entry not yet saved reads files and URLs it names: only where the config may change,
      // and on serve only the secrets and endpoints the operator allowed.
      this.requireManage();
      raw = request.entry;
      issues = this.validateRequest(raw);
    } else if (request.name !== undefined) {
      raw = this.entryOf(request.name);
      issues = this.validate(raw);
    } else {
      throw new ApiError('bad-request', 'give the name of an account or an entry to test');
    }
    if (issues.length > 0) throw new ApiError('bad-request', `cannot test: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    const config = this.options.providers.parseAccountConfig(AccountConfigBase.parse(raw));
    // Typed secrets of an unsaved entry are lent to the connector for this test only.
    const lent = Object.entries(request.secrets).filter(([name]) => secretNamesIn(raw).includes(name) && process.env[name] === undefined);
    for (const [name, value] of lent) process.env[name] = value;
    try {
      let connector: Connector;
      try {
        connector = await this.options.providers.createConnector(config);
      } catch (error) {
        // A connector that cannot be built (a wrong CA file) is a failed test, not an internal error.
        if (!(error instanceof ConnectorError)) throw error;
        return { ok: false, message: safeErrorText(error.message), errorKind: error.kind, identity: null, whoami: null, missingPermissions: [], gpuMachines: null, durationMs: 0 };
      }
      return await testConnection(config, connector, { now: this.now });
    } finally {
      for (const [name] of lent) delete process.env[name];
    }
  }

  setDemo(enabled: boolean): Promise<boolean> {
    return this.serial(async () => {
      this.requireManage();
      await this.switchDemo(enabled);
      return this.demoEnabled();
    });
  }

  /** The config file's text as the screen saved it (secret references only). */
  exportText(): string {
    return `${JSON.stringify({ accounts: this.entries }, null, 2)}\n`;
  }

  /** Replaces every account with the file's; all of it is validated first, so a bad file changes nothing. */
  importText(text: string): Promise<string[]> {
    return this.serial(async () => {
      this.requireManage();
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        // JSON.parse quotes the text it refused; say where instead.
        throw new ApiError('bad-request', `the file is ${describeJsonError(text)}`);
      }
      const file = ConfigFile.safeParse(raw);
      if (!file.success) throw new ApiError('bad-request', `the file is not a Fleetpane config: ${file.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`).join('; ')}`);
      const entries = (raw as { accounts: Record<string, unknown>[] }).accounts;
      const configs = entries.map((entry, index) => {
        const issues = this.validateRequest(entry);
        if (issues.length > 0) throw new ApiError('bad-request', `accounts.${index} ("${String(entry.name)}"): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
        return this.options.providers.parseAccountConfig(AccountConfigBase.parse(entry));
      });
      const removed = this.entries.map((e) => String(e.name)).filter((n) => !configs.some((c) => c.name === n));
      await this.persist(entries.map((e) => ({ ...e })));
      const engine = this.options.engine;
      if (engine) {
        for (const name of engine.accountNames()) await engine.removeAccount(name);
        for (const config of configs) await engine.addAccount({ config, connector: await this.options.providers.createConnector(config) });
      }
      for (const name of removed) await this.options.store.removeAccount(name);
      return configs.map((c) => c.name);
    });
  }

  private demoEnabled(): boolean {
    return this.entries.some((e) => e.provider === 'demo' && e.enabled !== false);
  }

  /** Demo off: its syncs stop and its simulated data leaves the store. Demo on: it syncs again. */
  private async switchDemo(enabled: boolean): Promise<void> {
    const demos = this.entries.filter((e) => e.provider === 'demo');
    if (enabled && demos.length === 0) {
      const entry = { name: this.freeName(DEMO_ACCOUNT), provider: 'demo' };
      await this.persist([...this.entries, entry]);
      const config = this.options.providers.parseAccountConfig(AccountConfigBase.parse(entry));
      await this.options.engine?.addAccount({ config, connector: await this.options.providers.createConnector(config) });
      return;
    }
    await this.persist(this.entries.map((e) => (e.provider === 'demo' ? { ...e, enabled } : e)));
    for (const demo of demos) {
      const name = String(demo.name);
      if (enabled) {
        await this.options.engine?.setEnabled(name, true);
        continue;
      }
      const engine = this.options.engine;
      await engine?.removeAccount(name);
      await this.options.store.removeAccount(name);
      const config = this.options.providers.parseAccountConfig(AccountConfigBase.parse({ ...demo, enabled: false }));
      await engine?.addAccount({ config, connector: await this.options.providers.createConnector(config) });
    }
  }

  private freeName(base: string): string {
    let name = base;
    for (let i = 2; this.entries.some((e) => e.name === name); i++) name = `${base}-${i}`;
    return name;
  }

  /** The running connector's diagnostics, validated (a connector's bug must not break the screen). */
  private diagnosticsOf(name: string): ConnectorDiagnostics | null {
    const connector = this.options.engine?.connectorOf(name);
    if (typeof connector?.diagnostics !== 'function') return null;
    try {
      const parsed = ConnectorDiagnostics.safeParse(connector.diagnostics());
      if (parsed.success) return parsed.data;
      this.log(`account ${name}: the connector's diagnostics did not match their schema: ${parsed.error.issues[0]?.message ?? ''}`);
    } catch (error) {
      this.log(`account ${name}: the connector's diagnostics failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return null;
  }

  private entryOf(name: string): Record<string, unknown> {
    const entry = this.entries.find((e) => e.name === name);
    if (!entry) throw new ApiError('not-found', `no account named "${name}" is configured`);
    return entry;
  }

  /** The names of the accounts in the config (imports into other names make imported accounts). */
  configuredNames(): string[] {
    return this.entries.map((e) => e.name).filter((n): n is string => typeof n === 'string');
  }

  /** Whether the accounts screen may change the config here (what app:info reports as writes.accounts). */
  canManage(): boolean {
    return this.manageRefusal() === null;
  }

  private manageRefusal(): string | null {
    if (this.options.manageRefusal !== null) return this.options.manageRefusal;
    if (this.options.configFile === null) return 'there is no config file to save to';
    return null;
  }

  private requireManage(): void {
    const reason = this.manageRefusal();
    if (reason !== null) throw new ApiError('read-only', reason);
  }

  /** Writes the config file (owner-only, atomically) before the runtime changes, so the two agree. */
  private async persist(entries: Record<string, unknown>[]): Promise<void> {
    const file = this.options.configFile;
    if (file === null) throw new ApiError('read-only', 'there is no config file to save to');
    const text = `${JSON.stringify({ accounts: entries }, null, 2)}\n`;
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
    this.entries = entries;
  }

  /** Config changes run one at a time, so the file and the engine never disagree. */
  private serial<T>(body: () => Promise<T>): Promise<T> {
    const run = this.queue.then(body, body);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(safeErrorText(line));
  }
}

/** The raw entries of a config file, as written (no defaults filled in), or null when there is none. */
export function readConfigEntries(file: string): Record<string, unknown>[] | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  let raw: { accounts?: unknown };
  try {
    raw = JSON.parse(text) as { accounts?: unknown };
  } catch {
    throw new Error(`config file ${file} is ${describeJsonError(text)}`);
  }
  return Array.isArray(raw.accounts) ? (raw.accounts as Record<string, unknown>[]) : [];
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(entry)' : path.map(String).join('.');
}

/**
 * Field issues from a provider's parseConfig failure: a ZodError's or a ConfigIssuesError's, as
 * structured; any other error is one issue of the whole entry.
 */
export function issuesOf(error: unknown): FieldIssue[] {
  if (error instanceof z.ZodError) return error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
  if (error instanceof ConfigIssuesError) return error.issues.map((i) => ({ path: i.path, message: i.message }));
  return [{ path: '(entry)', message: error instanceof Error ? error.message : String(error) }];
}

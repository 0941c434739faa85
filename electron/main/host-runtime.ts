/**
 * The backend host's runtime, in plain Node so it can be tested without Electron: the store, the
 * sync engine, the accounts service, the API handlers and the report scheduler of one data folder.
 * A demo-only install keeps its simulated store in <userData>/demo; when the accounts screen saves
 * the first config file, the runtime switches at once (closes the demo store, opens the main one,
 * rebuilds the engine from the file) and tells the renderer to refetch with data-changed events,
 * instead of waiting for the next start.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { ApiReply, AppEvent } from '../../shared/contract';
import { STREAMS } from '../../shared/domain';
import { dispatch } from '../backend/api/index';
import { readConfigEntries } from '../backend/accounts/accounts-service';
import type { SecretVault } from '../backend/accounts/secret-vault';
import { defaultConfigPath } from '../backend/paths';
import type { PdfPrinter } from '../backend/reports/pdf';
import { DEMO_CONFIG, resolveConfig, resolveDataDir, startRuntime, type Runtime } from '../backend/runtime/index';
import type { FleetStore } from '../backend/store/types';
import type { Logger } from '../backend/sync/logger';
import { parseAccount } from '../backend/sync/wiring';

export interface HostRuntimeOptions {
  /** app.getPath('userData'): the default config file and store location. */
  userDataFolder: string;
  /** An explicit config file (FLEETPANE_CONFIG); null: the folder's config.json, else the demo fleet. */
  configFile: string | null;
  /** An explicit store folder (FLEETPANE_DATA_DIR); null: the folder (its demo subfolder for the demo). */
  dataDir: string | null;
  version: string;
  vault: SecretVault;
  /** Events for the renderer. */
  emit: (event: AppEvent) => void;
  log: Logger;
  /** Start syncing and the report schedule (tests switch it off to stay off the network and the clock). */
  startSyncing?: boolean;
  /** Prints scheduled PDF reports (main's printToPDF over the host protocol); absent: they record an error. */
  printPdf?: PdfPrinter;
  /** Opens a store folder (tests wrap it to see which folders open and close). */
  openStore?: (dataDir: string) => Promise<FleetStore>;
}

/** Everything that belongs to one open store: one runtime, and what the switch needs to know. */
interface Parts {
  runtime: Runtime;
  dataDir: string;
  demo: boolean;
  /** The config file the screen saves to. */
  configFile: string;
  /** The store is the demo fallback folder, to leave once a config file exists. */
  onDemoFallback: boolean;
}

/** Store, engine, accounts and API of the desktop backend, able to move from the demo store to the main one. */
export class HostRuntime {
  private parts: Parts | null = null;
  private switching: Promise<void> | null = null;

  private constructor(private readonly options: HostRuntimeOptions) {}

  /** Opens the store the config calls for and starts syncing. */
  static async start(options: HostRuntimeOptions): Promise<HostRuntime> {
    const runtime = new HostRuntime(options);
    runtime.parts = await runtime.open();
    return runtime;
  }

  /** The store folder in use. */
  get dataDir(): string {
    return this.current().dataDir;
  }

  /** True while only the built-in demo config is in use (no config file yet). */
  get demo(): boolean {
    return this.current().demo;
  }

  /** The config file loaded (null: none yet, the demo fleet). */
  get configFile(): string | null {
    const parts = this.current();
    return parts.demo ? null : parts.configFile;
  }

  /** Accounts the running engine syncs. */
  accountNames(): string[] {
    return this.current().runtime.engine?.accountNames() ?? [];
  }

  /** Answers one API request; a change that created the first config file moves to the main store first. */
  async dispatch(channel: string, request: unknown, options: { log?: (line: string) => void } = {}): Promise<ApiReply> {
    if (this.switching) await this.switching;
    const reply = await dispatch(this.current().runtime.api, channel, request, options);
    const parts = this.current();
    if (reply.ok && channel.startsWith('accounts:') && parts.onDemoFallback && existsSync(parts.configFile)) {
      await this.switchToMainStore();
    }
    return reply;
  }

  /** Stops syncing and closes the store. */
  async stop(): Promise<void> {
    if (this.switching) await this.switching.catch(() => undefined);
    const parts = this.parts;
    this.parts = null;
    if (parts) await close(parts);
  }

  private current(): Parts {
    if (this.parts === null) throw new Error('the backend is stopped');
    return this.parts;
  }

  private switchToMainStore(): Promise<void> {
    this.switching ??= (async () => {
      const from = this.current();
      await close(from);
      this.parts = null;
      const to = await this.open();
      this.parts = to;
      this.options.log.info('switched from the demo store to the main store after the first saved config', { from: from.dataDir, to: to.dataDir });
      // Every cached view came from the demo store: one data-changed per account refetches them all.
      for (const account of to.runtime.engine?.accountNames() ?? []) this.options.emit({ type: 'data-changed', account, streams: [...STREAMS] });
    })().finally(() => {
      this.switching = null;
    });
    return this.switching;
  }

  private async open(): Promise<Parts> {
    const { options } = this;
    const config = resolveConfig(options.configFile ?? undefined, parseAccount, options.userDataFolder);
    const dataDir = resolveDataDir(options.dataDir ?? undefined, config.demo, options.userDataFolder);
    mkdirSync(dataDir, { recursive: true });
    // The accounts screen saves to the config in use, or creates the one in the user data folder.
    const configFile = config.file ?? defaultConfigPath(options.userDataFolder);
    const { openStore } = options;
    const runtime = await startRuntime({
      dataDir,
      config,
      mode: 'desktop',
      version: options.version,
      log: options.log,
      emit: options.emit,
      accounts: {
        configFile,
        entries: readConfigEntries(configFile) ?? DEMO_CONFIG.accounts.map((a) => ({ name: a.name, provider: a.provider })),
        manageRefusal: null,
        vault: options.vault,
      },
      // Saved reports on a schedule; PDFs are printed by the main process (this host has no windows).
      ...(options.printPdf ? { printer: options.printPdf } : {}),
      ...(openStore ? { openStore: (folder: string) => openStore(folder) } : {}),
    });
    if (options.startSyncing !== false) runtime.start();
    return { runtime, dataDir, demo: config.demo, configFile, onDemoFallback: config.demo && options.dataDir === null };
  }
}

async function close(parts: Parts): Promise<void> {
  await parts.runtime.close();
}

/**
 * The backend in an Electron utility process: opens the store, runs the sync engine and answers API
 * requests from the main process over process.parentPort, so no store read or write ever happens on
 * the Electron main thread. Plain Node: it must not import 'electron'.
 */
import type { ApiHandlers, AppEvent } from '../../shared/contract';
import { createApi, dispatch } from '../backend/api/index';
import { createEngineWithTriage, openStoreForCli, parseAccount, stderrLogger } from '../backend/cli/backend';
import type { TriageWatcher } from '../backend/analytics/triage-watcher';
import { resolveConfig, resolveDataDir } from '../backend/cli/config-file';
import type { SyncEngine } from '../backend/sync/engine';
import type { FleetStore } from '../backend/store/types';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigEntries, type AccountsService } from '../backend/accounts/accounts-service';
import { EncryptedFileVault, type SecretCipher } from '../backend/accounts/secret-vault';
import { createAccountsService } from '../backend/accounts/wiring';
import { DEMO_CONFIG } from '../backend/cli/config-file';
import { defaultConfigPath } from '../backend/paths';
import { FromHost, ToHost, type HostInit } from './host-protocol';
import { ReportScheduler } from '../backend/reports/schedule';

let reports: ReportScheduler | null = null;

/** The part of Electron's ParentPort the host uses (a global in utility processes). */
interface ParentPortLike {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (port === undefined) {
  process.stderr.write('backend-host: not running as an Electron utility process (no parentPort)\n');
  process.exit(1);
}
const parent: ParentPortLike = port;

function send(message: FromHost): void {
  parent.postMessage(message);
}

let handlers: ApiHandlers | null = null;
let store: FleetStore | null = null;
let engine: SyncEngine | null = null;
let triage: TriageWatcher | null = null;
let accounts: AccountsService | null = null;
const log = stderrLogger();

/** Where the desktop keeps secrets typed in the accounts screen, encrypted by main's safeStorage. */
const SECRETS_FILE = 'secrets.json';
const cipherWaits = new Map<number, (reply: { ok: boolean; text: string }) => void>();
let nextCipherId = 1;

function askMain(op: 'check' | 'encrypt' | 'decrypt', text: string): Promise<{ ok: boolean; text: string }> {
  const id = nextCipherId++;
  return new Promise((resolve) => {
    cipherWaits.set(id, resolve);
    send({ kind: 'cipher', id, op, text });
  });
}

/** safeStorage through main: the host never holds a key, only ciphertexts and the values it needs. */
const mainCipher: SecretCipher = {
  async unavailableReason() {
    const reply = await askMain('check', '');
    return reply.ok && reply.text === '' ? null : reply.text || 'secret storage is not available';
  },
  async encrypt(plainText) {
    const reply = await askMain('encrypt', plainText);
    if (!reply.ok) throw new Error(reply.text);
    return reply.text;
  },
  async decrypt(cipherText) {
    const reply = await askMain('decrypt', cipherText);
    if (!reply.ok) throw new Error(reply.text);
    return reply.text;
  },
};

async function init(message: HostInit): Promise<void> {
  const config = resolveConfig(message.configFile ?? undefined, parseAccount, message.userDataFolder);
  const dataDir = resolveDataDir(message.dataDir ?? undefined, config.demo, message.userDataFolder);
  mkdirSync(dataDir, { recursive: true });
  store = await openStoreForCli(dataDir);
  // Secrets go into this process's environment before any connector is built.
  const vault = await EncryptedFileVault.open(join(message.userDataFolder, SECRETS_FILE), mainCipher);
  const synced = createEngineWithTriage(
    store,
    config.accounts,
    (event: AppEvent) => {
      send({ kind: 'event', event });
      accounts?.onEvent(event);
    },
    log,
  );
  engine = synced.engine;
  triage = synced.triage;
  // The accounts screen saves to the config in use, or creates the one in the user data folder.
  const configFile = config.file ?? defaultConfigPath(message.userDataFolder);
  accounts = await createAccountsService({
    store,
    engine,
    configFile,
    entries: readConfigEntries(configFile) ?? DEMO_CONFIG.accounts.map((a) => ({ name: a.name, provider: a.provider })),
    manageRefusal: null,
    vault,
    log: (line) => log.warn(line),
  });
  const service = accounts;
  handlers = createApi({
    store,
    engine,
    accounts: service,
    mode: 'desktop',
    version: message.version,
    demo: () => service.demoOnly(),
    emitSpendEvent: (event: AppEvent) => send({ kind: 'event', event }),
    // Edited alert rules take effect at once, not at the next commit.
    onAlertSettingsChanged: () => void synced.triage.evaluateAlerts(),
  });
  send({ kind: 'ready', demo: config.demo, dataDir, configFile: config.file });
  engine.start();
  // Saved reports on a schedule (PDF needs the main process's printer, so scheduled PDFs record an error here).
  reports = new ReportScheduler({ store, log: (line) => log.info(line) });
  reports.start();
}

async function stop(): Promise<void> {
  await reports?.stop();
  await engine?.stop();
  triage?.stop();
  await store?.close();
  send({ kind: 'stopped' });
}

parent.on('message', ({ data }) => {
  const parsed = ToHost.safeParse(data);
  if (!parsed.success) {
    log.warn('backend-host: ignored a malformed message from main');
    return;
  }
  const message = parsed.data;
  switch (message.kind) {
    case 'init':
      init(message).catch((error: unknown) => {
        send({ kind: 'fatal', message: error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : String(error) });
      });
      break;
    case 'request': {
      const current = handlers;
      if (current === null) {
        send({ kind: 'reply', id: message.id, reply: { ok: false, error: { code: 'internal', message: 'the backend is still starting' } } });
        break;
      }
      void dispatch(current, message.channel, message.request, { log: (line) => log.error(line) }).then((reply) =>
        send({ kind: 'reply', id: message.id, reply }),
      );
      break;
    }
    case 'stop':
      stop().catch(() => send({ kind: 'stopped' }));
      break;
    case 'cipher-reply': {
      const wait = cipherWaits.get(message.id);
      cipherWaits.delete(message.id);
      wait?.({ ok: message.ok, text: message.text });
      break;
    }
  }
});

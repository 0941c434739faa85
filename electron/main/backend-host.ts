/**
 * The backend in an Electron utility process: opens the store, runs the sync engine and answers API
 * requests from the main process over process.parentPort, so no store read or write ever happens on
 * the Electron main thread. Plain Node: it must not import 'electron'.
 */
import type { AppEvent } from '../../shared/contract';
import { stderrLogger } from '../backend/sync/logger';
import { join } from 'node:path';
import { EncryptedFileVault, type SecretCipher } from '../backend/accounts/secret-vault';
import { createHostPdfPrinter } from './host-pdf';
import { FromHost, ToHost, type HostInit } from './host-protocol';
import { HostRuntime } from './host-runtime';

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

let runtime: HostRuntime | null = null;
/** Scheduled PDF reports are printed by main (printToPDF); this host only asks. */
const pdf = createHostPdfPrinter(send);
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
  // Secrets go into this process's environment before any connector is built.
  const vault = await EncryptedFileVault.open(join(message.userDataFolder, SECRETS_FILE), mainCipher);
  // Store, engine, triage, accounts, API and report schedule; it moves off the demo store at the first saved config.
  runtime = await HostRuntime.start({
    userDataFolder: message.userDataFolder,
    configFile: message.configFile,
    dataDir: message.dataDir,
    version: message.version,
    vault,
    printPdf: pdf.printPdf,
    emit: (event: AppEvent) => send({ kind: 'event', event }),
    log,
  });
  send({ kind: 'ready', demo: runtime.demo, dataDir: runtime.dataDir, configFile: runtime.configFile });
}

async function stop(): Promise<void> {
  pdf.cancelAll('the backend is stopping');
  await runtime?.stop();
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
      const current = runtime;
      if (current === null) {
        send({ kind: 'reply', id: message.id, reply: { ok: false, error: { code: 'internal', message: 'the backend is still starting' } } });
        break;
      }
      current.dispatch(message.channel, message.request, { log: (line) => log.error(line) }).then(
        (reply) => send({ kind: 'reply', id: message.id, reply }),
        // Only a failed move to the main store gets here: the backend cannot go on.
        (error: unknown) => send({ kind: 'fatal', message: error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : String(error) }),
      );
      break;
    }
    case 'stop':
      stop().catch(() => send({ kind: 'stopped' }));
      break;
    case 'print-pdf-reply':
      pdf.onReply(message);
      break;
    case 'cipher-reply': {
      const wait = cipherWaits.get(message.id);
      cipherWaits.delete(message.id);
      wait?.({ ok: message.ok, text: message.text });
      break;
    }
  }
});

/**
 * The main process's handle on the backend host: forks the utility process, forwards API requests
 * with ids, and surfaces events. Every message from the host is validated before use.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { ApiReply, AppEvent, ChannelId } from '../../shared/contract';
import type { PdfPrinter } from '../backend/reports/pdf';
import { answerPrintPdf } from './host-pdf';
import { FromHost, type HostInit, type ToHost } from './host-protocol';

export interface BackendReady {
  demo: boolean;
  dataDir: string;
  configFile: string | null;
}

export interface BackendClient {
  /** Resolves when the store is open and the engine started; rejects with the one-line reason otherwise. */
  readonly ready: Promise<BackendReady>;
  request(channel: ChannelId, request: unknown): Promise<ApiReply>;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Stops the engine, closes the store and ends the process (killed after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 120_000;

/** Answers the host's safeStorage requests (main only may use safeStorage). */
export type CipherHandler = (op: 'check' | 'encrypt' | 'decrypt', text: string) => Promise<{ ok: boolean; text: string }>;

const NO_CIPHER: CipherHandler = async (op) => ({ ok: op === 'check', text: 'secret storage is not available' });

const NO_PRINTER: PdfPrinter = {
  print: async () => {
    throw new Error('this app cannot print PDF reports');
  },
};

/** Forks the backend host at `entry` and sends it `init`; `printPdf` answers the host's scheduled PDF reports. */
export function startBackend(entry: string, init: Omit<HostInit, 'kind'>, cipher: CipherHandler = NO_CIPHER, printPdf: PdfPrinter = NO_PRINTER): BackendClient {
  const child: UtilityProcess = utilityProcess.fork(entry, [], { serviceName: 'Fleetpane backend', stdio: 'inherit' });
  const pending = new Map<number, { resolve: (reply: ApiReply) => void; timer: NodeJS.Timeout }>();
  const listeners = new Set<(event: AppEvent) => void>();
  let nextId = 1;
  let exited = false;
  let onStopped: (() => void) | null = null;
  let settleReady: { resolve: (r: BackendReady) => void; reject: (e: Error) => void } | null = null;
  const ready = new Promise<BackendReady>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  // Callers attach their own handlers; this keeps an early failure from being "unhandled".
  ready.catch(() => undefined);

  const post = (message: ToHost) => child.postMessage(message);

  const failAll = (message: string) => {
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer);
      entry.resolve({ ok: false, error: { code: 'internal', message } });
      pending.delete(id);
    }
  };

  child.on('message', (raw: unknown) => {
    const parsed = FromHost.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.kind) {
      case 'ready':
        settleReady?.resolve({ demo: message.demo, dataDir: message.dataDir, configFile: message.configFile });
        break;
      case 'fatal':
        settleReady?.reject(new Error(message.message));
        break;
      case 'reply': {
        const entry = pending.get(message.id);
        if (entry) {
          clearTimeout(entry.timer);
          pending.delete(message.id);
          entry.resolve(message.reply);
        }
        break;
      }
      case 'event':
        for (const listener of listeners) listener(message.event);
        break;
      case 'stopped':
        onStopped?.();
        break;
      case 'print-pdf':
        void answerPrintPdf(message, printPdf).then((reply) => {
          if (!exited) post(reply);
        });
        break;
      case 'cipher':
        void cipher(message.op, message.text).then((reply) => {
          if (!exited) post({ kind: 'cipher-reply', id: message.id, ...reply });
        });
        break;
    }
  });
  child.on('exit', (code) => {
    exited = true;
    settleReady?.reject(new Error(`the backend process exited (code ${code}) before it was ready`));
    failAll('the backend process has exited');
    onStopped?.();
  });

  post({ kind: 'init', ...init });

  return {
    ready,
    request(channel, request) {
      if (exited) return Promise.resolve({ ok: false, error: { code: 'internal', message: 'the backend process has exited' } });
      return new Promise<ApiReply>((resolve) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: { code: 'internal', message: `${channel} timed out in the backend` } });
        }, REQUEST_TIMEOUT_MS);
        pending.set(id, { resolve, timer });
        post({ kind: 'request', id, channel, request });
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop(graceMs = 5_000) {
      if (exited) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill();
          resolve();
        }, graceMs);
        onStopped = () => {
          clearTimeout(timer);
          resolve();
        };
        post({ kind: 'stop' });
      });
    },
  };
}

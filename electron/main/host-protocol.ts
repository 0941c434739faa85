/**
 * Messages between the Electron main process and the backend host (a utility process). Both sides
 * validate what they receive: the host is our code, but a message across a process boundary is
 * still input.
 */
import { z } from 'zod';
import { ApiReply, AppEvent } from '../../shared/contract';
import { CostReportQuery } from '../../shared/contract-spend';

export const HostInit = z.object({
  kind: z.literal('init'),
  /** The per-user data folder (app.getPath('userData')): default config and store location. */
  userDataFolder: z.string().min(1),
  /** An explicit config file (FLEETPANE_CONFIG), else the folder's config.json, else the demo fleet. */
  configFile: z.string().min(1).nullable(),
  /** An explicit store folder (FLEETPANE_DATA_DIR). */
  dataDir: z.string().min(1).nullable(),
  version: z.string(),
});
export type HostInit = z.infer<typeof HostInit>;

/** Main -> host. */
export const ToHost = z.discriminatedUnion('kind', [
  HostInit,
  z.object({ kind: z.literal('request'), id: z.number().int(), channel: z.string(), request: z.unknown() }),
  z.object({ kind: z.literal('stop') }),
  /** The answer to a cipher request: the text (base64 ciphertext or plaintext) or why not. */
  z.object({ kind: z.literal('cipher-reply'), id: z.number().int(), ok: z.boolean(), text: z.string() }),
  /** The answer to a print-pdf request: the PDF (base64) or why it could not be printed. */
  z.object({
    kind: z.literal('print-pdf-reply'),
    id: z.number().int(),
    result: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), base64: z.string() }), z.object({ ok: z.literal(false), message: z.string() })]),
  }),
]);
export type ToHost = z.infer<typeof ToHost>;

/** Host -> main. */
export const FromHost = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), demo: z.boolean(), dataDir: z.string(), configFile: z.string().nullable() }),
  /** The backend cannot start (bad config, data dir in use): one line for a dialog. */
  z.object({ kind: z.literal('fatal'), message: z.string() }),
  z.object({ kind: z.literal('reply'), id: z.number().int(), reply: ApiReply }),
  z.object({ kind: z.literal('event'), event: AppEvent }),
  z.object({ kind: z.literal('stopped') }),
  /**
   * The host asks main to encrypt or decrypt with safeStorage (only main may use it), or to say why
   * secrets cannot be stored ('check': the reply's text is the reason, empty when they can).
   */
  z.object({ kind: z.literal('cipher'), id: z.number().int(), op: z.enum(['check', 'encrypt', 'decrypt']), text: z.string() }),
  /** The host asks main to print a cost report to PDF (scheduled reports; only main has windows). */
  z.object({ kind: z.literal('print-pdf'), id: z.number().int(), query: CostReportQuery }),
]);
export type FromHost = z.infer<typeof FromHost>;

/**
 * Which channels write, and what kind of change each makes. Every channel of the contract says it in
 * its own definition (`writes`, absent = it only reads); serve mode's write policy and app:info's
 * `writes` are derived from these declarations, never from hand-kept lists. Kept free of imports
 * from contract.ts so the channel files (contract-accounts/-spend/-triage) can use it.
 */
import type { z } from 'zod';

/**
 * The kinds of change a channel can make. Serve mode is read-only by default and opens each kind
 * with one start flag (SERVE_WRITE_FLAGS); the desktop accepts all of them unless its store is
 * read-only.
 * - `accounts`: the config file (add, enable, remove, import accounts; the demo switch).
 * - `triage`: the operators' own annotations (acknowledgements, notes, alert rules).
 * - `spend`: budgets, saved reports, FOCUS imports and removing imported accounts' cost rows.
 */
export const WRITE_KINDS = ['accounts', 'triage', 'spend'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/** One channel of the contract: its schemas and, when it changes anything, what it changes. */
export interface ChannelDefinition {
  request: z.ZodType;
  response: z.ZodType;
  /** The kind of change this channel makes; absent: it only reads (syncing is not a change here). */
  writes?: WriteKind;
  /**
   * The request names files on the backend's own disk (paths typed on the desktop). Serve mode never
   * serves such a channel, whatever its flags: a browser holds no paths on the serving host (FOCUS
   * files are uploaded instead, see shared/bridge.ts FOCUS_UPLOAD_PATH).
   */
  hostPaths?: true;
}

/** The `fleetpane serve` start flags that open each kind of write, and what they let a user do. */
export const SERVE_WRITE_FLAGS: Readonly<Record<WriteKind, { flag: string; opens: string }>> = {
  accounts: { flag: '--config FILE --manage-accounts', opens: 'change accounts from the screen' },
  triage: { flag: '--allow-triage', opens: 'acknowledge incidents, add notes and edit alert rules (with --config FILE or --demo)' },
  spend: { flag: '--manage-spend', opens: 'import FOCUS files, edit budgets and saved reports and remove imported accounts' },
};

/**
 * Words that name a change in a channel's verb (`area:verb-object`). A channel whose verb holds one
 * of them must declare what it writes; the contract test holds every channel to this.
 */
export const CHANGE_VERBS: readonly string[] = [
  'add',
  'remove',
  'set',
  'save',
  'import',
  'delete',
  'update',
  'acknowledge',
  'create',
  'edit',
  'write',
  'put',
  'clear',
  'reset',
  'rename',
  'enable',
  'disable',
  'upload',
  'move',
  'restore',
  'apply',
  'replace',
  'resolve',
  'assign',
  'purge',
];

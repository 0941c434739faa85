/**
 * Imported accounts: cost rows stored under a name that no configured account has (FOCUS files
 * imported with `fleetpane import-focus --account NAME`, the spend screen, or a serve upload). Every
 * name an import accepts is either configured or becomes one of these, which the accounts screen
 * lists and can remove, so no import leaves data behind that nothing can address.
 *
 * The rule for an import's account name: it must pass the config's name rule; a configured or an
 * already imported name is accepted as it is; a new name starts a new imported account unless it
 * differs from a configured or imported one only in letter case (two look-alike accounts on the pane
 * would split one bill). Refusals name the `account` field and quote only names that passed the rule.
 */
import { AccountConfigBase } from '../../../shared/config';
import { ApiError } from '../../../shared/contract';
import type { ImportedAccount } from '../../../shared/contract-accounts';
import type { FleetStore } from '../store/types';

/** Where the configured names come from: the accounts service (config file), else the store's account table. */
export interface AccountNamesSource {
  store: FleetStore;
  now: () => Date;
  /** The accounts service (desktop; serve with --config); absent: the store's accounts are the configured ones. */
  accounts?: { configuredNames(): readonly string[] } | undefined;
}

const NAME_RULE = 'give an account name of 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit';

/** True when `name` passes the config's account-name rule (so it carries no markup and can be quoted). */
export function isAccountName(name: string): boolean {
  return AccountConfigBase.shape.name.safeParse(name).success;
}

/** The names of the configured accounts. */
export async function configuredAccountNames(source: AccountNamesSource): Promise<string[]> {
  if (source.accounts !== undefined) return [...source.accounts.configuredNames()];
  return (await source.store.accounts(source.now())).accounts.map((a) => a.name);
}

/** Accounts whose cost rows have no configured account, with their row count, providers and period. */
export async function listImportedAccounts(source: AccountNamesSource): Promise<ImportedAccount[]> {
  const configured = new Set(await configuredAccountNames(source));
  return (await source.store.costAccounts()).filter((a) => !configured.has(a.name));
}

/** Why an import into `account` is refused ("account: ..."), or null when it may go ahead (see the rule above). */
export async function importAccountRefusal(account: string, source: AccountNamesSource): Promise<string | null> {
  if (!isAccountName(account)) return `account: ${NAME_RULE}`;
  const configured = await configuredAccountNames(source);
  if (configured.includes(account)) return null;
  const imported = (await listImportedAccounts(source)).map((a) => a.name);
  if (imported.includes(account)) return null;
  const lower = account.toLowerCase();
  const lookalike = configured.find((n) => n.toLowerCase() === lower) ?? imported.find((n) => n.toLowerCase() === lower);
  if (lookalike === undefined) return null;
  const kind = configured.includes(lookalike) ? 'configured' : 'imported';
  return `account: "${account}" differs from the ${kind} account "${lookalike}" only in letter case; import into "${lookalike}" or choose a distinct name`;
}

/** Deletes an imported account's cost rows (the account-removal path); refuses configured and unknown names. */
export async function removeImportedAccount(name: string, confirm: string, source: AccountNamesSource): Promise<{ name: string; deletedRows: number }> {
  if (!isAccountName(name)) throw new ApiError('bad-request', `name: ${NAME_RULE}`);
  if ((await configuredAccountNames(source)).includes(name)) {
    throw new ApiError('bad-request', `name: "${name}" is a configured account; remove it with its config entry instead`);
  }
  if (!(await listImportedAccounts(source)).some((a) => a.name === name)) {
    throw new ApiError('not-found', `name: no imported account named "${name}"`);
  }
  if (confirm !== name) throw new ApiError('bad-request', `confirm: type the account name "${name}" to confirm removing it and its cost rows`);
  const deletedRows = await source.store.removeAccount(name);
  return { name, deletedRows };
}

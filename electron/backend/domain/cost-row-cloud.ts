/**
 * Which cloud an account's data belongs to, for rows that do not say it themselves (cost rows). The
 * rule is data (the constants below); cloudOfCostRow applies it in TypeScript (overview, spend
 * summary) and costRowCloudSql writes the same rule as a DuckDB expression (reports, budgets, FOCUS
 * export), so the two cannot drift apart. store/cost-row-cloud.test.ts runs both over the same rows.
 */
import type { CloudId, ProviderId } from '../../../shared/domain';

/**
 * FOCUS ProviderName patterns, first match wins, matched ignoring case anywhere in the name. Each is a
 * plain alternation of lowercase words, so it reads the same as a JavaScript RegExp and as DuckDB's
 * RE2 `regexp_matches`, and needs no quoting in SQL.
 */
export const PROVIDER_NAME_CLOUDS: readonly { readonly pattern: string; readonly cloud: CloudId }[] = [
  { pattern: 'microsoft|azure', cloud: 'azure' },
  { pattern: 'google|gcp', cloud: 'gcp' },
  { pattern: 'oracle|oci', cloud: 'oci' },
  { pattern: 'coreweave', cloud: 'coreweave' },
  { pattern: 'amazon|aws', cloud: 'aws' },
];

/** The cloud a connector's accounts live in, where the connector implies one (Kubernetes and demo do not). */
export const PROVIDER_CLOUDS: Readonly<Partial<Record<ProviderId, CloudId>>> = {
  azure: 'azure',
  gcp: 'gcp',
  oci: 'oci',
  coreweave: 'coreweave',
  aws: 'aws',
};

/** Where nothing else places a row. */
export const FALLBACK_CLOUD: CloudId = 'other';

const SAFE_PATTERN = /^[a-z0-9]+(\|[a-z0-9]+)*$/;
for (const { pattern } of PROVIDER_NAME_CLOUDS) {
  if (!SAFE_PATTERN.test(pattern)) throw new Error(`provider-name pattern "${pattern}" is not a plain alternation`);
}
const PROVIDER_NAME_REGEXPS = PROVIDER_NAME_CLOUDS.map(({ pattern, cloud }) => ({ regexp: new RegExp(pattern, 'i'), cloud }));

/** Maps a FOCUS ProviderName ("Microsoft", "Google Cloud", "Oracle", ...) to a cloud. */
export function cloudOfProviderName(name: string): CloudId | null {
  for (const { regexp, cloud } of PROVIDER_NAME_REGEXPS) if (regexp.test(name)) return cloud;
  return null;
}

/** The cloud a connector's account lives in, where the connector implies one. */
export function cloudOfProvider(provider: ProviderId): CloudId | null {
  return PROVIDER_CLOUDS[provider] ?? null;
}

/**
 * The rule for cost rows: an account whose inventory lies in exactly one cloud books all its charges
 * to that cloud (a CoreWeave or Kubernetes account may bill under a reseller's ProviderName). Otherwise
 * each row goes by its ProviderName, then by the account's connector, else to 'other'.
 */
export function cloudOfCostRow(
  inventoryClouds: readonly CloudId[] | undefined,
  providerName: string,
  provider: ProviderId | undefined,
): CloudId {
  if (inventoryClouds && inventoryClouds.length === 1 && inventoryClouds[0]) return inventoryClouds[0];
  return cloudOfProviderName(providerName) ?? (provider ? cloudOfProvider(provider) : null) ?? FALLBACK_CLOUD;
}

/** An aggregate over an account's inventory rows: its cloud when they all lie in one, else NULL. */
export function onlyCloudSql(cloudColumn: string): string {
  return `CASE WHEN count(DISTINCT ${cloudColumn}) = 1 THEN min(${cloudColumn}) END`;
}

/**
 * cloudOfCostRow as a DuckDB expression over three SQL expressions: the account's only inventory
 * cloud (onlyCloudSql, NULL when none or several), the row's ProviderName and the account's provider.
 */
export function costRowCloudSql(columns: { onlyCloud: string; providerName: string; provider: string }): string {
  const byName = PROVIDER_NAME_CLOUDS.map(
    ({ pattern, cloud }) => `WHEN regexp_matches(${columns.providerName}, '(?i)${pattern}') THEN '${cloud}'`,
  ).join(' ');
  const byProvider = Object.entries(PROVIDER_CLOUDS)
    .map(([provider, cloud]) => `WHEN '${provider}' THEN '${cloud}'`)
    .join(' ');
  return `coalesce(${columns.onlyCloud}, CASE ${byName} END, CASE ${columns.provider} ${byProvider} END, '${FALLBACK_CLOUD}')`;
}

/**
 * What a connector can tell about its own account beyond the synced data: the API budget left, the
 * scopes it could not read with the role or policy that would fix them, the machines it could not
 * measure and why, the API calls it made, and who the credential is. Names and ids only: never a
 * token, key or secret value.
 */
import { z } from 'zod';
import { IsoTime } from './domain';

/** Remaining provider API budget of one scope (Azure: ARM reads per subscription). */
export const BudgetDiagnostic = z.object({
  /** What the budget is for, in the provider's words: "ARM reads, subscription 1234...". */
  scope: z.string(),
  /** As the last response reported it; null before any call. */
  remaining: z.number().nullable(),
  observedAt: IsoTime.nullable(),
  /** Requests the connector delayed to stay above its floor (null: the connector does not pace). */
  pacedRequests: z.number().int().nonnegative().nullable(),
});
export type BudgetDiagnostic = z.infer<typeof BudgetDiagnostic>;

/** One scope (compartment, subscription, project) an operation could not read. */
export const AccessProblem = z.object({
  /** "compartment gpu-prod (us-ashburn-1)", "subscription 1234...". */
  scope: z.string(),
  /** The API operation that failed: "ListInstances", "SummarizeMetricsData". */
  operation: z.string(),
  /** denied: nothing known; stale: the previous data is shown, marked stale. */
  status: z.enum(['denied', 'stale']),
  /** The provider's message in full. */
  message: z.string().nullable(),
  /** The policy statement or role that would make it work, where known. */
  fix: z.string().nullable(),
  at: IsoTime.nullable(),
});
export type AccessProblem = z.infer<typeof AccessProblem>;

/** A running GPU machine whose GPUs are "not measured" (never zero), and why. */
export const UnmeasuredMachine = z.object({
  resourceId: z.string(),
  name: z.string(),
  region: z.string(),
  /** Compartment, resource group or project, where the provider has one ('' when not). */
  scope: z.string(),
  reason: z.string(),
});
export type UnmeasuredMachine = z.infer<typeof UnmeasuredMachine>;

/**
 * A machine whose placement (cloud, region or physical GPU count) the connector could not tell, what
 * it assumed instead and why, e.g. MIG devices whose parent GPUs no label or series names.
 */
export const UnplacedMachine = z.object({
  resourceId: z.string(),
  name: z.string(),
  region: z.string(),
  /** Compartment, resource group or project, where the provider has one ('' when not). */
  scope: z.string(),
  reason: z.string(),
});
export type UnplacedMachine = z.infer<typeof UnplacedMachine>;

/** API calls made per operation since the connector was built (this run of the app). */
export const ApiCallCount = z.object({ operation: z.string(), calls: z.number().int().nonnegative() });
export type ApiCallCount = z.infer<typeof ApiCallCount>;

/** Everything a connector reports about its account; empty lists where it has nothing to say. */
export const ConnectorDiagnostics = z.object({
  budget: z.array(BudgetDiagnostic),
  access: z.array(AccessProblem),
  unmeasured: z.array(UnmeasuredMachine),
  /** Optional: connectors that always place every machine leave it out. */
  unplaced: z.array(UnplacedMachine).optional(),
  calls: z.array(ApiCallCount),
});
export type ConnectorDiagnostics = z.infer<typeof ConnectorDiagnostics>;

/** Who a credential is, as the provider (or the credential itself) says: a name and ids, never a secret. */
export const ConnectorIdentity = z.object({
  /** The principal's name: "alice@contoso.com", "sa@project.iam.gserviceaccount.com", "ocid1.user...". */
  name: z.string().min(1),
  /** user, service principal, managed identity, service account, ... */
  kind: z.string(),
  /** Ids that pin it down: object id, tenant, key fingerprint, groups. */
  details: z.array(z.object({ label: z.string(), value: z.string() })),
  /** Where the answer came from: "access token claims (decoded locally)", "SelfSubjectReview". */
  source: z.string(),
});
export type ConnectorIdentity = z.infer<typeof ConnectorIdentity>;

/** The identity in one line for the screen: "alice@contoso.com (user; object id 1234)". */
export function identityLine(identity: ConnectorIdentity): string {
  const details = identity.details.map((d) => `${d.label} ${d.value}`);
  return `${identity.name} (${[identity.kind, ...details].join('; ')})`;
}

/**
 * Who a Kubernetes credential is: the API server's own answer (SelfSubjectReview, Kubernetes 1.28+)
 * where the server offers it, else the kubeconfig user name of the context. Never the token.
 */
import { ApiException, AuthenticationV1Api, type V1SelfSubjectReview } from '@kubernetes/client-node';
import type { ConnectorIdentity } from '../../../../shared/connector-diagnostics';
import { AuthError } from '../types';
import { buildKubeConfig, kubeError } from './client';
import type { KubernetesConfig } from './config';

/** Groups shown at most (OIDC users can have hundreds). */
const MAX_GROUPS = 10;

/** The identity from a SelfSubjectReview answer, or the kubeconfig user when there is none. */
export function kubernetesIdentityOf(review: V1SelfSubjectReview | null, kubeconfigUser: string | null, context: string | null): ConnectorIdentity {
  const info = review?.status?.userInfo;
  if (info?.username) {
    const details: ConnectorIdentity['details'] = [];
    if (info.uid) details.push({ label: 'uid', value: info.uid });
    const groups = (info.groups ?? []).filter((g) => g !== 'system:authenticated');
    if (groups.length > 0) {
      const shown = groups.slice(0, MAX_GROUPS).join(', ');
      details.push({ label: 'groups', value: groups.length > MAX_GROUPS ? `${shown} (and ${groups.length - MAX_GROUPS} more)` : shown });
    }
    const kind = info.username.startsWith('system:serviceaccount:') ? 'service account' : 'user';
    return { name: info.username, kind, details, source: 'the API server (SelfSubjectReview)' };
  }
  if (!kubeconfigUser) throw new AuthError('the kubeconfig context names no user and the server did not say who the credential is');
  return {
    name: kubeconfigUser,
    kind: 'kubeconfig user',
    details: context ? [{ label: 'context', value: context }] : [],
    source: 'kubeconfig (the server offers no SelfSubjectReview)',
  };
}

/** Asks the server who we are; falls back to the kubeconfig user where SelfSubjectReview is missing (404) or refused (403). */
export async function kubernetesIdentity(cfg: KubernetesConfig): Promise<ConnectorIdentity> {
  const kc = await buildKubeConfig(cfg);
  const context = kc.getCurrentContext() || null;
  const user = kc.getCurrentUser()?.name ?? null;
  let review: V1SelfSubjectReview | null = null;
  try {
    review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
  } catch (error) {
    const notOffered = error instanceof ApiException && (error.code === 404 || error.code === 403 || error.code === 405);
    if (!notOffered) throw kubeError('asking the API server who the credential is', error);
  }
  return kubernetesIdentityOf(review, user, context);
}

/**
 * Kubeconfig handling. A kubeconfig can run commands (exec plugins) and holds credentials, so it is
 * read in place (never copied to a temporary file) and never logged; errors name the file and the
 * context only.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../types';

/** $KUBECONFIG's first entry, else ~/.kube/config. */
export function defaultKubeconfigPath(): string {
  const env = process.env.KUBECONFIG?.split(process.platform === 'win32' ? ';' : ':').find((p) => p.length > 0);
  return env ?? join(homedir(), '.kube', 'config');
}

/** Loads a kubeconfig file without copying it; errors never include its contents. */
export function loadKubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (cause) {
    const reason = cause instanceof Error && 'code' in cause ? String((cause as { code?: unknown }).code) : 'unreadable or not YAML';
    throw new ConfigError(`kubeconfig ${path} could not be read (${reason})`);
  }
  return kc;
}

export interface KubeconfigContext {
  name: string;
  cluster: string;
  /** The context's user runs a command (exec plugin) to get credentials: show this before syncing. */
  usesExec: boolean;
}

/** Lists the contexts of a kubeconfig and which of them use exec plugins. */
export function describeKubeconfig(path: string = defaultKubeconfigPath()): { contexts: KubeconfigContext[]; currentContext: string | null } {
  const kc = loadKubeconfig(path);
  return {
    currentContext: kc.getCurrentContext() || null,
    contexts: kc.getContexts().map((c) => ({
      name: c.name,
      cluster: c.cluster,
      usesExec: !!kc.getUser(c.user)?.exec,
    })),
  };
}

/**
 * Discovery of kubeconfig contexts: every context of every file in $KUBECONFIG (else
 * ~/.kube/config), whether its user runs an exec plugin (a command that runs at sync time), and
 * whether the cluster is CoreWeave's. Read-only: the kubeconfig is parsed in place, no exec plugin
 * runs, and nothing but names leaves this function.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveredAccount, Discovery, DiscoveryContext, DiscoveryProblem } from '../types';
import { loadKubeconfig } from './kubeconfig';

const SOURCE = 'kubeconfig contexts';

/** The kubeconfig files: every entry of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigFiles(ctx: DiscoveryContext): string[] {
  const list = ctx.env.KUBECONFIG?.split(ctx.platform === 'win32' ? ';' : ':').filter((p) => p.length > 0) ?? [];
  return list.length > 0 ? list : [join(ctx.home, '.kube', 'config')];
}

/** Contexts of the kubeconfig(s), one suggested account each (kubernetes, or coreweave for CoreWeave clusters). */
export async function discoverKubernetes(ctx: DiscoveryContext): Promise<Discovery> {
  const found: DiscoveredAccount[] = [];
  const problems: DiscoveryProblem[] = [];
  const used = new Set<string>();
  const explicitList = (ctx.env.KUBECONFIG ?? '').length > 0;
  for (const file of kubeconfigFiles(ctx)) {
    if (!existsSync(file)) {
      problems.push({ source: file, reason: 'no kubeconfig here', action: explicitList ? 'fix $KUBECONFIG' : null });
      continue;
    }
    let kc;
    try {
      kc = loadKubeconfig(file);
    } catch (error) {
      problems.push({ source: file, reason: error instanceof Error ? error.message : String(error), action: null });
      continue;
    }
    const current = kc.getCurrentContext();
    for (const context of kc.getContexts()) {
      const cluster = kc.getCluster(context.cluster);
      if (!cluster) {
        problems.push({ source: `${file} context ${context.name}`, reason: `cluster "${context.cluster}" is not in the kubeconfig`, action: null });
        continue;
      }
      const user = kc.getUser(context.user);
      const exec = user?.exec as { command?: unknown } | undefined;
      const command = typeof exec?.command === 'string' ? exec.command : null;
      let host = '';
      try {
        host = new URL(cluster.server).hostname;
      } catch {
        problems.push({ source: `${file} context ${context.name}`, reason: `cluster server "${cluster.server}" is not a URL`, action: null });
        continue;
      }
      const coreweave = /(^|\.)coreweave\.(com|cloud)$/i.test(host);
      const provider = coreweave ? 'coreweave' : 'kubernetes';
      const base = `${coreweave ? 'coreweave' : 'k8s'}-${context.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '')}`.slice(0, 60);
      let name = base;
      for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
      used.add(name);
      const notes: string[] = [];
      if (command !== null) notes.push(`its user runs the command \`${command}\` (exec plugin) to get credentials on every sync`);
      notes.push('GPU metrics need a Prometheus-compatible endpoint with dcgm-exporter series (the "prometheus" field)');
      found.push({
        name,
        provider,
        label: `context ${context.name} (cluster ${context.cluster} at ${host})${context.name === current ? ', the current context' : ''}`,
        identity: user ? `${user.name}${command !== null ? ` via ${command}` : ''} (kubeconfig)` : null,
        config: { name, provider, kubeconfig: file, context: context.name },
        notes,
      });
    }
  }
  return { provider: 'kubernetes', source: SOURCE, found, problems };
}

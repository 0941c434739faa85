/** The Markdown summary of an incident, for the incident channel. Pure: used by the renderer and the backend. */
import { CLOUD_LABELS } from './domain';
import type { IncidentPage } from './contract-triage';
import { formatMoney, formatPercent } from './format';

/** A short Markdown summary: what, where, blast radius, sources, latest updates and notes. */
export function incidentMarkdown(page: IncidentPage): string {
  const i = page.incident;
  const money = i.atRiskPerHour.map((a) => `${formatMoney(a.amount, a.currency)}/h`).join(' + ') || 'no price known';
  const lines = [
    `### ${i.severity.toUpperCase()}: ${i.title}`,
    '',
    `- **Cloud**: ${CLOUD_LABELS[i.cloud]}${i.regions.length > 0 ? ` (${i.regions.join(', ')})` : ''}`,
    `- **Status**: ${i.endedAt === null ? `open since ${i.startedAt}` : `ended ${i.endedAt} (started ${i.startedAt})`}`,
    `- **Blast radius**: ${i.affectedGpus} GPU${i.affectedGpus === 1 ? '' : 's'} on ${page.affected.length} machine${page.affected.length === 1 ? '' : 's'}, ${money} at risk`,
    `- **Acknowledged**: ${i.acknowledged ? `${i.acknowledged.by} at ${i.acknowledged.at}` : 'no'}`,
    `- **Sources**: ${i.sources.map((s) => (s.url ? `[${s.source}](${s.url})` : s.source)).join(', ')}`,
  ];
  if (i.services.length > 0) lines.push(`- **Services**: ${i.services.join(', ')}`);
  const affected = page.utilisation.find((t) => t.key === 'affected');
  const last = affected?.points.filter((p) => p.value !== null).at(-1);
  if (last) lines.push(`- **Utilisation of affected GPUs**: ${formatPercent(last.value)} at ${new Date(last.t).toISOString()}`);
  const updates = page.timeline.filter((e) => e.kind === 'update').slice(-3);
  if (updates.length > 0) {
    lines.push('', '**Latest updates**');
    for (const u of updates) lines.push(`- ${u.at} ${u.title}: ${u.body}`);
  }
  if (page.notes.length > 0) {
    lines.push('', '**Notes**');
    for (const n of page.notes.slice(-5)) lines.push(`- ${n.at} ${n.author}: ${n.body}`);
  }
  lines.push('', `_Fleetpane, as of ${page.asOf}_`);
  return `${lines.join('\n')}\n`;
}

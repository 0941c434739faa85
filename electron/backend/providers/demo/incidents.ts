/**
 * Simulated provider incidents: one active in a region the fleet uses (Azure eastus, ND H100 v5
 * networking), a resource health event on the degraded VM, one active in a region the fleet does
 * not use (listed apart by the pane), one that has ended, and maintenance announced for a window
 * three days ahead in a fleet region (GCP us-central1: planned, not counted). Times hang off `now`,
 * rounded down to 15 minutes (the maintenance window to the day) so ids and timestamps stay put
 * between syncs a minute apart.
 */
import type { Incident } from '../../../../shared/domain';
import type { DemoMachine } from './fleet';

const MINUTE_MS = 60_000;
const QUARTER_MS = 15 * MINUTE_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The incidents of one demo account at `now`. */
export function demoIncidents(account: string, machines: readonly DemoMachine[], now: Date): Incident[] {
  const anchor = Math.floor(now.getTime() / QUARTER_MS) * QUARTER_MS;
  const ndH100Eastus = machines.filter(
    (m) => m.resource.cloud === 'azure' && m.resource.region === 'eastus' && m.resource.instanceType === 'Standard_ND96isr_H100_v5',
  );
  const degraded = machines.filter((m) => m.resource.health === 'degraded');

  const azureStart = anchor - 105 * MINUTE_MS;
  // Posted yesterday for 07:14-11:14 UTC three days from today, as status pages announce it.
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const maintenanceStart = today + 3 * DAY_MS + (7 * 60 + 14) * MINUTE_MS;
  const maintenanceEnd = maintenanceStart + 4 * 60 * MINUTE_MS;
  const announcedAt = today - DAY_MS + 9 * 60 * MINUTE_MS;
  const incidents: Incident[] = [
    {
      id: 'service-health:DEMO-7KQ2-9TZ',
      account,
      cloud: 'azure',
      source: 'service-health',
      severity: 'major',
      title: 'Virtual Machines - East US - Degraded networking and allocation failures for ND H100 v5',
      summary:
        'Starting at ' + iso(azureStart) + ' a subset of customers using ND H100 v5 virtual machines in East US may ' +
        'experience degraded InfiniBand performance and allocation failures when starting or resizing VMs.',
      status: 'Active',
      regions: ['eastus'],
      services: ['Virtual Machines', 'Azure HPC'],
      resourceIds: ndH100Eastus.map((m) => m.resource.id),
      startedAt: iso(azureStart),
      endedAt: null,
      updatedAt: iso(anchor - 15 * MINUTE_MS),
      url: 'https://azure.status.microsoft/en-us/status',
      updates: [
        {
          at: iso(azureStart + 10 * MINUTE_MS), status: 'Investigating',
          body: 'We are investigating alerts for allocation failures and degraded networking for ND H100 v5 in East US.',
        },
        {
          at: iso(azureStart + 45 * MINUTE_MS), status: 'Identified',
          body: 'A subset of InfiniBand switches in one cluster is dropping links. Engineers are draining affected hosts.',
        },
        {
          at: iso(anchor - 15 * MINUTE_MS), status: 'Mitigating',
          body: 'Traffic is being moved off affected switches. Some VMs may still see reduced collective bandwidth.',
        },
      ],
      demo: true,
    },
    {
      id: 'status-page:DEMO-gcp-tpu-ane1',
      account,
      cloud: 'gcp',
      source: 'status-page',
      severity: 'minor',
      title: 'Cloud TPU: elevated error rates creating TPU VMs in asia-northeast1',
      summary: 'Customers may see errors when creating new Cloud TPU VMs in asia-northeast1. Existing TPU VMs are not affected.',
      status: 'SERVICE_DISRUPTION',
      regions: ['asia-northeast1'],
      services: ['Cloud TPU'],
      resourceIds: [],
      startedAt: iso(anchor - 50 * MINUTE_MS),
      endedAt: null,
      updatedAt: iso(anchor - 20 * MINUTE_MS),
      url: 'https://status.cloud.google.com/',
      updates: [
        {
          at: iso(anchor - 50 * MINUTE_MS), status: 'SERVICE_DISRUPTION',
          body: 'We are investigating elevated error rates for TPU VM creation in asia-northeast1.',
        },
      ],
      demo: true,
    },
    {
      id: 'maintenance:DEMO-gcp-usc1-a3-host',
      account,
      cloud: 'gcp',
      source: 'maintenance',
      severity: 'maintenance',
      title: 'Scheduled maintenance: Compute Engine A3 host upgrades in us-central1',
      summary:
        `Compute Engine will upgrade A3 hosts in us-central1 from ${iso(maintenanceStart)} to ${iso(maintenanceEnd)}. ` +
        'VMs on affected hosts are live-migrated; GPU VMs that cannot migrate are stopped and restarted.',
      status: 'scheduled',
      regions: ['us-central1'],
      services: ['Compute Engine'],
      resourceIds: [],
      startedAt: iso(maintenanceStart),
      endedAt: iso(maintenanceEnd),
      updatedAt: iso(announcedAt),
      url: 'https://status.cloud.google.com/',
      updates: [
        {
          at: iso(announcedAt), status: 'scheduled',
          body: `Scheduled maintenance in us-central1 from ${iso(maintenanceStart)} to ${iso(maintenanceEnd)}.`,
        },
      ],
      demo: true,
    },
    {
      id: 'status-page:DEMO-oci-iad-bv',
      account,
      cloud: 'oci',
      source: 'status-page',
      severity: 'minor',
      title: 'Block Volume: increased latency in US East (Ashburn)',
      summary: 'Some customers experienced increased I/O latency on block volumes in us-ashburn-1.',
      status: 'Resolved',
      regions: ['us-ashburn-1'],
      services: ['Block Volume'],
      resourceIds: [],
      startedAt: iso(anchor - 30 * 60 * MINUTE_MS),
      endedAt: iso(anchor - 27 * 60 * MINUTE_MS),
      updatedAt: iso(anchor - 27 * 60 * MINUTE_MS),
      url: 'https://ocistatus.oraclecloud.com/',
      updates: [
        { at: iso(anchor - 30 * 60 * MINUTE_MS), status: 'Investigating', body: 'We are investigating increased Block Volume latency in us-ashburn-1.' },
        { at: iso(anchor - 27 * 60 * MINUTE_MS), status: 'Resolved', body: 'Latency has returned to normal levels.' },
      ],
      demo: true,
    },
  ];

  for (const m of degraded) {
    incidents.push({
      id: `resource-health:${m.resource.id}`,
      account,
      cloud: m.resource.cloud,
      source: 'resource-health',
      severity: 'minor',
      title: `Resource health: ${m.resource.name} is degraded`,
      summary: m.resource.healthReason ?? 'The platform reports this resource as degraded.',
      status: 'Degraded',
      regions: [m.resource.region],
      services: ['Virtual Machines'],
      resourceIds: [m.resource.id],
      startedAt: iso(anchor - 75 * MINUTE_MS),
      endedAt: null,
      updatedAt: iso(anchor - 15 * MINUTE_MS),
      url: 'https://portal.azure.com/#view/Microsoft_Azure_Health/AzureHealthBrowseBlade/~/resourceHealth',
      updates: [],
      demo: true,
    });
  }
  return incidents;
}

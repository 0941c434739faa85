/**
 * Provider-neutral machine keys (shared/domain.ts MACHINE_KEY_TAG), formed in one place so a cloud's
 * connector and a Kubernetes node of that cloud name one machine alike without importing each other.
 */

/** The key of an EC2 instance. */
export function ec2MachineKey(instanceId: string): string {
  return `aws:ec2:${instanceId}`;
}

/**
 * The key a node's `spec.providerID` names, or null where it names no machine a cloud connector keys
 * (today EC2: `aws:///<zone>/<instance-id>`, also seen without the zone).
 */
export function machineKeyOfProviderId(providerId: string | undefined): string | null {
  const m = /^aws:\/\/(?:\/[a-z0-9-]*)?\/(i-[0-9a-f]{8,17})$/.exec((providerId ?? '').trim());
  return m ? ec2MachineKey(m[1] as string) : null;
}

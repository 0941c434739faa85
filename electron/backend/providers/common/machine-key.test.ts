import { describe, expect, it } from 'vitest';
import { ec2MachineKey, machineKeyOfProviderId } from './machine-key';

describe('machine keys', () => {
  it('reads the EC2 instance of an EKS node providerID as the key the AWS connector gives the instance', () => {
    expect(machineKeyOfProviderId('aws:///us-east-1a/i-0123456789abcdef0')).toBe(ec2MachineKey('i-0123456789abcdef0'));
    expect(machineKeyOfProviderId('aws:///i-0123456789abcdef0')).toBe('aws:ec2:i-0123456789abcdef0');
    // Fargate, other clouds, nothing: no machine an account of ours keys.
    expect(machineKeyOfProviderId('aws:///us-east-1a/fargate-ip-10-0-1-1.ec2.internal')).toBeNull();
    expect(machineKeyOfProviderId('gce://project/us-central1-a/node-1')).toBeNull();
    expect(machineKeyOfProviderId(undefined)).toBeNull();
  });
});

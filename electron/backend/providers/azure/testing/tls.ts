/** A throwaway self-signed certificate for 127.0.0.1: the Azure SDK sends bearer tokens over https only. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  key: string;
  cert: string;
  /** Path of the certificate as PEM, for `tlsCaFile`. */
  caFile: string;
  dir: string;
  dispose(): void;
}

/** Generates a key and a self-signed certificate valid for IP 127.0.0.1 (openssl, one second). */
export function createTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpane-azure-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const conf = join(dir, 'openssl.cnf');
  writeFileSync(
    conf,
    [
      '[req]',
      'distinguished_name = dn',
      'x509_extensions = ext',
      'prompt = no',
      '[dn]',
      'CN = 127.0.0.1',
      '[ext]',
      'subjectAltName = IP:127.0.0.1',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = digitalSignature, keyCertSign',
      'extendedKeyUsage = serverAuth',
      '',
    ].join('\n'),
  );
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-keyout', keyFile, '-out', certFile, '-config', conf], { stdio: 'ignore' });
  return {
    key: readFileSync(keyFile, 'utf8'),
    cert: readFileSync(certFile, 'utf8'),
    caFile: certFile,
    dir,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Who an OCI credential is: the signing key's user OCID and fingerprint, from the profile or the
 * explicit key entry (read locally, no call). Never the key or its passphrase.
 */
import * as common from 'oci-common';
import type { ConnectorIdentity } from '../../../../shared/connector-diagnostics';
import { ConfigError } from '../types';
import type { OciAccountConfig } from './config';

/** The identity `config` signs requests as; `env` supplies OCI_CONFIG_FILE. */
export function ociIdentity(config: OciAccountConfig, env: Readonly<Record<string, string | undefined>> = process.env): ConnectorIdentity {
  const cred = config.credential;
  const tenancy = (t: string | undefined): ConnectorIdentity['details'] => (t ? [{ label: 'tenancy', value: t }] : []);
  switch (cred.type) {
    case 'instancePrincipal':
      return { name: 'instance principal of this host', kind: 'instance principal', details: tenancy(config.tenancyId), source: 'account config' };
    case 'apiKey':
      return {
        name: cred.user,
        kind: 'user (API signing key)',
        details: [{ label: 'key fingerprint', value: cred.fingerprint }, ...tenancy(config.tenancyId)],
        source: 'account config',
      };
    case 'configFile': {
      const path = cred.path ?? env.OCI_CONFIG_FILE ?? common.ConfigFileReader.DEFAULT_FILE_PATH;
      let profile: ReturnType<typeof common.ConfigFileReader.parseFileFromPath>;
      try {
        profile = common.ConfigFileReader.parseFileFromPath(common.ConfigFileReader.expandUserHome(path), cred.profile);
      } catch (err) {
        throw new ConfigError(`cannot read profile [${cred.profile}] of the OCI config file ${path} (${(err as Error).message})`, { cause: err });
      }
      const user = profile.get('user');
      if (!user) throw new ConfigError(`profile [${cred.profile}] of ${path} has no "user"`);
      const fingerprint = profile.get('fingerprint');
      return {
        name: user,
        kind: 'user (API signing key)',
        details: [...(fingerprint ? [{ label: 'key fingerprint', value: fingerprint }] : []), ...tenancy(config.tenancyId ?? profile.get('tenancy') ?? undefined)],
        source: `profile [${cred.profile}] of ${path}`,
      };
    }
  }
}

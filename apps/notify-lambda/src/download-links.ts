import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DownloadLinks } from '@gen3d/jobs';
import { readDownloadLinks, readDownloadLinkSigner } from '@gen3d/jobs/download-link-sources';
import { ConfigError, requiredEnv, type Environment } from '@gen3d/runtime';

/** Where the notify function finds what its download links need: the shared key, and the API's address. */
export interface DownloadLinkSources {
  /** DOWNLOAD_KEY_SECRET_ARN: the HMAC key the API checks the links with (Secrets Manager, read-only here). */
  readonly secretId: string;
  /**
   * API_URL_PARAMETER: the SSM parameter the API stack writes its URL to once its `/downloads` route is deployed (the
   * API deploys after this function, maybe hours later).
   */
  readonly apiUrlParameter: string;
}

/** Both variables, or neither (the emails then carry presigned URLs); one alone is a configuration error. */
export function downloadLinkSourcesOf(env: Environment): DownloadLinkSources | undefined {
  const given = ['DOWNLOAD_KEY_SECRET_ARN', 'API_URL_PARAMETER'].filter((name) => env[name]);
  if (given.length === 0) return undefined;
  if (given.length === 1) {
    throw new ConfigError('DOWNLOAD_KEY_SECRET_ARN and API_URL_PARAMETER are set together or not at all');
  }
  return {
    secretId: requiredEnv(env, 'DOWNLOAD_KEY_SECRET_ARN', /^\S+$/, 'a Secrets Manager secret ARN or name'),
    apiUrlParameter: requiredEnv(env, 'API_URL_PARAMETER', /^\/?[\w./-]+$/, 'an SSM parameter name'),
  };
}

/**
 * The links the emails carry, read again every few minutes (DOWNLOAD_SOURCES_TTL_MS): undefined while the API has not
 * published that it redeems them (its parameter does not exist yet: a first deploy, a sandbox, an API stack not yet
 * deployed), and the emails then carry presigned URLs. A key shorter than 32 bytes, empty included, is refused
 * (DownloadKeyError), and a URL that is not https (or http on loopback) is a ConfigError.
 */
export async function loadDownloadLinks(
  sources: DownloadLinkSources,
  clients: { readonly secrets: SecretsManagerClient; readonly ssm: SSMClient },
): Promise<DownloadLinks | undefined> {
  const signer = await readDownloadLinkSigner(clients.secrets, sources.secretId, { previous: false });
  return readDownloadLinks(signer, clients.ssm, sources.apiUrlParameter);
}
